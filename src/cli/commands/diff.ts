// wharf diff CONTAINER: changes to the container's filesystem (C changed, A added, D deleted).
import type { Command } from 'commander';
import { enc } from '../containers/each.js';
import type { CliContext } from '../context.js';

const KIND = ['C', 'A', 'D'];

export function register(program: Command, ctx: () => CliContext): void {
  program.command('diff').description("Inspect changes to files or directories on a container's filesystem")
    .usage('CONTAINER').argument('<container>')
    .action(async (name: string) => {
      const c = ctx();
      const changes = await c.api.get<Array<{ Kind: number; Path: string }> | null>(`/containers/${enc(name)}/changes`);
      c.stdout.write((changes ?? []).map((ch) => `${KIND[ch.Kind] ?? '?'} ${ch.Path}\n`).join(''));
    });
}
