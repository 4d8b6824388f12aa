// Types shared by both cgroup drivers: the OCI `linux.resources` input, the stats output and the
// Cgroup interface the runtime and engine program against.

// The input is the OCI `linux.resources` object, typed once in the spec module.
import type { LinuxResources } from '../spec/types.js';
export type {
  LinuxResources, LinuxDeviceCgroup, LinuxBlockIODevice, LinuxWeightDevice, LinuxThrottleDevice,
} from '../spec/types.js';

export type CgroupVersion = 'v1' | 'v2';

/** One blkio/io counter, shaped like Docker's BlkioStatEntry. */
export interface BlkioEntry { major: number; minor: number; op: string; value: number }

/**
 * Raw numbers in the units Docker's stats JSON uses (bytes, nanoseconds). Fields a cgroup
 * version does not provide are undefined (e.g. per-cpu usage and max usage on v2).
 */
export interface CgroupStats {
  version: CgroupVersion;
  memory: {
    usage: number;
    maxUsage?: number;
    /** undefined when unlimited. */
    limit?: number;
    failcnt?: number;
    oomKills: number;
    /** v1: memory.oom_control under_oom; v2: undefined. */
    underOom?: boolean;
    swapUsage?: number;
    /** memory.stat as a key -> value map. */
    stat: Record<string, number>;
  };
  cpu: {
    /** Nanoseconds. */
    totalUsage: number;
    perCpuUsage?: number[];
    userUsage: number;
    systemUsage: number;
    throttling: { periods: number; throttledPeriods: number; throttledTime: number };
  };
  pids: { current: number; limit?: number };
  blkio: {
    /** Docker: io_service_bytes_recursive. */
    ioServiceBytes: BlkioEntry[];
    /** Docker: io_serviced_recursive. */
    ioServiced: BlkioEntry[];
  };
}

/** Loads a BPF_PROG_TYPE_CGROUP_DEVICE program (raw struct bpf_insn array) on a cgroup v2 dir. */
export type DeviceProgramLoader = (cgroupDir: string, insns: Uint8Array) => void;

export interface CgroupOptions {
  /** Mount root of the cgroup filesystems; default /sys/fs/cgroup. Tests point this at a fake tree. */
  root?: string;
  /** Force a driver instead of detecting it from `root`. */
  version?: CgroupVersion;
  /** Needed on cgroup v2 when resources.devices is given. */
  deviceLoader?: DeviceProgramLoader;
}

export interface Cgroup {
  readonly version: CgroupVersion;
  /** Normalized path relative to each hierarchy root, e.g. "wharf/abc". */
  readonly path: string;
  /** Absolute directories this cgroup lives in (one per v1 hierarchy, or one on v2). */
  dirs(): string[];
  /** Create every directory and apply `resources`; on error removes what it created and throws. */
  create(resources?: LinuxResources): void;
  /** Move a process into the cgroup in every hierarchy. */
  join(pid: number): void;
  /**
   * How a new, single-threaded init can enter the cgroup without being moved by pid: `selfTasks`
   * are v1 `tasks` files it writes "0" to itself, `cloneInto` the cgroup2 directory to create it
   * in (clone3 CLONE_INTO_CGROUP). Moving another process through cgroup.procs takes the kernel's
   * global threadgroup lock and waits for an RCU grace period (10-30 ms on a busy host); these
   * two ways do not.
   */
  birthJoin(): { selfTasks: string[]; cloneInto?: string };
  /** Change limits of a live cgroup. */
  update(resources: LinuxResources): void;
  freeze(): void;
  thaw(): void;
  state(): 'frozen' | 'thawed';
  /** Process ids in the cgroup and its descendants. */
  pids(): number[];
  stats(): CgroupStats;
  oomKillCount(): number;
  /** Signal every process (frozen first so none can fork away). */
  killAll(signal?: NodeJS.Signals | number): void;
  /**
   * Kill remaining processes and remove every directory (and empty parents we own, unless
   * keepParents: a daemon keeps its parent cgroup between containers). Idempotent.
   */
  destroy(opts?: { keepParents?: boolean }): void;
  /** Remove this cgroup's directories and then its parents', as far as they are empty. */
  pruneEmpty(): void;
  exists(): boolean;
}

export interface CgroupInfo {
  version: CgroupVersion;
  driver: 'cgroupfs';
  /** Controllers wharf can use (v1: mounted hierarchies; v2: root cgroup.controllers). */
  controllers: string[];
  /** v1 only: a cgroup2 mount exists beside the v1 hierarchies. */
  hybrid: boolean;
  /** Feature flags as `docker info` reports them. */
  features: {
    memoryLimit: boolean;
    swapLimit: boolean;
    oomKillDisable: boolean;
    cpuCfsQuota: boolean;
    cpuCfsPeriod: boolean;
    cpuShares: boolean;
    cpuSet: boolean;
    pidsLimit: boolean;
    blkioWeight: boolean;
    blkioDeviceThrottle: boolean;
    freezer: boolean;
  };
}
