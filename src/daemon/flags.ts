// wharfd's command line (commander). Only flags the user actually gave are returned, keyed by
// their daemon.json directive, so conflicts with the config file can be detected like dockerd.
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULTS, parseUlimitFlag, type Directives, type Ulimit } from './config.js';

export interface ParsedFlags {
  configFile: string;
  configFileExplicit: boolean;
  directives: Directives;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
const collectKeyValue = (v: string, prev: Record<string, string> = {}): Record<string, string> => {
  const eq = v.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got "${v}"`);
  return { ...prev, [v.slice(0, eq)]: v.slice(eq + 1) };
};
const positiveInt = (v: string): number => {
  if (!/^[1-9][0-9]*$/.test(v)) throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return Number(v);
};
const collectUlimit = (v: string, prev: Ulimit[] = []): Ulimit[] => {
  try { return [...prev.filter((u) => u.Name !== v.split('=')[0]), parseUlimitFlag(v)]; } catch (err) { throw new InvalidArgumentError((err as Error).message); }
};

/** commander attribute name -> daemon.json directive. */
const FLAG_DIRECTIVES: Record<string, string> = {
  host: 'hosts', dataRoot: 'data-root', execRoot: 'exec-root', pidfile: 'pidfile', group: 'group',
  logLevel: 'log-level', debug: 'debug', storageDriver: 'storage-driver', storageOpt: 'storage-opts',
  logDriver: 'log-driver', logOpt: 'log-opts', defaultUlimit: 'default-ulimits', tls: 'tls',
  tlsverify: 'tlsverify', tlscacert: 'tlscacert', tlscert: 'tlscert', tlskey: 'tlskey',
  experimental: 'experimental', label: 'labels',
  insecureRegistry: 'insecure-registries', registryMirror: 'registry-mirrors',
  maxConcurrentDownloads: 'max-concurrent-downloads', maxConcurrentUploads: 'max-concurrent-uploads',
  bridge: 'bridge', bip: 'bip', iptables: 'iptables', ip: 'ip', mtu: 'mtu',
};

export function buildProgram(version: string): Command {
  return new Command('wharfd')
    .description('A Docker-compatible container engine daemon')
    .version(version, '-v, --version')
    .option('-H, --host <address>', `daemon socket to listen on (repeatable; default unix://${'/run/wharf/wharf.sock'})`, collect)
    .option('--data-root <dir>', `root directory of persistent state (default "${DEFAULTS.dataRoot}")`)
    .option('--exec-root <dir>', `root directory for execution state (default "${DEFAULTS.execRoot}")`)
    .option('--config-file <file>', `daemon configuration file (default "${DEFAULTS.configFile}")`)
    .option('-p, --pidfile <file>', 'path of the daemon pid file (default "<exec-root>/wharfd.pid")')
    .option('-G, --group <group>', `group for the unix socket (default "${DEFAULTS.group}")`)
    .option('-l, --log-level <level>', 'log level: debug, info, warn, error, fatal (default "info")')
    .option('-D, --debug', 'enable debug mode')
    .option('-s, --storage-driver <driver>', 'storage driver to use')
    .option('--storage-opt <opt>', 'storage driver option (repeatable)', collect)
    .option('--log-driver <driver>', `default container log driver (default "${DEFAULTS.logDriver}")`)
    .option('--log-opt <key=value>', 'default container log driver option (repeatable)', collectKeyValue)
    .option('--default-ulimit <name=soft[:hard]>', 'default ulimit for containers (repeatable)', collectUlimit)
    .option('--tls', 'use TLS (implied by --tlsverify)')
    .option('--tlsverify', 'use TLS and require client certificates signed by --tlscacert')
    .option('--tlscacert <file>', 'trust client certificates signed by this CA')
    .option('--tlscert <file>', 'path to the TLS certificate')
    .option('--tlskey <file>', 'path to the TLS key')
    .option('--experimental', 'enable experimental features')
    .option('--label <key=value>', 'daemon label (repeatable)', collect)
    .option('--insecure-registry <host[:port]|cidr>', 'registry reachable over plain HTTP (repeatable)', collect)
    .option('--registry-mirror <url>', 'preferred Docker Hub mirror (repeatable)', collect)
    .option('--max-concurrent-downloads <n>', 'layers downloaded in parallel per pull (default 3)', positiveInt)
    .option('--max-concurrent-uploads <n>', 'layers uploaded in parallel per push (default 5)', positiveInt)
    .option('-b, --bridge <name>', 'device of the default bridge network (default "wharf0"; "none" disables it)')
    .option('--bip <cidr>', 'gateway address and subnet of the default bridge (default "172.31.0.1/16")')
    .option('--iptables [bool]', 'manage iptables chains for NAT and network isolation (default true)', parseBoolFlag)
    .option('--ip <address>', 'default host address of published ports (default "0.0.0.0")')
    .option('--mtu <n>', 'MTU of the default bridge and its containers (default 1500)', positiveInt)
    .allowExcessArguments(false)
    .exitOverride();
}

/** `--iptables`, `--iptables=false` (Docker's boolean flag syntax). */
function parseBoolFlag(v: string | boolean): boolean {
  if (v === true || v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new InvalidArgumentError(`expected true or false, got "${String(v)}"`);
}

/** Parses argv (without node and script) into explicitly set directives. */
export function parseFlags(argv: string[], version = '0.0.0'): ParsedFlags {
  const program = buildProgram(version);
  program.parse(argv, { from: 'user' });
  const opts = program.opts<Record<string, unknown>>();
  const directives: Directives = {};
  for (const [attr, directive] of Object.entries(FLAG_DIRECTIVES)) {
    if (program.getOptionValueSource(attr) === 'cli') directives[directive] = opts[attr];
  }
  const configFile = (opts.configFile as string | undefined) ?? DEFAULTS.configFile;
  return { configFile, configFileExplicit: opts.configFile !== undefined, directives };
}
