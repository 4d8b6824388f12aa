// wharf kill [-s SIGNAL] CONTAINER...
import type { Command } from 'commander';
import { enc, forEachContainer } from '../containers/each.js';
import type { CliContext } from '../context.js';
import { addFlags } from '../options/flags.js';

export function register(program: Command, ctx: () => CliContext): void {
  const cmd = program.command('kill').description('Kill one or more running containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]').argument('<containers...>');
  addFlags(cmd, [{ names: '-s, --signal', kind: 'string', desc: 'Signal to send to the container' }]);
  cmd.action(async (names: string[], o: { signal?: string }) => {
    const c = ctx();
    await forEachContainer(c, names, (n) => c.api.post(`/containers/${enc(n)}/kill`, undefined, { signal: o.signal }));
  });
}
