// wharf rm [-f] [-v] [-l] CONTAINER...
import type { Command } from 'commander';
import { enc, forEachContainer } from '../containers/each.js';
import type { CliContext } from '../context.js';
import { addFlags } from '../options/flags.js';

export function register(program: Command, ctx: () => CliContext): void {
  const cmd = program.command('rm').description('Remove one or more containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]').argument('<containers...>');
  addFlags(cmd, [
    { names: '-f, --force', kind: 'bool', desc: 'Force the removal of a running container (uses SIGKILL)' },
    { names: '-l, --link', kind: 'bool', desc: 'Remove the specified link' },
    { names: '-v, --volumes', kind: 'bool', desc: 'Remove anonymous volumes associated with the container' },
  ]);
  cmd.action(async (names: string[], o: { force?: boolean; link?: boolean; volumes?: boolean }) => {
    const c = ctx();
    await forEachContainer(c, names, (n) => c.api.delete(`/containers/${enc(n.replace(/^\//, ''))}`, { force: o.force || undefined, v: o.volumes || undefined, link: o.link || undefined }));
  });
}
