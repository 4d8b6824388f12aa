// wharf info / system info: docker 20.10's prettyPrintInfo layout, or --format on the info struct.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliExit } from '../context.js';
import { Template } from '../format/template.js';
import { bytesSize } from '../format/units.js';
import { formatOption, group } from './listing-common.js';

type Info = Record<string, unknown> & {
  DriverStatus?: [string, string][] | null;
  Plugins?: Record<string, string[] | null>;
  Runtimes?: Record<string, unknown>;
  SecurityOptions?: string[] | null;
  Labels?: string[] | null;
  Warnings?: string[] | null;
  RegistryConfig?: { InsecureRegistryCIDRs?: string[]; IndexConfigs?: Record<string, { Secure?: boolean; Name: string }>; Mirrors?: string[] };
  Swarm?: { LocalNodeState?: string };
  ContainerdCommit?: { ID?: string };
  RuncCommit?: { ID?: string };
  InitCommit?: { ID?: string };
};

function prettyInfo(i: Info, debug: boolean): string {
  const lines: string[] = [];
  const p = (s: string): void => { lines.push(s); };
  p('Client:');
  p(' Context:    default');
  p(` Debug Mode: ${debug}`);
  p('');
  p('Server:');
  p(` Containers: ${i.Containers}`);
  p(`  Running: ${i.ContainersRunning}`);
  p(`  Paused: ${i.ContainersPaused}`);
  p(`  Stopped: ${i.ContainersStopped}`);
  p(` Images: ${i.Images}`);
  p(` Server Version: ${i.ServerVersion}`);
  if (i.Driver) {
    p(` Storage Driver: ${i.Driver}`);
    for (const [k, v] of i.DriverStatus ?? []) p(`  ${k}: ${v}`);
  }
  p(` Logging Driver: ${i.LoggingDriver}`);
  p(` Cgroup Driver: ${i.CgroupDriver}`);
  if (i.CgroupVersion) p(` Cgroup Version: ${i.CgroupVersion}`);
  p(' Plugins:');
  p(`  Volume: ${(i.Plugins?.Volume ?? []).join(' ')}`);
  p(`  Network: ${(i.Plugins?.Network ?? []).join(' ')}`);
  if (i.Plugins?.Authorization?.length) p(`  Authorization: ${i.Plugins.Authorization.join(' ')}`);
  p(`  Log: ${(i.Plugins?.Log ?? []).join(' ')}`);
  p(` Swarm: ${i.Swarm?.LocalNodeState ?? 'inactive'}`);
  p(` Runtimes: ${Object.keys(i.Runtimes ?? {}).sort().join(' ')}`);
  p(` Default Runtime: ${i.DefaultRuntime}`);
  p(` Init Binary: ${i.InitBinary}`);
  p(` containerd version: ${i.ContainerdCommit?.ID ?? ''}`);
  p(` runc version: ${i.RuncCommit?.ID ?? ''}`);
  p(` init version: ${i.InitCommit?.ID ?? ''}`);
  if (i.SecurityOptions?.length) {
    p(' Security Options:');
    for (const o of i.SecurityOptions) {
      const kv = Object.fromEntries(o.split(',').map((f) => f.split('=') as [string, string]));
      p(`  ${kv.name ?? o}`);
      if (kv.profile) p(`   Profile: ${kv.profile}`);
    }
  }
  p(` Kernel Version: ${i.KernelVersion}`);
  p(` Operating System: ${i.OperatingSystem}`);
  p(` OSType: ${i.OSType}`);
  p(` Architecture: ${i.Architecture}`);
  p(` CPUs: ${i.NCPU}`);
  p(` Total Memory: ${bytesSize(Number(i.MemTotal ?? 0))}`);
  p(` Name: ${i.Name}`);
  p(` ID: ${i.ID}`);
  p(` Docker Root Dir: ${i.DockerRootDir}`);
  p(` Debug Mode: ${Boolean(i.Debug)}`);
  if (i.HttpProxy) p(` HTTP Proxy: ${i.HttpProxy}`);
  if (i.HttpsProxy) p(` HTTPS Proxy: ${i.HttpsProxy}`);
  if (i.NoProxy) p(` No Proxy: ${i.NoProxy}`);
  if (i.IndexServerAddress) p(` Registry: ${i.IndexServerAddress}`);
  p(' Labels:');
  for (const l of i.Labels ?? []) p(`  ${l}`);
  p(` Experimental: ${Boolean(i.ExperimentalBuild)}`);
  const insecure = [
    ...Object.values(i.RegistryConfig?.IndexConfigs ?? {}).filter((c) => c.Secure === false).map((c) => c.Name),
    ...(i.RegistryConfig?.InsecureRegistryCIDRs ?? []),
  ];
  if (i.RegistryConfig?.InsecureRegistryCIDRs?.length || Object.keys(i.RegistryConfig?.IndexConfigs ?? {}).length) {
    p(' Insecure Registries:');
    for (const r of insecure) p(`  ${r}`);
  }
  if (i.RegistryConfig?.Mirrors?.length) {
    p(' Registry Mirrors:');
    for (const m of i.RegistryConfig.Mirrors) p(`  ${m}`);
  }
  p(` Live Restore Enabled: ${Boolean(i.LiveRestoreEnabled)}`);
  return `${lines.join('\n')}\n\n`;
}

/** docker 20.10 (API < 1.42): seccomp warning, then the daemon's warnings or the legacy checks. */
function serverWarnings(i: Info): string[] {
  const out: string[] = [];
  for (const o of i.SecurityOptions ?? []) {
    const kv = Object.fromEntries(o.split(',').map((f) => f.split('=') as [string, string]));
    if (kv.name === 'seccomp' && kv.profile && kv.profile !== 'default' && kv.profile !== 'builtin') out.push("WARNING: You're not using the default seccomp profile");
  }
  if (i.Warnings?.length) return [...out, ...i.Warnings];
  const legacy: [string, string][] = [
    ['MemoryLimit', 'No memory limit support'], ['SwapLimit', 'No swap limit support'],
    ['OomKillDisable', 'No oom kill disable support'], ['CpuCfsQuota', 'No cpu cfs quota support'],
    ['CpuCfsPeriod', 'No cpu cfs period support'], ['CPUShares', 'No cpu shares support'], ['CPUSet', 'No cpuset support'],
    ['IPv4Forwarding', 'IPv4 forwarding is disabled'], ['BridgeNfIptables', 'bridge-nf-call-iptables is disabled'],
    ['BridgeNfIp6tables', 'bridge-nf-call-ip6tables is disabled'],
  ];
  for (const [field, text] of legacy) if (!i[field]) out.push(`WARNING: ${text}`);
  return out;
}

export async function runInfo(c: CliContext, format: string | undefined, debug = false): Promise<void> {
  const info = await c.api.get<Info>('/info');
  if (format) {
    const data = { ...info, ClientInfo: { Debug: debug, Context: 'default', Plugins: [], Warnings: null }, ServerErrors: null, ClientErrors: null };
    try {
      c.stdout.write(`${new Template(format === 'json' ? '{{json .}}' : format).execute(data)}\n`);
    } catch (err) {
      throw new CliExit(64, `Template parsing error: ${(err as Error).message}`);
    }
    return;
  }
  c.stdout.write(prettyInfo(info, debug));
  for (const w of serverWarnings(info)) c.stderr.write(`${w}\n`);
}

export function register(program: Command, ctx: () => CliContext): void {
  const define = (parent: Command): void => {
    parent.command('info').description('Display system-wide information')
      .addOption(formatOption('Format the output using the given Go template'))
      .action(async (o: { format?: string }) => runInfo(ctx(), o.format, Boolean(program.opts<{ debug?: boolean }>().debug)));
  };
  define(program);
  define(group(program, 'system', 'Manage Docker'));
}
