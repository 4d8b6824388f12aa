// wharf commit [-a] [-c] [-m] [-p] CONTAINER [REPOSITORY[:TAG]]: prints the new image ID.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { addFlags } from '../options/flags.js';
import { splitReference } from '../containers/create.js';

export function register(program: Command, ctx: () => CliContext): void {
  const cmd = program.command('commit').description("Create a new image from a container's changes")
    .usage('[OPTIONS] CONTAINER [REPOSITORY[:TAG]]').argument('<container>').argument('[repository]');
  addFlags(cmd, [
    { names: '-a, --author', kind: 'string', desc: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    { names: '-c, --change', kind: 'list', desc: 'Apply Dockerfile instruction to the created image' },
    { names: '-m, --message', kind: 'string', desc: 'Commit message' },
    { names: '-p, --pause', kind: 'bool', desc: 'Pause container during commit', default: true },
  ]);
  cmd.action(async (container: string, repository: string | undefined, o: { author?: string; change?: string[]; message?: string; pause?: boolean }) => {
    const c = ctx();
    let repo: string | undefined;
    let tag: string | undefined;
    if (repository) {
      const ref = splitReference(repository);
      repo = ref.name;
      tag = repository.includes('@') ? undefined : ref.tag;
    }
    const r = await c.api.call<{ Id: string }>('POST', '/commit', {
      query: { container, repo, tag, comment: o.message, author: o.author, pause: o.pause !== false, changes: o.change },
    });
    c.stdout.write(`${r.body.Id}\n`);
  });
}
