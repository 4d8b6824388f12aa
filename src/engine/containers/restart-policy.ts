// Docker's restart manager: which exits restart the container, and the growing back-off
// (100 ms doubling up to 1 min, reset after 10 s of running).
import type { HostConfig } from '../docker-types.js';

const INITIAL_MS = 100;
const MAX_MS = 60_000;
const RESET_AFTER_MS = 10_000;

export interface RestartDecision { restart: boolean; delayMs: number }

export class RestartBackoff {
  private timeoutMs = 0;

  /**
   * Decides after an exit. `canceled`: stopped on purpose (docker stop, kill with the stop
   * signal, daemon shutdown); `manuallyStopped` only matters to unless-stopped.
   */
  decide(policy: HostConfig['RestartPolicy'], exitCode: number, canceled: boolean, manuallyStopped: boolean, restartCount: number, ranMs: number): RestartDecision {
    if (ranMs >= RESET_AFTER_MS) this.timeoutMs = 0;
    this.timeoutMs = this.timeoutMs === 0 ? INITIAL_MS : Math.min(this.timeoutMs * 2, MAX_MS);
    if (canceled) return { restart: false, delayMs: 0 };
    return { restart: policyWantsRestart(policy, exitCode, manuallyStopped, restartCount), delayMs: this.timeoutMs };
  }
}

/** The policy's answer alone (also used at daemon start, where "always" ignores manual stops). */
export function policyWantsRestart(policy: HostConfig['RestartPolicy'], exitCode: number, manuallyStopped: boolean, restartCount: number): boolean {
  const name = policy?.Name ?? 'no';
  if (name === 'always') return true;
  if (name === 'unless-stopped') return !manuallyStopped;
  if (name === 'on-failure') {
    const max = policy?.MaximumRetryCount ?? 0;
    return exitCode !== 0 && (max === 0 || restartCount < max);
  }
  return false;
}
