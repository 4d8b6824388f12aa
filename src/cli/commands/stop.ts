// wharf stop [-t N] [-s SIGNAL] CONTAINER...
import type { Command } from 'commander';
import { enc, forEachContainer } from '../containers/each.js';
import type { CliContext } from '../context.js';
import { addFlags } from '../options/flags.js';

export function register(program: Command, ctx: () => CliContext): void {
  const cmd = program.command('stop').description('Stop one or more running containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]').argument('<containers...>');
  addFlags(cmd, [
    { names: '-t, --time', kind: 'int', desc: 'Seconds to wait before killing the container' },
    { names: '--timeout', kind: 'int', desc: 'Seconds to wait before killing the container', hidden: true },
    { names: '-s, --signal', kind: 'string', desc: 'Signal to send to the container' },
  ]);
  cmd.action(async (names: string[], o: { time?: number; timeout?: number; signal?: string }) => {
    const c = ctx();
    const t = o.time ?? o.timeout;
    await forEachContainer(c, names, (n) => c.api.post(`/containers/${enc(n)}/stop`, undefined, { t, signal: o.signal }));
  });
}
