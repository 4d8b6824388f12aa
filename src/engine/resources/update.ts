// `docker update`: Docker's rules for merging new limits into a container's HostConfig
// (container.UpdateContainer) and the OCI resources that apply them to a live cgroup.
import type { LinuxResources } from '../../runtime/spec/types.js';
import { validateResources } from '../containers/config.js';
import type { HostConfig } from '../docker-types.js';
import { InvalidParameterError } from '../errors.js';
import { cpuResources } from '../oci-spec.js';

/** POST /containers/{id}/update body (Resources + RestartPolicy). */
export interface UpdateBody {
  Memory?: number;
  MemorySwap?: number;
  MemoryReservation?: number;
  KernelMemory?: number;
  CpuShares?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  NanoCpus?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  PidsLimit?: number | null;
  BlkioWeight?: number;
  RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
}

const NUMERIC = ['Memory', 'MemorySwap', 'MemoryReservation', 'KernelMemory', 'CpuShares', 'CpuPeriod', 'CpuQuota', 'NanoCpus', 'BlkioWeight'] as const;

class UpdateConflict extends InvalidParameterError {}

/** Checks the request alone (types, ranges), like Docker's verifyContainerSettings for update. */
export function validateUpdate(u: UpdateBody): void {
  for (const k of NUMERIC) {
    const v = u[k];
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v))) throw new InvalidParameterError(`${k} must be an integer`);
  }
  if (u.PidsLimit != null && (typeof u.PidsLimit !== 'number' || !Number.isInteger(u.PidsLimit))) throw new InvalidParameterError('PidsLimit must be an integer');
  if (u.BlkioWeight && (u.BlkioWeight < 10 || u.BlkioWeight > 1000)) throw new InvalidParameterError('Range of blkio weight is from 10 to 1000');
  if (u.CpuShares && u.CpuShares < 0) throw new InvalidParameterError('CpuShares cannot be negative');
  // Swap alone is allowed on update (it combines with the current memory limit).
  validateResources({ ...u, MemorySwap: u.Memory ? u.MemorySwap : undefined } as HostConfig);
}

/** Docker stores MemorySwap as twice Memory when only Memory was given at create. */
function effectiveSwap(h: HostConfig): number {
  if (h.MemorySwap) return h.MemorySwap;
  return h.Memory && h.Memory > 0 ? h.Memory * 2 : 0;
}

/** The HostConfig after the update (a copy); throws Docker's conflict messages. */
export function mergeUpdate(current: HostConfig, u: UpdateBody): HostConfig {
  const h: HostConfig = { ...current };
  if (u.NanoCpus && u.NanoCpus > 0 && (h.CpuPeriod ?? 0) > 0) throw new UpdateConflict('Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set');
  if (u.NanoCpus && u.NanoCpus > 0 && (h.CpuQuota ?? 0) > 0) throw new UpdateConflict('Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set');
  if (u.CpuPeriod && u.CpuPeriod > 0 && (h.NanoCpus ?? 0) > 0) throw new UpdateConflict('Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set');
  if (u.CpuQuota && u.CpuQuota > 0 && (h.NanoCpus ?? 0) > 0) throw new UpdateConflict('Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');
  if (u.BlkioWeight) h.BlkioWeight = u.BlkioWeight;
  if (u.CpuShares) h.CpuShares = u.CpuShares;
  if (u.NanoCpus) h.NanoCpus = u.NanoCpus;
  if (u.CpuPeriod) h.CpuPeriod = u.CpuPeriod;
  if (u.CpuQuota) h.CpuQuota = u.CpuQuota;
  if (u.CpusetCpus) h.CpusetCpus = u.CpusetCpus;
  if (u.CpusetMems) h.CpusetMems = u.CpusetMems;
  if (u.Memory) {
    if (u.Memory > effectiveSwap(current) && !u.MemorySwap) {
      throw new UpdateConflict('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
    }
    if (!h.MemorySwap && current.Memory) h.MemorySwap = effectiveSwap(current);
    h.Memory = u.Memory;
  }
  if (u.MemorySwap) h.MemorySwap = u.MemorySwap;
  if (u.MemoryReservation) h.MemoryReservation = u.MemoryReservation;
  if (u.PidsLimit != null) h.PidsLimit = u.PidsLimit;
  if (u.RestartPolicy?.Name) {
    if (current.AutoRemove && u.RestartPolicy.Name !== 'no') {
      throw new UpdateConflict('Restart policy cannot be updated because AutoRemove is enabled for the container');
    }
    h.RestartPolicy = { Name: u.RestartPolicy.Name, MaximumRetryCount: u.RestartPolicy.MaximumRetryCount ?? 0 };
  }
  if (h.Memory && h.MemorySwap && h.MemorySwap > 0 && h.MemorySwap < h.Memory) {
    throw new UpdateConflict('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  return h;
}

/** Only what the request sets, as OCI resources for the live cgroup (Docker's toContainerdResources). */
export function liveResources(u: UpdateBody): LinuxResources {
  const r: LinuxResources = {};
  const mem: NonNullable<LinuxResources['memory']> = {};
  if (u.Memory) mem.limit = u.Memory;
  if (u.MemorySwap) mem.swap = u.MemorySwap;
  if (u.MemoryReservation) mem.reservation = u.MemoryReservation;
  if (Object.keys(mem).length) r.memory = mem;
  const cpu = cpuResources(u);
  if (cpu) r.cpu = cpu;
  // 0 and -1 both mean unlimited.
  if (u.PidsLimit != null) r.pids = { limit: u.PidsLimit > 0 ? u.PidsLimit : -1 };
  if (u.BlkioWeight) r.blockIO = { weight: u.BlkioWeight };
  return r;
}
