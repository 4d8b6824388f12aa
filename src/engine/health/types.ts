// Docker's State.Health: the status of a container's healthcheck and its last results.

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** One probe result (HealthcheckResult): RFC 3339 times, exit code (-1 when the probe failed to run or timed out). */
export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface HealthState {
  Status: HealthStatus;
  FailingStreak: number;
  /** The last five results, oldest first. */
  Log: HealthLogEntry[];
}
