// `docker stats` rows: the figures docker derives from a stats sample (CPU % from the sample and
// its precpu, memory without the inactive file cache, summed network and block I/O).
import { FormatRow } from './formatter.js';
import { goFixed } from './template-values.js';
import { bytesSize, humanSizeWithPrecision, truncateID } from './units.js';

export interface StatsSample {
  id?: string;
  name?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
  pids_stats?: { current?: number };
}

export interface StatsFigures {
  container: string;
  id: string;
  name: string;
  cpuPercent: number;
  memory: number;
  memoryLimit: number;
  memoryPercent: number;
  netRx: number;
  netTx: number;
  blockRead: number;
  blockWrite: number;
  pids: number;
  invalid: boolean;
}

export function cpuPercent(s: StatsSample): number {
  const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  let online = s.cpu_stats?.online_cpus ?? 0;
  if (!online) online = s.cpu_stats?.cpu_usage?.percpu_usage?.length ?? 0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
}

/** Memory in use without the page cache that can be dropped (cgroup v1 then v2 field). */
export function memoryUsage(s: StatsSample): number {
  const usage = s.memory_stats?.usage ?? 0;
  const stats = s.memory_stats?.stats ?? {};
  const v1 = stats.total_inactive_file;
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = stats.inactive_file ?? 0;
  if (v2 < usage) return usage - v2;
  return usage;
}

export function statsFigures(container: string, s: StatsSample): StatsFigures {
  const memory = memoryUsage(s);
  const limit = s.memory_stats?.limit ?? 0;
  let netRx = 0;
  let netTx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    netRx += n.rx_bytes ?? 0;
    netTx += n.tx_bytes ?? 0;
  }
  let blockRead = 0;
  let blockWrite = 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = e.op.toLowerCase();
    if (op === 'read') blockRead += e.value;
    else if (op === 'write') blockWrite += e.value;
  }
  return {
    container, id: s.id ?? '', name: s.name ?? '', cpuPercent: cpuPercent(s), memory, memoryLimit: limit,
    memoryPercent: limit ? (memory / limit) * 100 : 0, netRx, netTx, blockRead, blockWrite,
    pids: s.pids_stats?.current ?? 0, invalid: false,
  };
}

export function invalidFigures(container: string): StatsFigures {
  return { container, id: '', name: '', cpuPercent: 0, memory: 0, memoryLimit: 0, memoryPercent: 0, netRx: 0, netTx: 0, blockRead: 0, blockWrite: 0, pids: 0, invalid: true };
}

export const STATS_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
export const STATS_HEADER = {
  Container: 'CONTAINER', ID: 'CONTAINER ID', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS',
};

export class StatsRow extends FormatRow {
  readonly typeName = 'statsContext';

  constructor(private readonly s: StatsFigures, private readonly trunc: boolean) {
    super();
  }

  protected fieldNames(): string[] { return ['BlockIO', 'CPUPerc', 'Container', 'ID', 'MemPerc', 'MemUsage', 'Name', 'NetIO', 'PIDs']; }

  Container(): string { return this.s.container; }
  Name(): string { return this.s.name.length > 1 ? this.s.name.slice(1) : '--'; }
  ID(): string { return this.trunc ? truncateID(this.s.id) : this.s.id; }
  CPUPerc(): string { return this.s.invalid ? '--' : `${goFixed(this.s.cpuPercent, 2)}%`; }
  MemUsage(): string { return this.s.invalid ? '-- / --' : `${bytesSize(this.s.memory)} / ${bytesSize(this.s.memoryLimit)}`; }
  MemPerc(): string { return this.s.invalid ? '--' : `${goFixed(this.s.memoryPercent, 2)}%`; }
  NetIO(): string { return this.s.invalid ? '--' : `${humanSizeWithPrecision(this.s.netRx, 3)} / ${humanSizeWithPrecision(this.s.netTx, 3)}`; }
  BlockIO(): string { return this.s.invalid ? '--' : `${humanSizeWithPrecision(this.s.blockRead, 3)} / ${humanSizeWithPrecision(this.s.blockWrite, 3)}`; }
  PIDs(): string { return this.s.invalid ? '--' : String(this.s.pids); }
}
