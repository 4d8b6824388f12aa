// wharf wait CONTAINER...: blocks until each stops, prints the exit codes.
import type { Command } from 'commander';
import { enc, forEachContainer } from '../containers/each.js';
import type { CliContext } from '../context.js';

export function register(program: Command, ctx: () => CliContext): void {
  program.command('wait').description('Block until one or more containers stop, then print their exit codes')
    .usage('CONTAINER [CONTAINER...]').argument('<containers...>')
    .action(async (names: string[]) => {
      const c = ctx();
      await forEachContainer(c, names, async (n) => {
        const r = await c.api.post<{ StatusCode: number; Error?: { Message?: string } | null }>(`/containers/${enc(n)}/wait`);
        if (r.Error?.Message) throw new Error(r.Error.Message);
        c.stdout.write(`${r.StatusCode}\n`);
      }, false);
    });
}
