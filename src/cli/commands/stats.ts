// wharf stats / container stats: resource usage per container, once (--no-stream) or as a table
// redrawn every 500 ms (screen cleared with ANSI codes, as docker does).
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { renderFormat } from '../format/formatter.js';
import { jsonValues } from '../format/jsonmessage.js';
import { invalidFigures, STATS_HEADER, STATS_TABLE, statsFigures, StatsRow, type StatsFigures, type StatsSample } from '../format/stats.js';
import { truncateID } from '../format/units.js';
import { configDir, formatOption, readConfig, withTemplateErrors, write } from './listing-common.js';

interface StatsOptions { all?: boolean; stream?: boolean; trunc?: boolean; format?: string }

function statsFormat(format: string): string {
  return format === 'table' ? STATS_TABLE : format;
}

async function targets(c: CliContext, names: string[], all: boolean): Promise<string[]> {
  if (names.length) return names;
  const list = await c.api.get<{ Id: string }[]>('/containers/json', { all: all ? '1' : undefined });
  return list.map((x) => truncateID(x.Id));
}

async function oneShot(c: CliContext, name: string): Promise<StatsFigures> {
  const s = await c.api.get<StatsSample>(`/containers/${encodeURIComponent(name)}/stats`, { stream: '0' });
  return statsFigures(name, s);
}

function render(figures: StatsFigures[], format: string, trunc: boolean): string {
  return renderFormat(statsFormat(format), figures.map((f) => new StatsRow(f, trunc)), STATS_HEADER);
}

async function follow(c: CliContext, name: string, latest: Map<string, StatsFigures>): Promise<void> {
  try {
    const res = await c.api.stream('GET', `/containers/${encodeURIComponent(name)}/stats`, { query: { stream: '1' } });
    for await (const v of jsonValues(res)) latest.set(name, statsFigures(name, v as StatsSample));
  } catch {
    latest.set(name, invalidFigures(name));
  }
}

async function streamStats(c: CliContext, names: string[], o: StatsOptions, format: string): Promise<void> {
  const fixed = names.length > 0;
  const latest = new Map<string, StatsFigures>();
  const followed = new Set<string>();
  const watch = (list: string[]): void => {
    for (const n of list) {
      if (followed.has(n)) continue;
      followed.add(n);
      void follow(c, n, latest).then(() => {
        if (!fixed) { followed.delete(n); latest.delete(n); }
      });
    }
  };
  watch(await targets(c, names, Boolean(o.all)));
  let ticks = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    if (!fixed && ++ticks % 4 === 0) watch(await targets(c, [], Boolean(o.all)).catch(() => []));
    const order = [...followed].filter((n) => latest.has(n));
    c.stdout.write('\x1b[2J\x1b[H');
    write(c, render(order.map((n) => latest.get(n)!), format, o.trunc !== false));
    if (fixed && [...latest.values()].length === names.length && [...latest.values()].every((f) => f.invalid)) return;
  }
}

async function runStats(c: CliContext, cmd: Command, names: string[], o: StatsOptions): Promise<void> {
  let format = o.format ?? '';
  if (!format) format = readConfig(configDir(cmd)).statsFormat || 'table';
  if (o.stream !== false) return streamStats(c, names, o, format);
  const list = await targets(c, names, Boolean(o.all));
  const figures = await Promise.all(list.map((n) => oneShot(c, n)));
  write(c, render(figures, format, o.trunc !== false));
}

function define(parent: Command, ctx: () => CliContext): void {
  const cmd = parent.command('stats').description('Display a live stream of container(s) resource usage statistics')
    .argument('[CONTAINER...]')
    .option('-a, --all', 'Show all containers (default shows just running)')
    .addOption(formatOption())
    .option('--no-stream', 'Disable streaming stats and only pull the first result')
    .option('--no-trunc', "Don't truncate output");
  cmd.action(async (names: string[], o: StatsOptions) => withTemplateErrors('listing', () => runStats(ctx(), cmd, names, o)));
}

export function register(program: Command, ctx: () => CliContext): void {
  define(program, ctx); // `container stats` is rewritten to `stats` (argv.ts)
}
