// Create-time decisions: the container config merged with the image's (Docker's merge()), and
// validation of HostConfig with Docker's messages. Nothing here touches the disk.
import type { ContainerConfig, HostConfig, ImageRuntimeConfig } from '../docker-types.js';
import { InvalidParameterError } from '../errors.js';
import { effectiveArgs } from '../oci-spec.js';
import { parseSignal } from './signals.js';
import { validateHealthcheck } from '../health/config.js';

export const RESTART_POLICIES = ['', 'no', 'always', 'unless-stopped', 'on-failure'] as const;
/** Docker refuses memory limits below 6 MB. */
const MIN_MEMORY = 6 * 1024 * 1024;
export const NETWORK_MODES = ['default', 'bridge', 'none', 'host'];

const envKey = (kv: string): string => kv.split('=')[0]!;

/** Docker's merge(userConf, imageConf): user values win, the image fills the gaps. */
export function mergeImageConfig(user: ContainerConfig, image: ImageRuntimeConfig): ContainerConfig {
  const out: ContainerConfig = { ...user };
  if (!out.User) out.User = image.User ?? '';
  const userEnv = user.Env ?? [];
  if (userEnv.length === 0) out.Env = [...(image.Env ?? [])];
  else out.Env = [...userEnv, ...(image.Env ?? []).filter((e) => !userEnv.some((u) => envKey(u) === envKey(e)))];
  out.Labels = { ...(image.Labels ?? {}), ...(user.Labels ?? {}) };
  const userEntrypoint = normalizeEntrypoint(user.Entrypoint);
  if (!userEntrypoint || userEntrypoint.length === 0) {
    if (!user.Cmd || user.Cmd.length === 0) out.Cmd = image.Cmd ?? null;
    out.Entrypoint = userEntrypoint ?? image.Entrypoint ?? null;
  } else {
    out.Entrypoint = userEntrypoint;
  }
  if (!out.WorkingDir) out.WorkingDir = image.WorkingDir ?? '';
  if (!out.StopSignal && image.StopSignal) out.StopSignal = image.StopSignal;
  if (!out.Healthcheck && image.Healthcheck) out.Healthcheck = image.Healthcheck;
  if (image.ExposedPorts || user.ExposedPorts) out.ExposedPorts = { ...(image.ExposedPorts ?? {}), ...(user.ExposedPorts ?? {}) };
  if (image.Volumes || user.Volumes) out.Volumes = { ...(image.Volumes ?? {}), ...(user.Volumes ?? {}) };
  if (image.OnBuild) out.OnBuild = image.OnBuild;
  return out;
}

/** `--entrypoint ""` arrives as [""]: it means "no entrypoint", not "the image's". */
function normalizeEntrypoint(e: string[] | string | null | undefined): string[] | null | undefined {
  if (e == null) return e;
  const list = Array.isArray(e) ? e : [e];
  return list.length === 1 && list[0] === '' ? [] : list;
}

/** The process Docker shows as Path/Args; throws Docker's "no command specified". */
export function pathAndArgs(config: ContainerConfig): { Path: string; Args: string[] } {
  const args = effectiveArgs({}, config);
  return { Path: args[0]!, Args: args.slice(1) };
}

/** HostConfig checks done at create (and update for the resource part). */
export function validateHostConfig(h: HostConfig): void {
  const rp = h.RestartPolicy ?? {};
  const name = rp.Name ?? '';
  if (!(RESTART_POLICIES as readonly string[]).includes(name)) throw new InvalidParameterError(`invalid restart policy '${name}'`);
  const max = rp.MaximumRetryCount ?? 0;
  if (max < 0) throw new InvalidParameterError('invalid restart policy: maximum retry count cannot be negative');
  if (max > 0 && name !== 'on-failure') throw new InvalidParameterError(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  if (h.AutoRemove && name !== '' && name !== 'no') {
    throw new InvalidParameterError(`can't create 'AutoRemove' container with restart policy`);
  }
  const mode = h.NetworkMode ?? '';
  if (mode !== '' && !NETWORK_MODES.includes(mode) && !mode.startsWith('container:')) {
    throw new InvalidParameterError(`network ${mode} not found`);
  }
  const log = h.LogConfig?.Type ?? '';
  if (log !== '' && log !== 'json-file' && log !== 'none') {
    throw new InvalidParameterError(`logging driver "${log}" is not supported (json-file, none)`);
  }
  validateResources(h);
}

export function validateResources(h: HostConfig): void {
  if (h.Memory && h.Memory > 0 && h.Memory < MIN_MEMORY) throw new InvalidParameterError('Minimum memory limit allowed is 6MB');
  if (h.Memory && h.MemorySwap && h.MemorySwap > 0 && h.MemorySwap < h.Memory) {
    throw new InvalidParameterError('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (h.MemorySwap && h.MemorySwap > 0 && !h.Memory) {
    throw new InvalidParameterError('You should always set the Memory limit when using Memoryswap limit, see usage');
  }
  if (h.MemorySwappiness != null && h.MemorySwappiness !== -1 && (h.MemorySwappiness < 0 || h.MemorySwappiness > 100)) {
    throw new InvalidParameterError(`Invalid value: ${h.MemorySwappiness}, valid memory swappiness range is 0-100`);
  }
  if (h.NanoCpus && (h.CpuQuota || h.CpuPeriod)) {
    throw new InvalidParameterError('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  }
  if (h.CpuPeriod && (h.CpuPeriod < 1000 || h.CpuPeriod > 1000000)) {
    throw new InvalidParameterError('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if (h.CpuQuota && h.CpuQuota > 0 && h.CpuQuota < 1000) throw new InvalidParameterError('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (h.NanoCpus && h.NanoCpus < 0) throw new InvalidParameterError('Range of CPUs is from 0.01 to the number of CPUs available');
}

/** Config checks done at create. */
export function validateConfig(c: ContainerConfig): void {
  if (c.StopSignal) parseSignal(c.StopSignal, 'StopSignal');
  validateHealthcheck(c.Healthcheck);
  if (c.StopTimeout != null && c.StopTimeout < -1) throw new InvalidParameterError('invalid StopTimeout: must be -1 or more');
  for (const e of c.Env ?? []) if (typeof e !== 'string' || e.startsWith('=')) throw new InvalidParameterError(`invalid environment variable: ${String(e)}`);
}

/** HostConfig as inspect shows it: Docker's defaults filled in. */
export function normalizeHostConfig(h: HostConfig, logDefaults: { Type: string; Config: Record<string, string> }): HostConfig {
  return {
    ...h,
    NetworkMode: h.NetworkMode || 'default',
    RestartPolicy: { Name: h.RestartPolicy?.Name || 'no', MaximumRetryCount: h.RestartPolicy?.MaximumRetryCount ?? 0 },
    LogConfig: h.LogConfig?.Type ? { Type: h.LogConfig.Type, Config: h.LogConfig.Config ?? {} } : { Type: logDefaults.Type, Config: { ...logDefaults.Config, ...(h.LogConfig?.Config ?? {}) } },
    // Docker records the implied swap limit (twice the memory) so later updates see it.
    ...(h.Memory && h.Memory > 0 && !h.MemorySwap ? { MemorySwap: h.Memory * 2 } : {}),
    AutoRemove: h.AutoRemove ?? false,
    Privileged: h.Privileged ?? false,
    ReadonlyRootfs: h.ReadonlyRootfs ?? false,
  };
}
