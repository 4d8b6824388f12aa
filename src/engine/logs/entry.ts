// One log message as the json-file driver stores it, and Docker's time formats.
export type LogStream = 'stdout' | 'stderr';

export interface LogEntry {
  stream: LogStream;
  /** The message bytes, the trailing newline included when the line had one. */
  log: Buffer;
  /** Nanoseconds since the epoch. */
  timeNano: bigint;
}

function nanoParts(ns: bigint): { iso: string; frac: string } {
  const ms = Number(ns / 1_000_000n);
  const iso = new Date(ms).toISOString().slice(0, 19); // YYYY-MM-DDTHH:MM:SS
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return { iso, frac };
}

/** Go's RFC3339Nano (trailing zeros of the fraction dropped), as stored in the log file. */
export function rfc3339Nano(ns: bigint): string {
  const { iso, frac } = nanoParts(ns);
  const f = frac.replace(/0+$/, '');
  return `${iso}${f ? '.' + f : ''}Z`;
}

/** Docker's fixed-width form used for `docker logs -t` (always 9 fraction digits). */
export function rfc3339NanoFixed(ns: bigint): string {
  const { iso, frac } = nanoParts(ns);
  return `${iso}.${frac}Z`;
}

/** Parses an RFC 3339 time with up to 9 fraction digits into ns. */
export function parseRfc3339Nano(s: string): bigint {
  const m = /^(.*?)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return 0n;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return 0n;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0') || '0');
}

export function entryToJsonLine(e: LogEntry): string {
  return `{"log":${JSON.stringify(e.log.toString('utf8'))},"stream":"${e.stream}","time":"${rfc3339Nano(e.timeNano)}"}\n`;
}

export function parseJsonLine(line: string): LogEntry | null {
  try {
    const o = JSON.parse(line) as { log?: string; stream?: string; time?: string };
    if (typeof o.log !== 'string') return null;
    return { stream: o.stream === 'stderr' ? 'stderr' : 'stdout', log: Buffer.from(o.log, 'utf8'), timeNano: parseRfc3339Nano(o.time ?? '') };
  } catch {
    return null;
  }
}
