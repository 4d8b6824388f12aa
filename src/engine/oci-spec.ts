// Docker container config (Config + HostConfig + image config) → OCI runtime spec, with Docker's
// defaults: capabilities, seccomp profile, masked paths, mounts, devices, namespaces.
import { readFileSync, statSync } from 'node:fs';
import { dockerDefaultSeccomp, seccompFromDockerProfile } from '../runtime/seccomp/index.js';
import { CAPABILITIES } from '../runtime/spec/caps.js';
import {
  DEFAULT_PATH_ENV, DOCKER_DEFAULT_CAPABILITIES, DOCKER_DEVICE_CGROUP_RULES, DOCKER_MASKED_PATHS,
  DOCKER_READONLY_PATHS, OCI_VERSION, dockerDefaultMounts,
} from '../runtime/spec/defaults.js';
import type { LinuxNamespace, LinuxResources, LinuxSeccomp, Mount, Process, Spec } from '../runtime/spec/types.js';
import type { HostConfig, ContainerConfig, ImageRuntimeConfig } from './docker-types.js';
import { resolveUser, type UserDb } from './user.js';
import { availableCapabilities } from './host-caps.js';
import { InvalidParameterError as InvalidParameter } from './errors.js';

export interface SpecInput {
  rootfs: string;
  /** The image's user database when the rootfs is not mounted yet (the executor mounts it). */
  userDb?: UserDb;
  image: ImageRuntimeConfig;
  config: ContainerConfig;
  host: HostConfig;
  /** Files the engine writes per container, bind-mounted over the image's. */
  files?: { hostname?: string; hosts?: string; resolvConf?: string };
  /** Network namespace to join (bridge networking); absent: a new empty one. */
  netnsPath?: string;
  /** Namespaces of another container for container:<id> modes, resolved by the engine. */
  joinPid?: { pid?: number; ipc?: number; uts?: number; net?: number };
  cgroupsPath?: string;
  /** Path of wharf's init binary for --init (bind-mounted at /sbin/docker-init). */
  initPath?: string;
  /** Volumes, binds and tmpfs resolved by the engine; replaces the parsing of Binds/Tmpfs here. */
  mountSetup?: { mounts: Mount[]; rootfsPropagation?: 'shared' };
}

/** Docker's rule: Cmd/Entrypoint from the container override the image's. */
export function effectiveArgs(image: ImageRuntimeConfig, config: ContainerConfig): string[] {
  const entrypoint = config.Entrypoint ?? image.Entrypoint ?? [];
  const cmd = config.Cmd ?? (config.Entrypoint ? [] : image.Cmd ?? []);
  const args = [...toArray(entrypoint), ...toArray(cmd)];
  if (args.length === 0) throw new InvalidParameter('no command specified');
  return args;
}

function toArray(v: string[] | string | null | undefined): string[] {
  if (v == null) return [];
  return Array.isArray(v) ? v : [v];
}

export function mergeEnv(image: string[] | undefined, container: string[] | undefined, extra: string[] = []): string[] {
  const out = new Map<string, string>();
  for (const kv of [...(image ?? []), ...(container ?? []), ...extra]) {
    const i = kv.indexOf('=');
    const key = i < 0 ? kv : kv.slice(0, i);
    if (i < 0) continue; // `-e FOO` without value and no host value: Docker drops it
    out.set(key, kv);
  }
  if (!out.has('PATH')) out.set('PATH', `PATH=${DEFAULT_PATH_ENV}`);
  return [...out.values()];
}

function capabilities(host: HostConfig): string[] {
  if (host.Privileged) return availableCapabilities();
  const norm = (c: string) => (c.toUpperCase().startsWith('CAP_') ? c.toUpperCase() : `CAP_${c.toUpperCase()}`);
  const add = (host.CapAdd ?? []).map(norm);
  const drop = (host.CapDrop ?? []).map(norm);
  for (const c of [...add, ...drop]) {
    if (c !== 'CAP_ALL' && !CAPABILITIES.includes(c)) throw new InvalidParameter(`unknown capability: "${c}"`);
  }
  let caps = add.includes('CAP_ALL') ? [...CAPABILITIES] : [...DOCKER_DEFAULT_CAPABILITIES, ...add];
  caps = drop.includes('CAP_ALL') ? caps.filter((c) => add.includes(c)) : caps.filter((c) => !drop.includes(c));
  return [...new Set(caps)];
}

function namespaces(input: SpecInput): LinuxNamespace[] {
  const h = input.host;
  const ns: LinuxNamespace[] = [{ type: 'mount' }];
  const mode = (m: string | undefined, type: LinuxNamespace['type'], pid: number | undefined, nsName: string) => {
    if (m === 'host') return;
    if (m?.startsWith('container:')) ns.push({ type, path: `/proc/${pid}/ns/${nsName}` });
    else ns.push({ type });
  };
  mode(h.PidMode, 'pid', input.joinPid?.pid, 'pid');
  mode(h.IpcMode === 'shareable' || h.IpcMode === 'private' ? undefined : h.IpcMode, 'ipc', input.joinPid?.ipc, 'ipc');
  mode(h.UTSMode, 'uts', input.joinPid?.uts, 'uts');
  if (h.NetworkMode !== 'host') {
    if (h.NetworkMode?.startsWith('container:')) ns.push({ type: 'network', path: `/proc/${input.joinPid?.net}/ns/net` });
    else if (input.netnsPath) ns.push({ type: 'network', path: input.netnsPath });
    else ns.push({ type: 'network' });
  }
  if (h.CgroupnsMode === 'private') ns.push({ type: 'cgroup' });
  return ns;
}

function resources(h: HostConfig): LinuxResources {
  const r: LinuxResources = {};
  const mem: NonNullable<LinuxResources['memory']> = {};
  if (h.Memory) mem.limit = h.Memory;
  if (h.MemorySwap) mem.swap = h.MemorySwap === -1 ? -1 : h.MemorySwap;
  else if (h.Memory) mem.swap = h.Memory * 2; // Docker: swap defaults to the same amount again
  if (h.MemoryReservation) mem.reservation = h.MemoryReservation;
  if (h.MemorySwappiness != null && h.MemorySwappiness >= 0) mem.swappiness = h.MemorySwappiness;
  if (h.OomKillDisable) mem.disableOOMKiller = true;
  if (Object.keys(mem).length) r.memory = mem;
  const cpu = cpuResources(h);
  if (cpu) r.cpu = cpu;
  if (h.PidsLimit && h.PidsLimit > 0) r.pids = { limit: h.PidsLimit };
  const dev = (d: { Path: string; Rate: number }) => ({ ...deviceNumbers(d.Path), rate: d.Rate });
  const bio: NonNullable<LinuxResources['blockIO']> = {};
  if (h.BlkioWeight) bio.weight = h.BlkioWeight;
  if (h.BlkioWeightDevice?.length) bio.weightDevice = h.BlkioWeightDevice.map((d) => ({ ...deviceNumbers(d.Path), weight: d.Weight }));
  if (h.BlkioDeviceReadBps?.length) bio.throttleReadBpsDevice = h.BlkioDeviceReadBps.map(dev);
  if (h.BlkioDeviceWriteBps?.length) bio.throttleWriteBpsDevice = h.BlkioDeviceWriteBps.map(dev);
  if (h.BlkioDeviceReadIOps?.length) bio.throttleReadIOPSDevice = h.BlkioDeviceReadIOps.map(dev);
  if (h.BlkioDeviceWriteIOps?.length) bio.throttleWriteIOPSDevice = h.BlkioDeviceWriteIOps.map(dev);
  if (Object.keys(bio).length) r.blockIO = bio;
  r.devices = h.Privileged ? [{ allow: true, access: 'rwm' }] : DOCKER_DEVICE_CGROUP_RULES.map((d) => ({ ...d }));
  return r;
}

type CpuFields = Pick<HostConfig, 'CpuShares' | 'NanoCpus' | 'CpuQuota' | 'CpuPeriod' | 'CpusetCpus' | 'CpusetMems'>;

/** Docker's CPU fields as OCI linux.resources.cpu (NanoCpus = quota over a 100 ms period). */
export function cpuResources(h: CpuFields): LinuxResources['cpu'] | undefined {
  const cpu: NonNullable<LinuxResources['cpu']> = {};
  if (h.CpuShares) cpu.shares = h.CpuShares;
  if (h.NanoCpus) { cpu.period = 100000; cpu.quota = Math.round((h.NanoCpus / 1e9) * 100000); }
  if (h.CpuQuota) cpu.quota = h.CpuQuota;
  if (h.CpuPeriod) cpu.period = h.CpuPeriod;
  if (h.CpusetCpus) cpu.cpus = h.CpusetCpus;
  if (h.CpusetMems) cpu.mems = h.CpusetMems;
  return Object.keys(cpu).length ? cpu : undefined;
}

/** Major/minor of a host device node (for blkio and --device). */
export function deviceNumbers(path: string): { major: number; minor: number } {
  let rdev: number;
  try {
    rdev = Number(readFileStat(path));
  } catch {
    throw new InvalidParameter(`device "${path}" does not exist or is not a device`);
  }
  return { major: Math.floor(rdev / 256) & 0xfff, minor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00) };
}

function readFileStat(path: string): number {
  const st = statSync(path);
  if (!st.isBlockDevice() && !st.isCharacterDevice()) throw new Error('not a device');
  return st.rdev;
}

function seccomp(h: HostConfig, caps: string[]): LinuxSeccomp | undefined {
  if (h.Privileged) return undefined;
  const opt = (h.SecurityOpt ?? []).find((o) => o.startsWith('seccomp=') || o.startsWith('seccomp:'));
  const value = opt?.slice('seccomp='.length);
  if (value === 'unconfined') return undefined;
  if (value && value !== 'builtin') {
    let json: unknown;
    try { json = JSON.parse(value.trimStart().startsWith('{') ? value : readFileSync(value, 'utf8')); } catch (e) {
      throw new InvalidParameter(`SecurityOpt seccomp: cannot read profile: ${(e as Error).message}`);
    }
    return seccompFromDockerProfile(json, { capabilities: caps });
  }
  return dockerDefaultSeccomp({ capabilities: caps });
}

export function buildSpec(input: SpecInput): Spec {
  const { image, config, host } = input;
  const caps = capabilities(host);
  const user = resolveUser(input.userDb ?? input.rootfs, config.User || image.User || '');
  const nnp = (host.SecurityOpt ?? []).some((o) => /^no-new-privileges(?:[=:]true)?$/.test(o));
  let args = effectiveArgs(image, config);
  const mounts: Mount[] = dockerDefaultMounts(host.ShmSize || undefined);
  if (host.Init && !input.initPath) {
    // Docker fails too when its init binary is missing, rather than running without one.
    throw new InvalidParameter('Init: the wharf-init binary was not found (build native/ with `make -C native`)');
  }
  if (input.initPath && host.Init) {
    mounts.push({ destination: '/sbin/docker-init', type: 'bind', source: input.initPath, options: ['rbind', 'ro'] });
    args = ['/sbin/docker-init', '--', ...args];
  }
  const f = input.files ?? {};
  if (f.resolvConf) mounts.push({ destination: '/etc/resolv.conf', type: 'bind', source: f.resolvConf, options: ['rbind', 'rprivate'] });
  if (f.hostname) mounts.push({ destination: '/etc/hostname', type: 'bind', source: f.hostname, options: ['rbind', 'rprivate'] });
  if (f.hosts) mounts.push({ destination: '/etc/hosts', type: 'bind', source: f.hosts, options: ['rbind', 'rprivate'] });
  if (input.mountSetup) {
    // A user mount replaces a default one (or an engine file) at the same destination, as in Docker.
    const user = new Set(input.mountSetup.mounts.map((m) => m.destination));
    mounts.splice(0, mounts.length, ...mounts.filter((m) => !user.has(m.destination)), ...input.mountSetup.mounts);
  } else {
    for (const b of host.Binds ?? []) mounts.push(parseBind(b));
    for (const [dest, opts] of Object.entries(host.Tmpfs ?? {})) {
      mounts.push({ destination: dest, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', ...(opts ? opts.split(',') : [])] });
    }
  }
  const proc: Process = {
    terminal: config.Tty === true,
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids, umask: 0o022 },
    args,
    env: mergeEnv(image.Env ?? undefined, config.Env ?? undefined, config.Tty ? ['TERM=xterm'] : []),
    cwd: config.WorkingDir || image.WorkingDir || '/',
    capabilities: { bounding: caps, effective: caps, permitted: caps },
    noNewPrivileges: nnp,
    oomScoreAdj: host.OomScoreAdj ?? 0,
    rlimits: (host.Ulimits ?? []).map((u) => ({ type: `RLIMIT_${u.Name.toUpperCase()}`, soft: u.Soft, hard: u.Hard })),
  };
  const readonlyPaths = host.Privileged ? [] : [...DOCKER_READONLY_PATHS];
  const spec: Spec = {
    ociVersion: OCI_VERSION,
    root: { path: input.rootfs, readonly: host.ReadonlyRootfs === true },
    process: proc,
    hostname: host.UTSMode === 'host' ? undefined : (config.Hostname || undefined),
    domainname: config.Domainname || undefined,
    mounts,
    annotations: {},
    linux: {
      namespaces: namespaces(input),
      resources: resources(host),
      cgroupsPath: input.cgroupsPath,
      maskedPaths: host.Privileged ? [] : [...DOCKER_MASKED_PATHS],
      readonlyPaths,
      sysctl: host.Sysctls ?? undefined,
      devices: (host.Devices ?? []).map(hostDevice),
      seccomp: seccomp(host, caps),
      ...(input.mountSetup?.rootfsPropagation ? { rootfsPropagation: input.mountSetup.rootfsPropagation } : {}),
    },
  };
  for (const d of host.Devices ?? []) {
    const n = deviceNumbers(d.PathOnHost);
    spec.linux!.resources!.devices!.push({ allow: true, type: devType(d.PathOnHost), major: n.major, minor: n.minor, access: d.CgroupPermissions || 'rwm' });
  }
  return spec;
}

function devType(path: string): string {
  return statSync(path).isBlockDevice() ? 'b' : 'c';
}

function hostDevice(d: { PathOnHost: string; PathInContainer?: string }): NonNullable<NonNullable<Spec['linux']>['devices']>[number] {
  const st = statSync(d.PathOnHost);
  const n = deviceNumbers(d.PathOnHost);
  return {
    path: d.PathInContainer || d.PathOnHost, type: st.isBlockDevice() ? 'b' : 'c', major: n.major, minor: n.minor,
    fileMode: st.mode & 0o777, uid: 0, gid: 0,
  };
}

/** `-v /host:/ctr[:ro]` bind mounts (named volumes come with the volume issue). */
export function parseBind(spec: string): Mount {
  const parts = spec.split(':');
  if (parts.length < 2 || !parts[0]!.startsWith('/')) throw new InvalidParameter(`invalid bind mount "${spec}": expected /host/path:/container/path[:ro]`);
  const [src, dest, mode = 'rw'] = parts;
  if (!dest!.startsWith('/')) throw new InvalidParameter(`invalid bind mount "${spec}": container path must be absolute`);
  const opts = ['rbind', ...mode.split(',').filter((m) => ['ro', 'rw'].includes(m))];
  return { destination: dest!, type: 'bind', source: src!, options: opts };
}
