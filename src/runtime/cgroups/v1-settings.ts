// linux.resources -> the list of cgroup v1 file writes, in the order they must happen.
// Pure (the current state needed for ordering is passed in), so it is unit tested as data.
import type { LinuxResources, LinuxDeviceCgroup } from './types.js';
import type { CgroupWrite } from './fsutil.js';
import { int, memoryV1 } from './convert.js';

export interface V1Context {
  /** Current memory.limit_in_bytes (for write ordering against memsw). */
  currentMemoryLimit(): number;
  /** Whether a file exists in a controller's directory (bfq vs cfq blkio files). */
  has(controller: string, file: string): boolean;
}

function w(controller: string, file: string, value: string, field: string): CgroupWrite {
  return { controller, file, value, field };
}

function memoryWrites(r: NonNullable<LinuxResources['memory']>, ctx: V1Context): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  const limit = r.limit ?? 0;
  let swap = r.swap ?? 0;
  // Unlimited memory with no explicit swap: make memory+swap unlimited too (runc does the same).
  if (limit === -1 && swap === 0) swap = -1;
  const mem = limit !== 0 ? w('memory', 'memory.limit_in_bytes', memoryV1(limit), 'memory.limit') : undefined;
  const sw = swap !== 0 ? w('memory', 'memory.memsw.limit_in_bytes', memoryV1(swap), 'memory.swap') : undefined;
  // The kernel requires limit <= memsw at every step: raise memsw first, lower it last.
  if (mem && sw && (swap === -1 || ctx.currentMemoryLimit() < swap)) out.push(sw, mem);
  else out.push(...[mem, sw].filter((x): x is CgroupWrite => x !== undefined));
  if (r.reservation !== undefined && r.reservation !== 0) {
    out.push(w('memory', 'memory.soft_limit_in_bytes', memoryV1(r.reservation), 'memory.reservation'));
  }
  if (r.swappiness !== undefined && r.swappiness !== null) {
    out.push(w('memory', 'memory.swappiness', int(r.swappiness), 'memory.swappiness'));
  }
  if (r.disableOOMKiller !== undefined) {
    out.push(w('memory', 'memory.oom_control', r.disableOOMKiller ? '1' : '0', 'memory.disableOOMKiller'));
  }
  return out;
}

function cpuWrites(r: NonNullable<LinuxResources['cpu']>): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  if (r.shares) out.push(w('cpu', 'cpu.shares', int(r.shares), 'cpu.shares'));
  if (r.period) out.push(w('cpu', 'cpu.cfs_period_us', int(r.period), 'cpu.period'));
  if (r.quota) out.push(w('cpu', 'cpu.cfs_quota_us', r.quota > 0 ? int(r.quota) : '-1', 'cpu.quota'));
  if (r.burst !== undefined && r.burst !== null) out.push(w('cpu', 'cpu.cfs_burst_us', int(r.burst), 'cpu.burst'));
  if (r.cpus) out.push(w('cpuset', 'cpuset.cpus', r.cpus, 'cpu.cpus'));
  if (r.mems) out.push(w('cpuset', 'cpuset.mems', r.mems, 'cpu.mems'));
  return out;
}

function blkioWrites(r: NonNullable<LinuxResources['blockIO']>, ctx: V1Context): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  // CFQ kernels have blkio.weight; BFQ kernels (like this one) only blkio.bfq.weight.
  const weightFile = ctx.has('blkio', 'blkio.weight') ? 'blkio.weight' : 'blkio.bfq.weight';
  if (r.weight) out.push(w('blkio', weightFile, int(r.weight), 'blockIO.weight'));
  r.weightDevice?.forEach((d, i) => {
    if (d.weight) out.push(w('blkio', `${weightFile}_device`, `${d.major}:${d.minor} ${d.weight}`, `blockIO.weightDevice[${i}]`));
  });
  const throttles = [
    ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
    ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
    ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
    ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
  ] as const;
  for (const [key, file] of throttles) {
    r[key]?.forEach((d, i) => out.push(w('blkio', file, `${d.major}:${d.minor} ${int(d.rate ?? 0)}`, `blockIO.${key}[${i}]`)));
  }
  return out;
}

function isWildcard(rule: LinuxDeviceCgroup): boolean {
  const anyNum = (n: number | null | undefined) => n === undefined || n === null || n === -1;
  const access = rule.access ?? 'rwm';
  return (rule.type ?? 'a') === 'a' && anyNum(rule.major) && anyNum(rule.minor)
    && ['r', 'w', 'm'].every((c) => access.includes(c));
}

/**
 * Device rules as devices.allow/devices.deny writes. Writing "a" resets the list to allow-all or
 * deny-all; unless the rules start with such a wildcard, the base is deny-all (as runc). Later
 * rules add or remove kernel exceptions (v1 semantics: a deny only removes an equal exception).
 */
export function deviceWritesV1(rules: LinuxDeviceCgroup[]): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  if (rules.length === 0 || !isWildcard(rules[0]!)) out.push(w('devices', 'devices.deny', 'a', 'devices'));
  rules.forEach((rule, i) => {
    const file = rule.allow ? 'devices.allow' : 'devices.deny';
    const field = `devices[${i}]`;
    if (isWildcard(rule)) {
      out.push(w('devices', file, 'a', field));
      return;
    }
    const num = (n: number | null | undefined) => (n === undefined || n === null || n === -1 ? '*' : String(n));
    const access = rule.access === undefined || rule.access === '' ? 'rwm' : rule.access;
    const types = (rule.type ?? 'a') === 'a' ? ['c', 'b'] : [rule.type!];
    for (const t of types) out.push(w('devices', file, `${t} ${num(rule.major)}:${num(rule.minor)} ${access}`, field));
  });
  return out;
}

/** Every v1 write for `r`, grouped by controller in a safe order. */
export function v1Writes(r: LinuxResources, ctx: V1Context): CgroupWrite[] {
  if (r.unified && Object.keys(r.unified).length > 0) {
    throw new Error('linux.resources.unified: only supported on cgroup v2 (this host uses cgroup v1)');
  }
  return [
    ...(r.cpu ? cpuWrites(r.cpu) : []),
    ...(r.memory ? memoryWrites(r.memory, ctx) : []),
    ...(r.pids ? [w('pids', 'pids.max', r.pids.limit > 0 ? int(r.pids.limit) : 'max', 'pids.limit')] : []),
    ...(r.blockIO ? blkioWrites(r.blockIO, ctx) : []),
    ...(r.devices ? deviceWritesV1(r.devices) : []),
  ];
}
