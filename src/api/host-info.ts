// Facts about the host for /version and /info, read once at startup (they do not change).
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface CgroupFeatures {
  version: '1' | '2';
  memoryLimit: boolean;
  swapLimit: boolean;
  kernelMemoryTCP: boolean;
  cpuCfsPeriod: boolean;
  cpuCfsQuota: boolean;
  cpuShares: boolean;
  cpuSet: boolean;
  pidsLimit: boolean;
  oomKillDisable: boolean;
}

export interface HostInfo {
  kernelVersion: string;
  operatingSystem: string;
  osVersion: string;
  /** uname -m, e.g. x86_64 (Info.Architecture). */
  machine: string;
  /** Go-style architecture, e.g. amd64 (Version.Arch). */
  goArch: string;
  ncpu: number;
  memTotal: number;
  hostname: string;
  cgroup: CgroupFeatures;
  seccomp: boolean;
}

const CGROUP2_SUPER_MAGIC = 0x63677270;
const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

const exists = (p: string): boolean => fs.existsSync(p);

function readOsRelease(): { pretty: string; version: string } {
  for (const file of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      const text = fs.readFileSync(file, 'utf8');
      const get = (k: string): string => text.match(new RegExp(`^${k}=(.*)$`, 'm'))?.[1]?.replace(/^"|"$/g, '') ?? '';
      return { pretty: get('PRETTY_NAME') || 'Linux', version: get('VERSION_ID') };
    } catch { /* try the next one */ }
  }
  return { pretty: 'Linux', version: '' };
}

/** Which resource limits the host's cgroups can enforce (Docker reports these in /info). */
export function detectCgroupFeatures(root = '/sys/fs/cgroup'): CgroupFeatures {
  let v2 = false;
  try { v2 = Number(fs.statfsSync(root).type) === CGROUP2_SUPER_MAGIC; } catch { /* no cgroupfs: v1 flags all false */ }
  if (v2) {
    let controllers = '';
    try { controllers = fs.readFileSync(`${root}/cgroup.controllers`, 'utf8'); } catch { /* none */ }
    const has = (c: string): boolean => controllers.split(/\s+/).includes(c);
    return {
      version: '2', memoryLimit: has('memory'), swapLimit: has('memory') && v2SwapFileExists(root),
      kernelMemoryTCP: false, cpuCfsPeriod: has('cpu'), cpuCfsQuota: has('cpu'), cpuShares: has('cpu'),
      cpuSet: has('cpuset'), pidsLimit: has('pids'), oomKillDisable: false,
    };
  }
  const mem = `${root}/memory`;
  return {
    version: '1',
    memoryLimit: exists(`${mem}/memory.limit_in_bytes`),
    swapLimit: exists(`${mem}/memory.memsw.limit_in_bytes`),
    kernelMemoryTCP: exists(`${mem}/memory.kmem.tcp.limit_in_bytes`),
    cpuCfsPeriod: exists(`${root}/cpu/cpu.cfs_period_us`),
    cpuCfsQuota: exists(`${root}/cpu/cpu.cfs_quota_us`),
    cpuShares: exists(`${root}/cpu/cpu.shares`),
    cpuSet: exists(`${root}/cpuset/cpuset.cpus`),
    pidsLimit: exists(`${root}/pids`),
    oomKillDisable: exists(`${mem}/memory.oom_control`),
  };
}

/** Swap accounting is off unless memory.swap.max exists in our own (non-root) cgroup. */
function v2SwapFileExists(root: string): boolean {
  try {
    const own = fs.readFileSync('/proc/self/cgroup', 'utf8').match(/^0::(.*)$/m)?.[1] ?? '/';
    return exists(`${root}${own === '/' ? '/init.scope' : own}/memory.swap.max`);
  } catch {
    return false;
  }
}

function seccompSupported(): boolean {
  try { return /^Seccomp:/m.test(fs.readFileSync('/proc/self/status', 'utf8')); } catch { return false; }
}

let cached: HostInfo | undefined;

export function hostInfo(): HostInfo {
  if (cached) return cached;
  const rel = readOsRelease();
  cached = {
    kernelVersion: os.release(),
    operatingSystem: rel.pretty,
    osVersion: rel.version,
    machine: os.machine(),
    goArch: GO_ARCH[process.arch] ?? process.arch,
    ncpu: os.availableParallelism(),
    memTotal: os.totalmem(),
    hostname: os.hostname(),
    cgroup: detectCgroupFeatures(),
    seccomp: seccompSupported(),
  };
  return cached;
}
