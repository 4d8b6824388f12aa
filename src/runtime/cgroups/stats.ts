// Reads cgroup statistics (v1 and v2) into one CgroupStats shape, in the units Docker's stats
// JSON uses: bytes and nanoseconds.
import * as path from 'node:path';
import type { BlkioEntry, CgroupStats } from './types.js';
import { parseFlatKeyed, parseNumberList, readNumber, tryRead } from './fsutil.js';

/** v1 "unlimited" is PAGE_COUNTER_MAX pages (~2^63); anything this large means no limit. */
const UNLIMITED = 2 ** 60;
const limitOrUndefined = (n: number | undefined) => (n === undefined || n >= UNLIMITED ? undefined : n);
/** USER_HZ is 100 on every Linux architecture wharf supports. */
const NS_PER_TICK = 1e7;

export interface V1StatDirs { memory?: string; cpu?: string; cpuacct?: string; pids?: string; blkio?: string }

/** "8:0 Read 123" lines (blkio.throttle.*); the trailing "Total N" line is dropped. */
export function parseBlkioV1(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+)\s+(\S+)\s+(\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: Number(m[4]) });
  }
  return out;
}

/** io.stat "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..." -> bytes and ops entries (ops "read"/"write" as Docker on v2). */
export function parseIoStatV2(text: string | undefined): { bytes: BlkioEntry[]; ops: BlkioEntry[] } {
  const bytes: BlkioEntry[] = [];
  const ops: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [dev, ...kvs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const major = Number(m[1]);
    const minor = Number(m[2]);
    const kv = Object.fromEntries(kvs.map((s) => s.split('=') as [string, string]));
    const add = (list: BlkioEntry[], key: string, op: string) => {
      if (kv[key] !== undefined) list.push({ major, minor, op, value: Number(kv[key]) });
    };
    add(bytes, 'rbytes', 'read');
    add(bytes, 'wbytes', 'write');
    add(ops, 'rios', 'read');
    add(ops, 'wios', 'write');
  }
  return { bytes, ops };
}

export function oomKillsV1(memoryDir: string | undefined): number {
  if (!memoryDir) return 0;
  const ctl = parseFlatKeyed(tryRead(path.join(memoryDir, 'memory.oom_control')));
  return ctl.oom_kill ?? 0;
}

export function oomKillsV2(dir: string): number {
  return parseFlatKeyed(tryRead(path.join(dir, 'memory.events'))).oom_kill ?? 0;
}

export function statsV1(d: V1StatDirs): CgroupStats {
  const f = (dir: string | undefined, file: string) => (dir ? path.join(dir, file) : '/nonexistent');
  const ctl = parseFlatKeyed(tryRead(f(d.memory, 'memory.oom_control')));
  const usage = readNumber(f(d.memory, 'memory.usage_in_bytes')) ?? 0;
  const memsw = readNumber(f(d.memory, 'memory.memsw.usage_in_bytes'));
  const acct = parseFlatKeyed(tryRead(f(d.cpuacct, 'cpuacct.stat')));
  const cpuStat = parseFlatKeyed(tryRead(f(d.cpu, 'cpu.stat')));
  return {
    version: 'v1',
    memory: {
      usage,
      maxUsage: readNumber(f(d.memory, 'memory.max_usage_in_bytes')),
      limit: limitOrUndefined(readNumber(f(d.memory, 'memory.limit_in_bytes'))),
      failcnt: readNumber(f(d.memory, 'memory.failcnt')),
      oomKills: ctl.oom_kill ?? 0,
      underOom: ctl.under_oom === 1,
      swapUsage: memsw === undefined ? undefined : Math.max(0, memsw - usage),
      stat: parseFlatKeyed(tryRead(f(d.memory, 'memory.stat'))),
    },
    cpu: {
      totalUsage: readNumber(f(d.cpuacct, 'cpuacct.usage')) ?? 0,
      perCpuUsage: parseNumberList(tryRead(f(d.cpuacct, 'cpuacct.usage_percpu'))),
      // Prefer the nanosecond files; cpuacct.stat is in USER_HZ ticks.
      userUsage: readNumber(f(d.cpuacct, 'cpuacct.usage_user')) ?? (acct.user ?? 0) * NS_PER_TICK,
      systemUsage: readNumber(f(d.cpuacct, 'cpuacct.usage_sys')) ?? (acct.system ?? 0) * NS_PER_TICK,
      throttling: {
        periods: cpuStat.nr_periods ?? 0,
        throttledPeriods: cpuStat.nr_throttled ?? 0,
        throttledTime: cpuStat.throttled_time ?? 0,
      },
    },
    pids: { current: readNumber(f(d.pids, 'pids.current')) ?? 0, limit: readNumber(f(d.pids, 'pids.max')) },
    blkio: {
      ioServiceBytes: parseBlkioV1(tryRead(f(d.blkio, 'blkio.throttle.io_service_bytes_recursive'))),
      ioServiced: parseBlkioV1(tryRead(f(d.blkio, 'blkio.throttle.io_serviced_recursive'))),
    },
  };
}

export function statsV2(dir: string): CgroupStats {
  const f = (file: string) => path.join(dir, file);
  const events = parseFlatKeyed(tryRead(f('memory.events')));
  const cpuStat = parseFlatKeyed(tryRead(f('cpu.stat')));
  const io = parseIoStatV2(tryRead(f('io.stat')));
  return {
    version: 'v2',
    memory: {
      usage: readNumber(f('memory.current')) ?? 0,
      // memory.peak exists from Linux 5.19.
      maxUsage: readNumber(f('memory.peak')),
      limit: readNumber(f('memory.max')),
      // v2 has no failcnt; "max" counts the times usage hit the limit, the closest equivalent.
      failcnt: events.max,
      oomKills: events.oom_kill ?? 0,
      swapUsage: readNumber(f('memory.swap.current')),
      stat: parseFlatKeyed(tryRead(f('memory.stat'))),
    },
    cpu: {
      totalUsage: (cpuStat.usage_usec ?? 0) * 1000,
      userUsage: (cpuStat.user_usec ?? 0) * 1000,
      systemUsage: (cpuStat.system_usec ?? 0) * 1000,
      throttling: {
        periods: cpuStat.nr_periods ?? 0,
        throttledPeriods: cpuStat.nr_throttled ?? 0,
        throttledTime: (cpuStat.throttled_usec ?? 0) * 1000,
      },
    },
    pids: { current: readNumber(f('pids.current')) ?? 0, limit: readNumber(f('pids.max')) },
    blkio: { ioServiceBytes: io.bytes, ioServiced: io.ops },
  };
}
