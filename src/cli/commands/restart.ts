// wharf restart [-t N] [-s SIGNAL] CONTAINER...
import type { Command } from 'commander';
import { enc, forEachContainer } from '../containers/each.js';
import type { CliContext } from '../context.js';
import { addFlags } from '../options/flags.js';

export function register(program: Command, ctx: () => CliContext): void {
  const cmd = program.command('restart').description('Restart one or more containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]').argument('<containers...>');
  addFlags(cmd, [
    { names: '-t, --time', kind: 'int', desc: 'Seconds to wait before killing the container' },
    { names: '-s, --signal', kind: 'string', desc: 'Signal to send to the container' },
  ]);
  cmd.action(async (names: string[], o: { time?: number; signal?: string }) => {
    const c = ctx();
    await forEachContainer(c, names, (n) => c.api.post(`/containers/${enc(n)}/restart`, undefined, { t: o.time, signal: o.signal }));
  });
}
