// wharf history / image history: the layers of an image.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliExit } from '../context.js';
import { renderFormat } from '../format/formatter.js';
import { HISTORY_HEADER, HISTORY_TABLE, HistoryRow, type HistoryEntry } from '../format/images.js';
import { formatOption, group, withTemplateErrors, write } from './listing-common.js';

interface HistoryOptions { human?: string | boolean; trunc?: boolean; quiet?: boolean; format?: string }

/** pflag's bool values: -H, --human, --human=false. */
export function parseBoolFlag(flag: string, v: string | boolean | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  if (/^(1|t|T|true|TRUE|True)$/.test(v)) return true;
  if (/^(0|f|F|false|FALSE|False)$/.test(v)) return false;
  throw new CliExit(125, `invalid argument "${v}" for "${flag}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

async function runHistory(c: CliContext, image: string, o: HistoryOptions): Promise<void> {
  const human = parseBoolFlag('-H, --human', o.human, true);
  const entries = await c.api.get<HistoryEntry[]>(`/images/${encodeURIComponent(image)}/history`);
  let format = o.format || 'table';
  if (format === 'table') format = o.quiet ? '{{.ID}}' : HISTORY_TABLE;
  const now = Date.now();
  const rows = entries.map((e) => new HistoryRow(e, o.trunc !== false, human, now));
  write(c, renderFormat(format, rows, human ? HISTORY_HEADER : { ...HISTORY_HEADER, CreatedSince: 'CREATED AT' }));
}

function define(parent: Command, ctx: () => CliContext): void {
  parent.command('history').description('Show the history of an image').argument('<IMAGE>')
    .addOption(formatOption())
    .option('-H, --human [bool]', 'Print sizes and dates in human readable format (default true)')
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only show image IDs')
    .action(async (image: string, o: HistoryOptions) => withTemplateErrors('listing', () => runHistory(ctx(), image, o)));
}

export function register(program: Command, ctx: () => CliContext): void {
  define(program, ctx);
  define(group(program, 'image', 'Manage images'), ctx);
}
