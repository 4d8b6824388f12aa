// A container's effective healthcheck: the probe command and timings with Docker's defaults,
// and the create-time validation Docker applies (durations are nanoseconds in the API).
import type { HealthConfig } from '../docker-types.js';
import { InvalidParameterError } from '../errors.js';

const MS = 1_000_000;
/** Docker's defaults: every 30 s, 30 s timeout, unhealthy after 3 failures, no start period. */
export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 3;
/** Docker's minimum for any given duration: 1 ms. */
const MIN_DURATION_NS = MS;

export interface Healthcheck {
  /** argv run in the container. */
  cmd: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

/** Docker's create-time checks of Config.Healthcheck. */
export function validateHealthcheck(h: HealthConfig | undefined | null): void {
  if (!h) return;
  const dur = (v: number | undefined, field: string) => {
    if (v === undefined || v === null) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new InvalidParameterError(`${field} in Healthcheck must be a non-negative duration in nanoseconds`);
    if (v !== 0 && v < MIN_DURATION_NS) throw new InvalidParameterError(`${field} in Healthcheck cannot be less than 1ms`);
  };
  dur(h.Interval, 'Interval');
  dur(h.Timeout, 'Timeout');
  dur(h.StartPeriod, 'StartPeriod');
  if (h.Retries !== undefined && h.Retries !== null && (!Number.isInteger(h.Retries) || h.Retries < 0)) {
    throw new InvalidParameterError('Retries in Healthcheck cannot be negative');
  }
  const test = h.Test ?? [];
  if (!Array.isArray(test) || test.some((t) => typeof t !== 'string')) throw new InvalidParameterError('Healthcheck Test must be a list of strings');
  if (test.length > 0 && !['NONE', 'CMD', 'CMD-SHELL'].includes(test[0]!)) {
    throw new InvalidParameterError(`unknown Healthcheck type "${test[0]}": expected NONE, CMD or CMD-SHELL`);
  }
  if ((test[0] === 'CMD' || test[0] === 'CMD-SHELL') && test.length < 2) {
    throw new InvalidParameterError(`Healthcheck ${test[0]} needs a command`);
  }
}

/** The probe to run, or null when there is none (no Test, [], or ["NONE"]). */
export function effectiveHealthcheck(h: HealthConfig | undefined | null): Healthcheck | null {
  const test = h?.Test ?? [];
  if (test.length === 0 || test[0] === 'NONE') return null;
  let cmd: string[];
  if (test[0] === 'CMD') cmd = test.slice(1);
  else if (test[0] === 'CMD-SHELL') cmd = ['/bin/sh', '-c', ...test.slice(1)];
  else return null;
  if (cmd.length === 0) return null;
  const ms = (ns: number | undefined, def: number) => (ns && ns > 0 ? Math.max(1, Math.round(ns / MS)) : def);
  return {
    cmd,
    intervalMs: ms(h?.Interval, DEFAULT_INTERVAL_MS),
    timeoutMs: ms(h?.Timeout, DEFAULT_TIMEOUT_MS),
    retries: h?.Retries && h.Retries > 0 ? h.Retries : DEFAULT_RETRIES,
    startPeriodMs: ms(h?.StartPeriod, 0),
  };
}

/** Go's time.Duration String() for the timeout message ("30s", "200ms", "1m30s"). */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const totalS = ms / 1000;
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = +(totalS % 60).toFixed(3);
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}
