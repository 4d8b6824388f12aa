// linux.resources -> cgroup v2 file writes, converting v1-style values like runc does.
// Devices are not files on v2 (see devicefilter.ts). Pure, so it is unit tested as data.
import type { LinuxResources, LinuxThrottleDevice } from './types.js';
import type { CgroupWrite } from './fsutil.js';
import { blkioWeightToIoWeight, cpuMax, int, maxOr, pidsMax, sharesToWeight, swapToV2 } from './convert.js';

export interface V2Context {
  /** Whether a file exists in the cgroup dir (io.bfq.weight is optional). */
  has(file: string): boolean;
  /** Current memory.max in bytes (-1 for max), to convert a swap-only update. */
  currentMemoryLimit(): number;
}

function w(file: string, value: string, field: string): CgroupWrite {
  return { controller: '', file, value, field };
}

function memoryWrites(r: NonNullable<LinuxResources['memory']>, ctx: V2Context): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  const limit = r.limit ?? 0;
  const swap = r.swap ?? 0;
  // A swap-only update converts against the limit already in place.
  const effLimit = limit === 0 && swap > 0 ? ctx.currentMemoryLimit() : limit;
  const swapOnly = swapToV2(swap, effLimit);
  if (swapOnly !== 0) out.push(w('memory.swap.max', maxOr(swapOnly), 'memory.swap'));
  if (limit !== 0) out.push(w('memory.max', maxOr(limit), 'memory.limit'));
  if (r.reservation !== undefined && r.reservation !== 0) out.push(w('memory.low', maxOr(r.reservation), 'memory.reservation'));
  // swappiness and disableOOMKiller have no v2 equivalent; runc ignores them too.
  return out;
}

function cpuWrites(r: NonNullable<LinuxResources['cpu']>): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  if (r.shares) out.push(w('cpu.weight', int(sharesToWeight(r.shares)), 'cpu.shares'));
  const max = cpuMax(r.quota, r.period);
  if (max !== undefined) out.push(w('cpu.max', max, r.quota ? 'cpu.quota' : 'cpu.period'));
  if (r.burst !== undefined && r.burst !== null) out.push(w('cpu.max.burst', int(r.burst), 'cpu.burst'));
  if (r.cpus) out.push(w('cpuset.cpus', r.cpus, 'cpu.cpus'));
  if (r.mems) out.push(w('cpuset.mems', r.mems, 'cpu.mems'));
  return out;
}

function ioWrites(r: NonNullable<LinuxResources['blockIO']>, ctx: V2Context): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  // With BFQ, io.bfq.weight takes the blkio weight range directly; otherwise convert.
  const bfq = ctx.has('io.bfq.weight');
  if (r.weight) {
    out.push(bfq ? w('io.bfq.weight', int(r.weight), 'blockIO.weight')
      : w('io.weight', `default ${blkioWeightToIoWeight(r.weight)}`, 'blockIO.weight'));
  }
  r.weightDevice?.forEach((d, i) => {
    if (!d.weight) return;
    const v = bfq ? d.weight : blkioWeightToIoWeight(d.weight);
    out.push(w(bfq ? 'io.bfq.weight' : 'io.weight', `${d.major}:${d.minor} ${v}`, `blockIO.weightDevice[${i}]`));
  });
  const throttles: [keyof typeof r, string][] = [
    ['throttleReadBpsDevice', 'rbps'], ['throttleWriteBpsDevice', 'wbps'],
    ['throttleReadIOPSDevice', 'riops'], ['throttleWriteIOPSDevice', 'wiops'],
  ];
  for (const [key, knob] of throttles) {
    (r[key] as LinuxThrottleDevice[] | undefined)?.forEach((d, i) => {
      // Rate 0 removes the limit, as writing 0 to a v1 throttle file does.
      out.push(w('io.max', `${d.major}:${d.minor} ${knob}=${d.rate ? int(d.rate) : 'max'}`, `blockIO.${key}[${i}]`));
    });
  }
  return out;
}

/** Every v2 file write for `r`; `unified` entries come last so they override converted values. */
export function v2Writes(r: LinuxResources, ctx: V2Context): CgroupWrite[] {
  return [
    ...(r.cpu ? cpuWrites(r.cpu) : []),
    ...(r.memory ? memoryWrites(r.memory, ctx) : []),
    ...(r.pids ? [w('pids.max', pidsMax(r.pids.limit), 'pids.limit')] : []),
    ...(r.blockIO ? ioWrites(r.blockIO, ctx) : []),
    ...Object.entries(r.unified ?? {}).map(([k, v]) => w(k, v, `unified["${k}"]`)),
  ];
}
