// wharf rename CONTAINER NEW_NAME
import type { Command } from 'commander';
import { enc } from '../containers/each.js';
import { CliExit, type CliContext } from '../context.js';
import { errorText } from '../containers/each.js';

export function register(program: Command, ctx: () => CliContext): void {
  program.command('rename').description('Rename a container').usage('CONTAINER NEW_NAME')
    .argument('<container>').argument('<newName>')
    .action(async (container: string, newName: string) => {
      const c = ctx();
      if (newName.trim() === '') throw new CliExit(1, 'Error: Neither old nor new names may be empty');
      try {
        await c.api.post(`/containers/${enc(container)}/rename`, undefined, { name: newName });
      } catch (err) {
        throw new CliExit(1, `${errorText(err)}\nError: failed to rename container named ${container}`);
      }
    });
}
