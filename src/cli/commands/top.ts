// wharf top CONTAINER [ps OPTIONS]: the daemon's ps table, aligned as Docker's tabwriter does.
import type { Command } from 'commander';
import { enc } from '../containers/each.js';
import type { CliContext } from '../context.js';
import { DOCKER_WIDE, tabwrite } from '../format/tabwriter.js';

export function register(program: Command, ctx: () => CliContext): void {
  program.command('top').description('Display the running processes of a container').usage('CONTAINER [ps OPTIONS]')
    .argument('<container>').argument('[psArgs...]').passThroughOptions().allowUnknownOption()
    .action(async (name: string, psArgs: string[]) => {
      const c = ctx();
      const r = await c.api.get<{ Titles: string[]; Processes: string[][] | null }>(`/containers/${enc(name)}/top`, { ps_args: psArgs.length ? psArgs.join(' ') : undefined });
      const lines = [r.Titles.join('\t'), ...(r.Processes ?? []).map((p) => p.join('\t'))];
      c.stdout.write(tabwrite(lines.join('\n') + '\n', DOCKER_WIDE));
    });
}
