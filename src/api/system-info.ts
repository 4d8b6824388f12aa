// Docker-shaped answers for GET /version and GET /info.
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ApiEngine } from './engine.js';
import { hostInfo } from './host-info.js';
import { MAX_API_VERSION, MIN_API_VERSION, versionAtLeast } from './version.js';

const BUILD_TIME = (() => {
  try { return fs.statSync(fileURLToPath(import.meta.url)).mtime.toISOString(); } catch { return ''; }
})();
const RUNTIME_VERSION = `node${process.versions.node}`;

export function versionResponse(engine: ApiEngine): Record<string, unknown> {
  const h = hostInfo();
  const s = engine.settings;
  return {
    Platform: { Name: 'Wharf Engine' },
    Components: [{
      Name: 'Engine',
      Version: s.version,
      Details: {
        ApiVersion: MAX_API_VERSION, Arch: h.goArch, BuildTime: BUILD_TIME, Experimental: String(s.experimental),
        GitCommit: '', GoVersion: RUNTIME_VERSION, KernelVersion: h.kernelVersion, MinAPIVersion: MIN_API_VERSION, Os: 'linux',
      },
    }],
    Version: s.version,
    ApiVersion: MAX_API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: '',
    GoVersion: RUNTIME_VERSION,
    Os: 'linux',
    Arch: h.goArch,
    KernelVersion: h.kernelVersion,
    ...(s.experimental ? { Experimental: true } : {}),
    BuildTime: BUILD_TIME,
  };
}

function countOpenFds(): number {
  try { return fs.readdirSync('/proc/self/fd').length; } catch { return 0; }
}

function proxyEnv(name: string): string {
  const v = process.env[name] ?? process.env[name.toLowerCase()] ?? '';
  return v.replace(/\/\/[^/@]*@/, '//xxxxx:xxxxx@'); // never leak proxy credentials
}

export async function infoResponse(engine: ApiEngine, apiVersion: string): Promise<Record<string, unknown>> {
  const h = hostInfo();
  const s = engine.settings;
  const cb = engine.info ?? {};
  const counts = (await cb.containers?.()) ?? { total: 0, running: 0, paused: 0, stopped: 0 };
  const images = (await cb.images?.()) ?? 0;
  const storage = cb.storageDriver?.() ?? { name: '', status: [] };
  const plugins = cb.plugins?.() ?? { Volume: [], Network: [], Log: [] };
  const security = [
    ...(h.seccomp ? ['name=seccomp,profile=builtin'] : []),
    ...(h.cgroup.version === '2' ? ['name=cgroupns'] : []),
  ];
  const warnings = [...(cb.warnings?.() ?? [])];
  if (!h.cgroup.swapLimit) warnings.push('WARNING: No swap limit support');
  // Docker dropped Commit.Expected in API 1.49.
  const commit = versionAtLeast(apiVersion, '1.49') ? { ID: '' } : { ID: '', Expected: '' };
  return {
    ID: s.id,
    Containers: counts.total,
    ContainersRunning: counts.running,
    ContainersPaused: counts.paused,
    ContainersStopped: counts.stopped,
    Images: images,
    Driver: storage.name,
    DriverStatus: storage.status,
    Plugins: { Volume: plugins.Volume, Network: plugins.Network, Authorization: null, Log: plugins.Log },
    MemoryLimit: h.cgroup.memoryLimit,
    SwapLimit: h.cgroup.swapLimit,
    KernelMemoryTCP: h.cgroup.kernelMemoryTCP,
    CpuCfsPeriod: h.cgroup.cpuCfsPeriod,
    CpuCfsQuota: h.cgroup.cpuCfsQuota,
    CPUShares: h.cgroup.cpuShares,
    CPUSet: h.cgroup.cpuSet,
    PidsLimit: h.cgroup.pidsLimit,
    OomKillDisable: h.cgroup.oomKillDisable,
    IPv4Forwarding: readFlag('/proc/sys/net/ipv4/ip_forward'),
    Debug: s.debug,
    NFd: countOpenFds(),
    NGoroutines: process.getActiveResourcesInfo().length,
    SystemTime: new Date().toISOString(),
    LoggingDriver: s.loggingDriver,
    CgroupDriver: 'cgroupfs',
    CgroupVersion: h.cgroup.version,
    NEventsListener: engine.events.listenerCount,
    KernelVersion: h.kernelVersion,
    OperatingSystem: h.operatingSystem,
    OSVersion: h.osVersion,
    OSType: 'linux',
    Architecture: h.machine,
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: {
      InsecureRegistryCIDRs: ['::1/128', '127.0.0.0/8'],
      IndexConfigs: { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } },
      Mirrors: [],
    },
    NCPU: h.ncpu,
    MemTotal: h.memTotal,
    GenericResources: null,
    DockerRootDir: s.dataRoot,
    HttpProxy: proxyEnv('HTTP_PROXY'),
    HttpsProxy: proxyEnv('HTTPS_PROXY'),
    NoProxy: proxyEnv('NO_PROXY'),
    Name: s.name,
    Labels: s.labels,
    ExperimentalBuild: s.experimental,
    ServerVersion: s.version,
    Runtimes: s.runtimes,
    DefaultRuntime: s.defaultRuntime,
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: false,
    Isolation: '',
    InitBinary: s.initBinary,
    ContainerdCommit: commit,
    RuncCommit: commit,
    InitCommit: commit,
    SecurityOptions: security,
    DefaultAddressPools: [],
    CDISpecDirs: [],
    Warnings: warnings,
  };
}

function readFlag(file: string): boolean {
  try { return fs.readFileSync(file, 'utf8').trim() === '1'; } catch { return false; }
}
