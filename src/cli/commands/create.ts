// wharf create: the run flags -> POST /containers/create (pulling a missing image); prints the ID.
import type { Command } from 'commander';
import { createContainer } from '../containers/create.js';
import type { CliContext } from '../context.js';
import { buildCreateRequest, type RunOptions } from '../options/create-body.js';
import { addFlags } from '../options/flags.js';
import { CONTAINER_FLAGS, RUN_USAGE } from '../options/run-flags.js';
import { terminalSize } from '../tty/terminal.js';

export function register(program: Command, ctx: () => CliContext): void {
  const cmd = program.command('create')
    .description('Create a new container')
    .usage(RUN_USAGE)
    .argument('<image>')
    .argument('[command...]')
    .passThroughOptions();
  addFlags(cmd, CONTAINER_FLAGS);
  cmd.action(async (image: string, args: string[], o: RunOptions) => {
    const c = ctx();
    const req = buildCreateRequest(o, image, args, false, terminalSize(c.stdout));
    const id = await createContainer(c, req, o, 'create');
    c.stdout.write(`${id}\n`);
  });
}
