// The parsed run/create flags -> the Engine API create request (Config + HostConfig +
// NetworkingConfig, name and platform in the query), as docker/cli's parse() builds it.
import { OptionError } from './flags.js';
import { parseTmpfs, splitVolumes, type Mount } from './mounts.js';
import { parseExpose, parsePublish } from './ports.js';
import {
  kvMap, normalizeCaps, parseDevice, parseKeyValueFile, parseRestartPolicy, parseSecurityOpt, validateMac,
  type DeviceMapping, type ThrottleDevice, type Ulimit, type WeightDevice,
} from './values.js';

/** commander's view of the flags (attribute names are camelCased long names). */
export interface RunOptions {
  attach?: string[]; addHost?: string[]; blkioWeight?: number; blkioWeightDevice?: WeightDevice[];
  capAdd?: string[]; capDrop?: string[]; cgroupParent?: string; cgroupns?: string; cidfile?: string;
  cpuPeriod?: number; cpuQuota?: number; cpuRtPeriod?: number; cpuRtRuntime?: number; cpuShares?: number;
  cpus?: number; cpusetCpus?: string; cpusetMems?: string; device?: string[]; deviceCgroupRule?: string[];
  deviceReadBps?: ThrottleDevice[]; deviceReadIops?: ThrottleDevice[]; deviceWriteBps?: ThrottleDevice[];
  deviceWriteIops?: ThrottleDevice[]; dns?: string[]; dnsOption?: string[]; dnsSearch?: string[];
  domainname?: string; entrypoint?: string; env?: string[]; envFile?: string[]; expose?: string[];
  groupAdd?: string[]; healthCmd?: string; healthInterval?: number; healthRetries?: number;
  healthStartPeriod?: number; healthStartInterval?: number; healthTimeout?: number; hostname?: string;
  init?: boolean; interactive?: boolean; ip?: string; ip6?: string; ipc?: string; isolation?: string;
  kernelMemory?: number; label?: string[]; labelFile?: string[]; link?: string[]; logDriver?: string;
  logOpt?: string[]; macAddress?: string; memory?: number; memoryReservation?: number; memorySwap?: number;
  memorySwappiness?: number; mount?: Mount[]; name?: string; network?: string[]; networkAlias?: string[];
  healthcheck?: boolean; oomKillDisable?: boolean; oomScoreAdj?: number; pid?: string; pidsLimit?: number;
  platform?: string; privileged?: boolean; publish?: string[]; publishAll?: boolean; pull?: string;
  quiet?: boolean; readOnly?: boolean; restart?: string; rm?: boolean; runtime?: string;
  securityOpt?: string[]; shmSize?: number; stopSignal?: string; stopTimeout?: number; storageOpt?: string[];
  sysctl?: string[]; tmpfs?: string[]; tty?: boolean; ulimit?: Ulimit[]; user?: string; userns?: string;
  uts?: string; volume?: string[]; volumeDriver?: string; volumesFrom?: string[]; workdir?: string;
  detach?: boolean; detachKeys?: string; sigProxy?: boolean;
}

export interface CreateRequest {
  body: Record<string, unknown> & { HostConfig: Record<string, unknown> };
  query: { name?: string; platform?: string };
}

const BUILTIN_NETWORKS = new Set(['default', 'bridge', 'host', 'none']);
const userDefined = (n: string): boolean => !BUILTIN_NETWORKS.has(n) && !n.startsWith('container:');

/** Drops undefined entries. Empty lists stay where docker sends them ([] and null differ in inspect). */
function compact<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

function nonEmpty<T>(xs: T[] | undefined): T[] | undefined {
  return xs && xs.length ? xs : undefined;
}

function checkMode(value: string | undefined, flag: string, what: string, valid: (v: string) => boolean): void {
  if (value !== undefined && !valid(value)) throw new OptionError(`--${flag}: invalid ${what} mode`);
}

function healthConfig(o: RunOptions): Record<string, unknown> | undefined {
  const have = o.healthCmd !== undefined || !!o.healthInterval || !!o.healthTimeout || !!o.healthStartPeriod || !!o.healthRetries || !!o.healthStartInterval;
  if (o.healthcheck === false) {
    if (have) throw new OptionError('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!have) return undefined;
  const negative: Array<[number | undefined, string]> = [[o.healthInterval, 'interval'], [o.healthTimeout, 'timeout'], [o.healthRetries, 'retries'], [o.healthStartPeriod, 'start-period'], [o.healthStartInterval, 'start-interval']];
  for (const [v, name] of negative) if ((v ?? 0) < 0) throw new OptionError(`--health-${name} cannot be negative`);
  return compact({
    Test: o.healthCmd ? ['CMD-SHELL', o.healthCmd] : undefined,
    Interval: o.healthInterval || undefined,
    Timeout: o.healthTimeout || undefined,
    StartPeriod: o.healthStartPeriod || undefined,
    StartInterval: o.healthStartInterval || undefined,
    Retries: o.healthRetries || undefined,
  });
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw err instanceof OptionError ? err : new OptionError((err as Error).message);
  }
}

/** Builds the create request; `isRun` marks `docker run` (detach and stdin-once rules). */
export function buildCreateRequest(o: RunOptions, image: string, cmd: string[], isRun: boolean, consoleSize?: [number, number]): CreateRequest {
  return wrap(() => build(o, image, cmd, isRun, consoleSize));
}

function build(o: RunOptions, image: string, cmd: string[], isRun: boolean, consoleSize?: [number, number]): CreateRequest {
  const attach = new Set(o.attach ?? []);
  if (isRun && o.detach && attach.size) throw new OptionError('conflicting options: cannot specify both --attach and --detach');
  let attachStdin = attach.has('stdin') || !!o.interactive;
  let attachStdout = attach.size === 0 || attach.has('stdout');
  let attachStderr = attach.size === 0 || attach.has('stderr');
  if (isRun && o.detach) attachStdin = attachStdout = attachStderr = false;

  const { exposed, bindings } = parsePublish(o.publish ?? []);
  for (const e of o.expose ?? []) for (const p of parseExpose(e)) exposed[p] = {};

  const env = [...(o.envFile ?? []).flatMap((f) => parseKeyValueFile(f, (k) => process.env[k])), ...(o.env ?? [])];
  const labels = kvMap([...(o.labelFile ?? []).flatMap((f) => parseKeyValueFile(f)), ...(o.label ?? [])]);
  const { binds, volumes } = splitVolumes(o.volume ?? []);
  const restart = parseRestartPolicy(o.restart ?? 'no');
  if (o.rm && restart.Name !== 'no' && restart.Name !== '') throw new OptionError('conflicting options: cannot specify both --restart and --rm');
  const devices: DeviceMapping[] = (o.device ?? []).map(parseDevice);
  const securityOpt = nonEmpty((o.securityOpt ?? []).map(parseSecurityOpt));
  if (o.macAddress !== undefined) validateMac(o.macAddress);
  checkMode(o.pid, 'pid', 'PID', (v) => v === '' || v === 'host' || /^container:.+/.test(v));
  checkMode(o.uts, 'uts', 'UTS', (v) => v === '' || v === 'host');
  checkMode(o.userns, 'userns', 'USER', (v) => v === '' || v === 'host');
  checkMode(o.cgroupns, 'cgroupns', 'CGROUP', (v) => v === '' || v === 'host' || v === 'private');
  for (const s of o.storageOpt ?? []) if (!s.includes('=')) throw new OptionError('invalid storage option');

  const networks = o.network ?? [];
  if (networks.length > 1) throw new OptionError(`Container cannot be connected to network endpoints: ${networks.join(', ')}`);
  const networkMode = networks[0] ?? 'default';
  const aliases = nonEmpty(o.networkAlias);
  if (aliases && !userDefined(networkMode)) throw new OptionError('network-scoped aliases are only supported for user-defined networks');
  const endpoint = compact({
    Aliases: aliases,
    IPAMConfig: o.ip || o.ip6 ? compact({ IPv4Address: o.ip || undefined, IPv6Address: o.ip6 || undefined }) : undefined,
    Links: undefined,
  });

  let entrypoint: string[] | undefined;
  if (o.entrypoint !== undefined) entrypoint = [o.entrypoint];
  const tty = !!o.tty;
  const openStdin = !!o.interactive;

  const hostConfig = compact({
    Binds: nonEmpty(binds),
    ContainerIDFile: o.cidfile,
    LogConfig: o.logDriver || o.logOpt?.length ? { Type: o.logDriver ?? '', Config: kvMap(o.logOpt ?? []) } : undefined,
    NetworkMode: networkMode,
    PortBindings: bindings,
    RestartPolicy: restart,
    AutoRemove: o.rm || undefined,
    VolumeDriver: o.volumeDriver,
    VolumesFrom: nonEmpty(o.volumesFrom),
    ConsoleSize: tty && consoleSize ? consoleSize : undefined,
    CapAdd: normalizeCaps(o.capAdd ?? []) ?? undefined,
    CapDrop: normalizeCaps(o.capDrop ?? []) ?? undefined,
    CgroupnsMode: o.cgroupns,
    Dns: o.dns ?? [],
    DnsOptions: o.dnsOption ?? [],
    DnsSearch: o.dnsSearch ?? [],
    ExtraHosts: nonEmpty(o.addHost),
    GroupAdd: nonEmpty(o.groupAdd),
    IpcMode: o.ipc,
    Links: nonEmpty(o.link),
    OomScoreAdj: o.oomScoreAdj,
    PidMode: o.pid,
    Privileged: o.privileged || undefined,
    PublishAllPorts: o.publishAll || undefined,
    ReadonlyRootfs: o.readOnly || undefined,
    SecurityOpt: securityOpt,
    StorageOpt: o.storageOpt?.length ? kvMap(o.storageOpt) : undefined,
    Tmpfs: parseTmpfs(o.tmpfs ?? []),
    UTSMode: o.uts,
    UsernsMode: o.userns,
    ShmSize: o.shmSize,
    Sysctls: o.sysctl?.length ? kvMap(o.sysctl) : undefined,
    Runtime: o.runtime,
    Isolation: o.isolation,
    CpuShares: o.cpuShares,
    Memory: o.memory,
    NanoCpus: o.cpus,
    CgroupParent: o.cgroupParent,
    BlkioWeight: o.blkioWeight,
    BlkioWeightDevice: o.blkioWeightDevice ?? [],
    BlkioDeviceReadBps: o.deviceReadBps ?? [],
    BlkioDeviceWriteBps: o.deviceWriteBps ?? [],
    BlkioDeviceReadIOps: o.deviceReadIops ?? [],
    BlkioDeviceWriteIOps: o.deviceWriteIops ?? [],
    CpuPeriod: o.cpuPeriod,
    CpuQuota: o.cpuQuota,
    CpuRealtimePeriod: o.cpuRtPeriod,
    CpuRealtimeRuntime: o.cpuRtRuntime,
    CpusetCpus: o.cpusetCpus,
    CpusetMems: o.cpusetMems,
    Devices: devices,
    DeviceCgroupRules: nonEmpty(o.deviceCgroupRule),
    KernelMemory: o.kernelMemory,
    MemoryReservation: o.memoryReservation,
    MemorySwap: o.memorySwap,
    MemorySwappiness: o.memorySwappiness ?? -1,
    OomKillDisable: o.oomKillDisable ?? false,
    PidsLimit: o.pidsLimit,
    Ulimits: o.ulimit ?? [],
    Mounts: nonEmpty(o.mount),
    Init: o.init,
  });

  const body = compact({
    Hostname: o.hostname,
    Domainname: o.domainname,
    User: o.user,
    AttachStdin: attachStdin,
    AttachStdout: attachStdout,
    AttachStderr: attachStderr,
    ExposedPorts: Object.keys(exposed).length ? exposed : undefined,
    Tty: tty,
    OpenStdin: openStdin,
    StdinOnce: openStdin && attachStdin,
    Env: nonEmpty(env),
    Cmd: cmd.length ? cmd : undefined,
    Healthcheck: healthConfig(o),
    Image: image,
    Volumes: Object.keys(volumes).length ? volumes : undefined,
    WorkingDir: o.workdir,
    Entrypoint: entrypoint,
    MacAddress: o.macAddress,
    Labels: labels,
    StopSignal: o.stopSignal,
    StopTimeout: o.stopTimeout,
    HostConfig: hostConfig,
    // Only with endpoint settings: an empty "default" entry trips daemons that do not map it.
    NetworkingConfig: Object.keys(endpoint).length ? { EndpointsConfig: { [networkMode]: endpoint } } : undefined,
  });
  return { body, query: compact({ name: o.name, platform: o.platform }) };
}
