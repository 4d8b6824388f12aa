// Docker's time arguments (events/logs since & until): unix seconds with optional fraction,
// RFC 3339 dates (zone optional: local time then), and Go durations meaning "that long ago".
import { InvalidParameterError } from '../engine/errors.js';
import { nowNano } from '../engine/events.js';

const NS_PER_SEC = 1_000_000_000n;

export { nowNano };

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const DURATION = /^([-+]?)((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/** Parses a Go duration ("1h30m", "10s", "1.5m") into nanoseconds; undefined if it is not one. */
export function parseGoDuration(value: string): bigint | undefined {
  const m = DURATION.exec(value);
  if (!m) return undefined;
  let total = 0;
  for (const part of m[2].matchAll(DURATION_PART)) total += Number.parseFloat(part[1]) * UNIT_NS[part[2]];
  const ns = BigInt(Math.round(total));
  return m[1] === '-' ? -ns : ns;
}

const UNIX = /^(\d+)(?:\.(\d{1,9}))?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?([Zz]|[+-]\d{2}:\d{2})?$/;

/**
 * A Docker time argument as nanoseconds since the epoch.
 * `now` is the reference for relative durations ("10m" = ten minutes before now).
 */
export function parseTimestamp(value: string, now: bigint = nowNano()): bigint {
  const v = value.trim();
  if (v !== '0') {
    const d = parseGoDuration(v);
    if (d !== undefined) return now - d;
  }
  const unix = UNIX.exec(v);
  if (unix) {
    const frac = (unix[2] ?? '').padEnd(9, '0');
    return BigInt(unix[1]) * NS_PER_SEC + BigInt(frac || '0');
  }
  const date = DATE.exec(v);
  if (date) {
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = date;
    const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
    let ms: number;
    if (zone === undefined) {
      ms = new Date(...parts).getTime(); // no zone: local time, as Docker does
    } else {
      ms = Date.UTC(...parts);
      if (zone !== 'Z' && zone !== 'z') {
        const sign = zone[0] === '-' ? -1 : 1;
        ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
      }
    }
    const check = new Date(Date.UTC(...parts));
    if (Number.isNaN(ms) || check.getUTCMonth() !== parts[1] || check.getUTCDate() !== parts[2] || parts[3] > 23 || parts[4] > 59 || parts[5] > 60) {
      throw new InvalidParameterError(`invalid date: "${value}"`);
    }
    return BigInt(ms) * 1_000_000n + BigInt(frac.padEnd(9, '0') || '0');
  }
  throw new InvalidParameterError(`failed to parse value as time or duration: "${value}"`);
}

/** "seconds.nanoseconds" as Docker prints timestamps in messages. */
export function formatUnixNano(ns: bigint): string {
  const s = ns / NS_PER_SEC;
  const frac = (ns % NS_PER_SEC).toString().padStart(9, '0');
  return `${s}.${frac}`;
}
