// Which cgroup layout the host has, and where each controller lives.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CgroupInfo, CgroupVersion } from './types.js';
import { tryRead } from './fsutil.js';

export const DEFAULT_ROOT = '/sys/fs/cgroup';

/** The v1 controllers wharf manages, in the order they are created. */
export const V1_CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'blkio', 'pids', 'devices', 'freezer'] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

/** A pure v2 host has cgroup.controllers at the mount root; v1 and hybrid hosts have a tmpfs. */
export function detectCgroupVersion(root: string = DEFAULT_ROOT): CgroupVersion {
  return fs.existsSync(path.join(root, 'cgroup.controllers')) ? 'v2' : 'v1';
}

export interface V1Layout {
  /** controller -> hierarchy root dir (co-mounted controllers share one dir). */
  hierarchies: Map<V1Controller, string>;
  /** The hybrid cgroup2 mount (root/unified), when present. */
  unified?: string;
}

/**
 * v1 hierarchy roots: `<root>/<controller>` for each controller whose directory is a cgroup
 * hierarchy. Symlinked co-mounts (cpu -> cpu,cpuacct) resolve to one real dir.
 */
export function v1Layout(root: string = DEFAULT_ROOT): V1Layout {
  const hierarchies = new Map<V1Controller, string>();
  for (const c of V1_CONTROLLERS) {
    const dir = path.join(root, c);
    if (!fs.existsSync(path.join(dir, 'cgroup.procs'))) continue;
    hierarchies.set(c, fs.realpathSync(dir));
  }
  const unifiedDir = path.join(root, 'unified');
  const unified = fs.existsSync(path.join(unifiedDir, 'cgroup.controllers')) ? unifiedDir : undefined;
  return { hierarchies, unified };
}

/** Controllers of a v2 root (cgroup.controllers). */
export function v2Controllers(root: string = DEFAULT_ROOT): string[] {
  return (tryRead(path.join(root, 'cgroup.controllers')) ?? '').trim().split(/\s+/).filter(Boolean);
}

function has(dir: string | undefined, file: string): boolean {
  return dir !== undefined && fs.existsSync(path.join(dir, file));
}

/** What `docker info` reports about cgroups. */
export function cgroupInfo(root: string = DEFAULT_ROOT): CgroupInfo {
  if (detectCgroupVersion(root) === 'v2') {
    const ctrls = v2Controllers(root);
    const on = (c: string) => ctrls.includes(c);
    return {
      version: 'v2', driver: 'cgroupfs', controllers: ctrls, hybrid: false,
      features: {
        memoryLimit: on('memory'), swapLimit: on('memory'), oomKillDisable: false,
        cpuCfsQuota: on('cpu'), cpuCfsPeriod: on('cpu'), cpuShares: on('cpu'), cpuSet: on('cpuset'),
        pidsLimit: on('pids'), blkioWeight: on('io'), blkioDeviceThrottle: on('io'),
        freezer: has(root, 'cgroup.stat'),
      },
    };
  }
  const { hierarchies, unified } = v1Layout(root);
  const dir = (c: V1Controller) => hierarchies.get(c);
  const blkio = dir('blkio');
  return {
    version: 'v1', driver: 'cgroupfs', controllers: [...hierarchies.keys()], hybrid: unified !== undefined,
    features: {
      memoryLimit: has(dir('memory'), 'memory.limit_in_bytes'),
      swapLimit: has(dir('memory'), 'memory.memsw.limit_in_bytes'),
      oomKillDisable: has(dir('memory'), 'memory.oom_control'),
      cpuCfsQuota: has(dir('cpu'), 'cpu.cfs_quota_us'),
      cpuCfsPeriod: has(dir('cpu'), 'cpu.cfs_period_us'),
      cpuShares: has(dir('cpu'), 'cpu.shares'),
      cpuSet: has(dir('cpuset'), 'cpuset.cpus'),
      pidsLimit: dir('pids') !== undefined,
      // The root cgroup has no weight files; BFQ kernels expose blkio.bfq.* stats there.
      blkioWeight: has(blkio, 'blkio.weight') || has(blkio, 'blkio.bfq.io_service_bytes'),
      blkioDeviceThrottle: has(blkio, 'blkio.throttle.write_bps_device'),
      freezer: dir('freezer') !== undefined,
    },
  };
}
