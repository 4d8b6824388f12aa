// Docker's stats JSON (types.StatsJSON) from the runtime's cgroup numbers, for cgroup v1 and v2,
// plus the host figures Docker adds (system CPU time from /proc/stat, online CPUs, memory).
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import type { BlkioEntry, CgroupStats } from '../runtime/cgroups/types.js';
import { ZERO_TIME } from './containers/types.js';

/** USER_HZ: /proc/stat counts in 1/100 s on every architecture wharf runs on. */
const NS_PER_TICK = 1e7;

/** One reading of a container and of the host, taken together. */
export interface StatsSample {
  /** RFC 3339 time of the reading. */
  read: string;
  cgroup: CgroupStats;
  /** Host CPU time in ns (all CPUs, idle included). */
  systemCpuUsage: number;
  onlineCpus: number;
}

/** Host CPU time in ns: the sum of the first seven fields of the "cpu" line of /proc/stat (as Docker). */
export function systemCpuUsage(procStat = readFileSync('/proc/stat', 'utf8')): number {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return 0;
  const ticks = line.trim().split(/\s+/).slice(1, 8).reduce((sum, v) => sum + Number(v), 0);
  return ticks * NS_PER_TICK;
}

export function takeSample(cgroup: CgroupStats): StatsSample {
  return { read: new Date().toISOString(), cgroup, systemCpuUsage: systemCpuUsage(), onlineCpus: os.cpus().length };
}

type Json = Record<string, unknown>;

function cpuStats(s: StatsSample | null): Json {
  const cpu = s?.cgroup.cpu;
  return {
    cpu_usage: {
      total_usage: cpu?.totalUsage ?? 0,
      ...(cpu?.perCpuUsage?.length ? { percpu_usage: cpu.perCpuUsage } : {}),
      usage_in_kernelmode: cpu?.systemUsage ?? 0,
      usage_in_usermode: cpu?.userUsage ?? 0,
    },
    ...(s ? { system_cpu_usage: s.systemCpuUsage, online_cpus: s.onlineCpus } : {}),
    throttling_data: {
      periods: cpu?.throttling.periods ?? 0,
      throttled_periods: cpu?.throttling.throttledPeriods ?? 0,
      throttled_time: cpu?.throttling.throttledTime ?? 0,
    },
  };
}

function memoryStats(c: CgroupStats, machineMemory: number): Json {
  const m = c.memory;
  // Unlimited (or above the machine) shows the machine's memory, as Docker does.
  const limit = m.limit === undefined || m.limit > machineMemory ? machineMemory : m.limit;
  if (c.version === 'v2') return { usage: m.usage, stats: m.stat, limit };
  return { usage: m.usage, max_usage: m.maxUsage ?? 0, stats: m.stat, failcnt: m.failcnt ?? 0, limit };
}

const entries = (list: BlkioEntry[]): Json[] | null =>
  (list.length ? list.map((e) => ({ major: e.major, minor: e.minor, op: e.op, value: e.value })) : null);

function blkioStats(c: CgroupStats | null): Json {
  return {
    io_service_bytes_recursive: c ? entries(c.blkio.ioServiceBytes) : null,
    io_serviced_recursive: c && c.version === 'v1' ? entries(c.blkio.ioServiced) : null,
    io_queue_recursive: null,
    io_service_time_recursive: null,
    io_wait_time_recursive: null,
    io_merged_recursive: null,
    io_time_recursive: null,
    sectors_recursive: null,
  };
}

export interface StatsIdentity {
  /** "/name" */
  name: string;
  id: string;
}

/** The stats of a running container: `cur` with `prev` as precpu (null for the first reading). */
export function dockerStats(cur: StatsSample, prev: StatsSample | null, who: StatsIdentity, machineMemory = os.totalmem()): Json {
  const c = cur.cgroup;
  return {
    read: cur.read,
    preread: prev?.read ?? ZERO_TIME,
    pids_stats: { current: c.pids.current, ...(c.pids.limit !== undefined ? { limit: c.pids.limit } : {}) },
    blkio_stats: blkioStats(c),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(cur),
    precpu_stats: cpuStats(prev),
    memory_stats: memoryStats(c, machineMemory),
    name: who.name,
    id: who.id,
  };
}

/** What Docker sends for a container that is not running: zeros with the name and ID. */
export function emptyStats(who: StatsIdentity): Json {
  return {
    read: ZERO_TIME, preread: ZERO_TIME, pids_stats: {}, blkio_stats: blkioStats(null), num_procs: 0, storage_stats: {},
    cpu_stats: cpuStats(null), precpu_stats: cpuStats(null), memory_stats: {}, name: who.name, id: who.id,
  };
}
