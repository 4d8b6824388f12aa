// `wharf container ...`: the management form. `container <verb>` is rewritten to the top-level
// command before parsing (see argv.ts); what remains here is what has no top-level form (prune).
import type { Command } from 'commander';
import { CliExit, type CliContext } from '../context.js';
import { humanSize } from '../format/units.js';
import { addFlags } from '../options/flags.js';
import { confirm, group } from './listing-common.js';
import { pruneContainers } from './system.js';

export function register(program: Command, ctx: () => CliContext): void {
  const prune = group(program, 'container', 'Manage containers').command('prune')
    .description('Remove all stopped containers').usage('[OPTIONS]');
  addFlags(prune, [
    { names: '--filter', kind: 'list', desc: 'Provide filter values (e.g. "until=<timestamp>")' },
    { names: '-f, --force', kind: 'bool', desc: 'Do not prompt for confirmation' },
  ]);
  prune.action(async (o: { filter?: string[]; force?: boolean }) => {
    const c = ctx();
    if (!o.force && !(await confirm(c, 'WARNING! This will remove all stopped containers.'))) throw new CliExit(0);
    const r = await pruneContainers(c, o.filter);
    c.stdout.write(`${r.text}${r.text ? '\n' : ''}Total reclaimed space: ${humanSize(r.space)}\n`);
  });
}
