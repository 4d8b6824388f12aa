// The container record as persisted (config.json + state.json under <data-root>/containers/<id>)
// and the Docker-shaped pieces derived from it. Field names are Docker's.
import type { ContainerConfig, HostConfig } from '../docker-types.js';
import type { HealthState } from '../health/types.js';
import type { MountPoint } from '../../volume/index.js';

/** Docker's zero time, shown for StartedAt/FinishedAt before they happen. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** Persisted state (state.json). Same fields as Docker's State plus restart bookkeeping. */
export interface ContainerState {
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  RemovalInProgress: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  RestartCount: number;
  /** Set by stop/kill so restart policies (except on daemon start) leave the container alone. */
  HasBeenManuallyStopped: boolean;
  HasBeenStartedBefore: boolean;
  /** Healthcheck status (set by the health monitor for containers with a healthcheck). */
  Health?: HealthState;
}

/** Persisted configuration (config.json "Config"): what create decided, fixed afterwards except by update. */
export interface ContainerSpec {
  Path: string;
  Args: string[];
  /** Container config merged with the image's (as Docker shows it in inspect). */
  Config: ContainerConfig;
  HostConfig: HostConfig;
  /** Image ID (sha256:...). */
  Image: string;
  Driver: string;
  LogPath: string;
  ResolvConfPath: string;
  HostnamePath: string;
  HostsPath: string;
  /** Volumes, binds and tmpfs mounts resolved at create (absent for containers made before volumes). */
  MountPoints?: MountPoint[];
}

/**
 * A container whose state.json a machine crash lost: recorded as running so reconcile asks the
 * runtime (reattached if alive, else marked exited with 255), never auto-removed or restarted.
 */
export function lostState(): ContainerState {
  return { ...initialState(), Running: true, Error: 'container state was lost in a crash and recovered from the runtime' };
}

export function initialState(): ContainerState {
  return {
    Running: false, Paused: false, Restarting: false, OOMKilled: false, RemovalInProgress: false, Dead: false,
    Pid: 0, ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME, RestartCount: 0,
    HasBeenManuallyStopped: false, HasBeenStartedBefore: false,
  };
}

/** Docker's State.StateString(). */
export function statusOf(s: ContainerState): ContainerStatus {
  if (s.Running) {
    if (s.Paused) return 'paused';
    if (s.Restarting) return 'restarting';
    return 'running';
  }
  if (s.RemovalInProgress) return 'removing';
  if (s.Dead) return 'dead';
  if (s.StartedAt === ZERO_TIME) return 'created';
  return 'exited';
}
