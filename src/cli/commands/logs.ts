// wharf logs [-f] [--since] [--until] [-n|--tail] [-t] [--details] CONTAINER
import type { Command } from 'commander';
import { enc } from '../containers/each.js';
import type { CliContext } from '../context.js';
import { addFlags } from '../options/flags.js';
import { parseGoDuration } from '../options/go-parse.js';
import { splitTo, StdDemuxer } from '../tty/stdcopy.js';

/** Docker's GetTimestamp: a duration is relative to now, a date is converted, anything else sent as is. */
export function apiTimestamp(value: string, now = Date.now()): string {
  if (value !== '0') {
    try {
      return String(Math.floor((now - parseGoDuration(value) / 1e6) / 1000));
    } catch { /* not a duration */ }
  }
  if (!value.includes('-')) return value;
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) || !value.includes('T') ? value : `${value}Z`);
  if (Number.isNaN(ms)) throw new Error(`invalid timestamp: ${value}`);
  const frac = /\.(\d+)/.exec(value)?.[1] ?? '';
  return `${Math.floor(ms / 1000)}.${(frac + '000000000').slice(0, 9)}`;
}

export function register(program: Command, ctx: () => CliContext): void {
  const cmd = program.command('logs').description('Fetch the logs of a container').usage('[OPTIONS] CONTAINER').argument('<container>');
  addFlags(cmd, [
    { names: '--details', kind: 'bool', desc: 'Show extra details provided to logs' },
    { names: '-f, --follow', kind: 'bool', desc: 'Follow log output' },
    { names: '--since', kind: 'string', desc: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    { names: '-n, --tail', kind: 'string', desc: 'Number of lines to show from the end of the logs', default: 'all' },
    { names: '-t, --timestamps', kind: 'bool', desc: 'Show timestamps' },
    { names: '--until', kind: 'string', desc: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
  ]);
  cmd.action(async (name: string, o: { details?: boolean; follow?: boolean; since?: string; tail: string; timestamps?: boolean; until?: string }) => {
    const c = ctx();
    const info = await c.api.get<{ Config: { Tty: boolean } }>(`/containers/${enc(name)}/json`);
    const res = await c.api.stream('GET', `/containers/${enc(name)}/logs`, {
      query: {
        stdout: true, stderr: true, follow: o.follow || undefined, timestamps: o.timestamps || undefined, details: o.details || undefined,
        since: o.since ? apiTimestamp(o.since) : undefined, until: o.until ? apiTimestamp(o.until) : undefined, tail: o.tail,
      },
    });
    const demux = info.Config.Tty ? null : new StdDemuxer(splitTo(c.stdout, c.stderr));
    for await (const chunk of res) {
      if (demux) demux.push(chunk as Buffer);
      else c.stdout.write(chunk as Buffer);
    }
  });
}
