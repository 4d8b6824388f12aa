// wharf export [-o FILE] CONTAINER: the container's filesystem as a tar archive.
import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { enc } from '../containers/each.js';
import { CliExit, type CliContext } from '../context.js';
import { addFlags } from '../options/flags.js';

export function register(program: Command, ctx: () => CliContext): void {
  const cmd = program.command('export').description("Export a container's filesystem as a tar archive")
    .usage('[OPTIONS] CONTAINER').argument('<container>');
  addFlags(cmd, [{ names: '-o, --output', kind: 'string', desc: 'Write to a file, instead of STDOUT' }]);
  cmd.action(async (name: string, o: { output?: string }) => {
    const c = ctx();
    if (!o.output && c.stdout.isTTY) throw new CliExit(1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
    const res = await c.api.stream('GET', `/containers/${enc(name)}/export`);
    if (o.output) await pipeline(res, createWriteStream(o.output));
    else await pipeline(res, c.stdout.stream, { end: false });
  });
}
