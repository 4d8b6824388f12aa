// wharf update [resource flags] [--restart] CONTAINER...
import type { Command } from 'commander';
import { enc, forEachContainer } from '../containers/each.js';
import type { CliContext } from '../context.js';
import { addFlags, OptionError } from '../options/flags.js';
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

export function register(program: Command, ctx: () => CliContext): void {
  const cmd = program.command('update').description('Update configuration of one or more containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]').argument('<containers...>');
  addFlags(cmd, [
    { names: '--blkio-weight', kind: 'uint16', desc: 'Block IO (relative weight), between 10 and 1000, or 0 to disable' },
    { names: '--cpu-period', kind: 'int', desc: 'Limit CPU CFS (Completely Fair Scheduler) period' },
    { names: '--cpu-quota', kind: 'int', desc: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
    { names: '--cpu-rt-period', kind: 'int', desc: 'Limit the CPU real-time period in microseconds' },
    { names: '--cpu-rt-runtime', kind: 'int', desc: 'Limit the CPU real-time runtime in microseconds' },
    { names: '-c, --cpu-shares', kind: 'int', desc: 'CPU shares (relative weight)' },
    { names: '--cpus', kind: 'cpus', desc: 'Number of CPUs' },
    { names: '--cpuset-cpus', kind: 'string', desc: 'CPUs in which to allow execution (0-3, 0,1)' },
    { names: '--cpuset-mems', kind: 'string', desc: 'MEMs in which to allow execution (0-3, 0,1)' },
    { names: '--kernel-memory', kind: 'bytes', desc: 'Kernel memory limit', hidden: true },
    { names: '-m, --memory', kind: 'bytes', desc: 'Memory limit' },
    { names: '--memory-reservation', kind: 'bytes', desc: 'Memory soft limit' },
    { names: '--memory-swap', kind: 'swap', desc: "Swap limit equal to memory plus swap: -1 to enable unlimited swap" },
    { names: '--pids-limit', kind: 'int', desc: 'Tune container pids limit (set -1 for unlimited)' },
    { names: '--restart', kind: 'string', desc: 'Restart policy to apply when a container exits' },
  ]);
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
