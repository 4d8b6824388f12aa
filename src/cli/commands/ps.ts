// wharf ps / container ls: the container table (docker 20.10's flags, formats and columns).
import type { Command } from 'commander';
import { ContainerRow, PS_HEADER, PS_QUIET, PS_TABLE, type ContainerSummary } from '../format/containers.js';
import { renderFormat } from '../format/formatter.js';
import type { CliContext } from '../context.js';
import { CliExit } from '../context.js';
import { withTemplateErrors, configDir, filterOption, filtersJson, formatOption, readConfig, write } from './listing-common.js';

interface PsOptions {
  all?: boolean;
  quiet?: boolean;
  size?: boolean;
  last?: string;
  latest?: boolean;
  filter?: string[];
  format?: string;
  trunc?: boolean;
}

/** NewContainerFormat: "table" → the default table (with SIZE for -s), -q → IDs. */
export function psFormat(format: string, quiet: boolean, size: boolean): string {
  if (format === 'table') {
    if (quiet) return PS_QUIET;
    return size ? `${PS_TABLE}\t{{.Size}}` : PS_TABLE;
  }
  if (format === 'raw') {
    if (quiet) return 'container_id: {{.ID}}';
    return `container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\nstate: {{- pad .State 1 0}}\nstatus: {{- pad .Status 1 0}}\nnames: {{.Names}}\nlabels: {{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\n${size ? 'size: {{.Size}}\n' : ''}`;
  }
  return format;
}

/** Runs the template on a probe row and reports whether it called Size(), as docker does. */
function templateUsesSize(format: string): boolean {
  let used = false;
  class Probe extends ContainerRow {
    override Size(): string {
      used = true;
      return '';
    }
  }
  try {
    renderFormat(format, [new Probe({ Id: '' }, true)], PS_HEADER);
  } catch { /* a template error shows up in the real run */ }
  return used;
}

async function runPs(c: CliContext, cmd: Command, o: PsOptions): Promise<void> {
  let last = -1;
  if (o.last !== undefined) {
    if (!/^-?\d+$/.test(o.last)) throw new CliExit(125, `invalid argument "${o.last}" for "-n, --last" flag: strconv.ParseInt: parsing "${o.last}": invalid syntax`);
    last = Number(o.last);
  }
  if (o.latest && last === -1) last = 1;
  let format = o.format ?? '';
  if (!format) {
    const cfg = readConfig(configDir(cmd));
    format = cfg.psFormat && !o.quiet ? cfg.psFormat : 'table';
  }
  // A custom template that reads .Size (directly or through {{json .}}) asks the daemon for sizes.
  const size = Boolean(o.size) || (format !== 'table' && format !== 'raw' && templateUsesSize(format));
  const list = await c.api.get<ContainerSummary[]>('/containers/json', {
    all: o.all ? '1' : undefined,
    limit: last > 0 ? last : undefined,
    size: size ? '1' : undefined,
    filters: filtersJson(o.filter),
  });
  const now = Date.now();
  const rows = list.map((x) => new ContainerRow(x, o.trunc !== false, now));
  write(c, renderFormat(psFormat(format, Boolean(o.quiet), Boolean(o.size)), rows, PS_HEADER));
}

function define(parent: Command, name: string, aliases: string[], ctx: () => CliContext): void {
  const cmd = parent.command(name).aliases(aliases).description('List containers')
    .option('-a, --all', 'Show all containers (default shows just running)')
    .option('-q, --quiet', 'Only display container IDs')
    .option('-s, --size', 'Display total file sizes')
    .option('-n, --last <int>', 'Show n last created containers (includes all states)')
    .option('-l, --latest', 'Show the latest created container (includes all states)')
    .addOption(filterOption())
    .addOption(formatOption())
    .option('--no-trunc', "Don't truncate output");
  cmd.action(async (o: PsOptions) => withTemplateErrors('ps', () => runPs(ctx(), cmd, o)));
}

export function register(program: Command, ctx: () => CliContext): void {
  define(program, 'ps', [], ctx);
  // `container ls` is rewritten to `ps` before parsing (argv.ts).
}
