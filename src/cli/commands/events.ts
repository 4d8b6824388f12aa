// wharf events / system events: the daemon's event stream, one line per event as docker prints it.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliExit } from '../context.js';
import { jsonValues } from '../format/jsonmessage.js';
import { Template } from '../format/template.js';
import { filterOption, filtersJson, formatOption, group } from './listing-common.js';

interface EventMessage {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number | string;
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** time.ParseDuration in nanoseconds, or undefined. */
function goDurationNs(v: string): number | undefined {
  const m = /^([+-]?)((?:\d+(?:\.\d*)?(?:ns|us|µs|ms|s|m|h))+)$/.exec(v);
  if (!m) return undefined;
  let total = 0;
  for (const part of m[2]!.matchAll(/(\d+(?:\.\d*)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(part[1]) * UNIT_NS[part[2]!]!;
  return m[1] === '-' ? -total : total;
}

/** timetypes.GetTimestamp: durations are relative to now, dates become unix seconds. */
export function getTimestamp(value: string, now = Date.now()): string {
  const ns = value !== '0' ? goDurationNs(value) : undefined;
  if (ns !== undefined) return String(Math.trunc((now - ns / 1e6) / 1000));
  if (/^\d+(\.\d+)?$/.test(value)) return value;
  const hasZone = /[zZ+]/.test(value) || (value.match(/-/g) ?? []).length === 3;
  const iso = /^\d{4}-\d\d-\d\d$/.test(value) ? `${value}T00:00:00` : value;
  const ms = Date.parse(hasZone ? iso : iso.replace(' ', 'T'));
  if (Number.isNaN(ms)) {
    if (value.includes('-')) throw new CliExit(125, `invalid argument "${value}": parsing time "${value}": cannot parse`);
    throw new CliExit(125, `failed to parse value as time or duration: "${value}"`);
  }
  const secs = Math.floor(ms / 1000);
  return `${secs}.${String((ms - secs * 1000) * 1e6).padStart(9, '0')}`;
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** RFC3339NanoFixed in local time: 2006-01-02T15:04:05.000000000Z07:00. */
export function rfc3339NanoFixed(nanos: bigint): string {
  const ms = Number(nanos / 1_000_000n);
  const d = new Date(ms);
  const frac = String(nanos % 1_000_000_000n).padStart(9, '0');
  const off = -d.getTimezoneOffset();
  const zone = off === 0 ? 'Z' : `${off < 0 ? '-' : '+'}${two(Math.trunc(Math.abs(off) / 60))}:${two(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${frac}${zone}`;
}

export function prettyEvent(e: EventMessage): string {
  let out = '';
  if (e.timeNano) out += `${rfc3339NanoFixed(BigInt(e.timeNano))} `;
  else if (e.time) out += `${rfc3339NanoFixed(BigInt(e.time) * 1_000_000_000n)} `;
  out += `${e.Type ?? ''} ${e.Action ?? ''} ${e.Actor?.ID ?? ''}`;
  const attrs = e.Actor?.Attributes ?? {};
  const keys = Object.keys(attrs).sort();
  if (keys.length) out += ` (${keys.map((k) => `${k}=${attrs[k]}`).join(', ')})`;
  return `${out}\n`;
}

async function runEvents(c: CliContext, o: { since?: string; until?: string; filter?: string[]; format?: string }): Promise<void> {
  const now = Date.now();
  const tmpl = o.format ? new Template(o.format === 'json' ? '{{json .}}' : o.format) : undefined;
  const res = await c.api.stream('GET', '/events', {
    query: {
      since: o.since ? getTimestamp(o.since, now) : undefined,
      until: o.until ? getTimestamp(o.until, now) : undefined,
      filters: filtersJson(o.filter),
    },
  });
  // timeNano has 19 digits: kept as a string so no precision is lost.
  for await (const v of jsonValues(res, (s) => s.replace(/"timeNano":(\d+)/, '"timeNano":"$1"'))) {
    const e = v as EventMessage;
    c.stdout.write(tmpl ? `${tmpl.execute(e)}\n` : prettyEvent(e));
  }
}

export function register(program: Command, ctx: () => CliContext): void {
  const define = (parent: Command): void => {
    parent.command('events').description('Get real time events from the server')
      .option('--since <string>', 'Show all events created since timestamp')
      .option('--until <string>', 'Stream events until this timestamp')
      .addOption(filterOption())
      .addOption(formatOption('Format the output using the given Go template'))
      .action(async (o: { since?: string; until?: string; filter?: string[]; format?: string }) => runEvents(ctx(), o));
  };
  define(program);
  define(group(program, 'system', 'Manage Docker'));
}
