// wharf pause / unpause CONTAINER...
import type { Command } from 'commander';
import { enc, forEachContainer } from '../containers/each.js';
import type { CliContext } from '../context.js';

export function register(program: Command, ctx: () => CliContext): void {
  for (const [verb, desc] of [['pause', 'Pause all processes within one or more containers'], ['unpause', 'Unpause all processes within one or more containers']] as const) {
    program.command(verb).description(desc).usage('CONTAINER [CONTAINER...]').argument('<containers...>')
      .action(async (names: string[]) => {
        const c = ctx();
        await forEachContainer(c, names, (n) => c.api.post(`/containers/${enc(n)}/${verb}`));
      });
  }
}
