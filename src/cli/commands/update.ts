// wharf update [resource flags] [--restart] CONTAINER...
import type { Command } from 'commander';
import { enc, forEachContainer } from '../containers/each.js';
import type { CliContext } from '../context.js';
import { addFlags, OptionError, type FlagDef } from '../options/flags.js';
import { CONTAINER_FLAGS } from '../options/run-flags.js';
import { parseRestartPolicy } from '../options/values.js';

interface UpdateOptions {
  blkioWeight?: number; cpuPeriod?: number; cpuQuota?: number; cpuRtPeriod?: number; cpuRtRuntime?: number;
  cpuShares?: number; cpus?: number; cpusetCpus?: string; cpusetMems?: string; kernelMemory?: number;
  memory?: number; memoryReservation?: number; memorySwap?: number; pidsLimit?: number; restart?: string;
}

export function updateBody(o: UpdateOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {
    BlkioWeight: o.blkioWeight, CpuPeriod: o.cpuPeriod, CpuQuota: o.cpuQuota, CpuRealtimePeriod: o.cpuRtPeriod,
    CpuRealtimeRuntime: o.cpuRtRuntime, CpuShares: o.cpuShares, NanoCpus: o.cpus, CpusetCpus: o.cpusetCpus,
    CpusetMems: o.cpusetMems, KernelMemory: o.kernelMemory, Memory: o.memory, MemoryReservation: o.memoryReservation,
    MemorySwap: o.memorySwap, PidsLimit: o.pidsLimit,
  };
  if (o.restart !== undefined) body.RestartPolicy = parseRestartPolicy(o.restart);
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  return body;
}

/**
 * run's definitions of the flags update takes, without defaults (a flag not given leaves that
 * setting as it is); docker words three of them differently here.
 */
function UPDATE_FLAGS(): FlagDef[] {
  const from = (names: string, desc?: string): FlagDef => {
    const def = CONTAINER_FLAGS.find((f) => f.names === names);
    if (!def) throw new Error(`update: no run flag ${names}`);
    const { default: _runDefault, ...rest } = def;
    return desc ? { ...rest, desc } : rest;
  };
  return [
    from('--blkio-weight'), from('--cpu-period'), from('--cpu-quota'),
    from('--cpu-rt-period', 'Limit the CPU real-time period in microseconds'),
    from('--cpu-rt-runtime', 'Limit the CPU real-time runtime in microseconds'),
    from('-c, --cpu-shares'), from('--cpus'), from('--cpuset-cpus'), from('--cpuset-mems'), from('--kernel-memory'),
    from('-m, --memory'), from('--memory-reservation'),
    from('--memory-swap', 'Swap limit equal to memory plus swap: -1 to enable unlimited swap'),
    from('--pids-limit'), from('--restart'),
  ];
}

export function register(program: Command, ctx: () => CliContext): void {
  const cmd = program.command('update').description('Update configuration of one or more containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]').argument('<containers...>');
  addFlags(cmd, UPDATE_FLAGS());
  cmd.action(async (names: string[], o: UpdateOptions) => {
    let body: Record<string, unknown>;
    try {
      body = updateBody(o);
    } catch (err) {
      throw new OptionError((err as Error).message);
    }
    if (Object.keys(body).length === 0) throw new OptionError('you must provide one or more flags when using this command');
    const c = ctx();
    await forEachContainer(c, names, async (n) => {
      const r = await c.api.post<{ Warnings?: string[] | null }>(`/containers/${enc(n)}/update`, body);
      for (const w of r?.Warnings ?? []) c.stderr.write(`${w}\n`);
    });
  });
}
