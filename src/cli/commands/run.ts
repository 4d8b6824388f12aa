// wharf run: create -> attach -> wait -> start, in Docker's order; the container's exit code
// becomes the CLI's, 125 for flag and daemon errors, 126/127 when the command cannot be run.
import type { Command } from 'commander';
import { ApiError } from '../client.js';
import { checkTty, runAttached } from '../containers/attached.js';
import { createContainer, runError, startErrorCode } from '../containers/create.js';
import { CliExit, type CliContext } from '../context.js';
import { buildCreateRequest, type RunOptions } from '../options/create-body.js';
import { addFlags } from '../options/flags.js';
import { CONTAINER_FLAGS, RUN_ONLY_FLAGS, RUN_USAGE } from '../options/run-flags.js';
import { parseDetachKeys } from '../../common/detach-keys.js';
import { terminalSize } from '../tty/terminal.js';

async function run(ctx: CliContext, image: string, cmd: string[], o: RunOptions): Promise<number> {
  const req = buildCreateRequest(o, image, cmd, true, terminalSize(ctx.stdout));
  const body = req.body;
  const attachStdin = body.AttachStdin as boolean;
  const tty = body.Tty as boolean;
  if (!o.detach) checkTty(ctx, attachStdin, tty);
  if (o.detachKeys) {
    try {
      parseDetachKeys(o.detachKeys);
    } catch (err) {
      throw new CliExit(125, `wharf: ${(err as Error).message}\n\nRun 'wharf run --help' for more information`);
    }
  }
  const id = await createContainer(ctx, req, o, 'run');
  const start = async (): Promise<void> => {
    try {
      await ctx.api.post(`/containers/${id}/start`);
    } catch (err) {
      const msg = err instanceof ApiError ? err.message : (err as Error).message;
      throw runError('run', err, startErrorCode(msg));
    }
  };
  if (o.detach) {
    await start();
    ctx.stdout.write(`${id}\n`);
    return 0;
  }
  return runAttached(ctx, {
    id,
    tty,
    stdin: attachStdin,
    stdout: body.AttachStdout as boolean,
    stderr: body.AttachStderr as boolean,
    detachKeys: o.detachKeys,
    sigProxy: o.sigProxy !== false,
    condition: o.rm ? 'removed' : 'next-exit',
  }, start);
}

export function defineRun(parent: Command, ctx: () => CliContext): Command {
  const cmd = parent.command('run')
    .description('Create and run a new container from an image')
    .usage(RUN_USAGE)
    .argument('<image>')
    .argument('[command...]')
    .passThroughOptions();
  addFlags(cmd, [...CONTAINER_FLAGS, ...RUN_ONLY_FLAGS]);
  cmd.action(async (image: string, args: string[], o: RunOptions) => {
    const code = await run(ctx(), image, args, o);
    if (code !== 0) throw new CliExit(code);
  });
  return cmd;
}

export function register(program: Command, ctx: () => CliContext): void {
  defineRun(program, ctx);
}
