// Creating a container as `docker create`/`run` do: --pull policy (pulling a missing image with
// "Unable to find image ... locally" and the progress on stderr), --cidfile, create warnings.
import { existsSync, writeFileSync } from 'node:fs';
import { ApiError } from '../client.js';
import { CliExit, type CliContext } from '../context.js';
import { displayJsonMessages } from '../format/jsonmessage.js';
import { OptionError } from '../options/flags.js';
import type { CreateRequest } from '../options/create-body.js';

/** busybox -> {fromImage: busybox, tag: latest}; digests are passed as the tag, as Docker does. */
export function splitReference(ref: string): { name: string; tag: string; display: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { name: ref.slice(0, at), tag: ref.slice(at + 1), display: ref };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { name: ref.slice(0, colon), tag: ref.slice(colon + 1), display: ref };
  return { name: ref, tag: 'latest', display: `${ref}:latest` };
}

export async function pullImage(ctx: CliContext, ref: string, platform: string | undefined, quiet: boolean): Promise<void> {
  const { name, tag } = splitReference(ref);
  const res = await ctx.api.stream('POST', '/images/create', { query: { fromImage: name, tag, platform } });
  const write = quiet ? () => {} : (s: string) => { ctx.stderr.write(s); };
  await displayJsonMessages(res, write, { isTerminal: !!ctx.stderr.isTTY, columns: ctx.stderr.columns });
}

function isNoSuchImage(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404 && /no such image/i.test(err.message);
}

/** The daemon's answer to a failed create/start as `docker run` prints it. */
export function runError(cmdName: string, err: unknown, code = 125): CliExit {
  const text = err instanceof ApiError ? `Error response from daemon: ${err.message}` : (err as Error).message;
  return new CliExit(code, `wharf: ${text}\n\nRun 'wharf ${cmdName} --help' for more information`);
}

/** Creates the container (pulling its image per --pull); returns its ID. */
export async function createContainer(ctx: CliContext, req: CreateRequest, o: { pull?: string; quiet?: boolean; cidfile?: string }, cmdName: string): Promise<string> {
  const pull = o.pull ?? 'missing';
  if (!['always', 'missing', 'never'].includes(pull)) throw new OptionError(`invalid pull option: '${pull}': must be one of "always", "missing" or "never"`);
  if (o.cidfile && existsSync(o.cidfile)) throw new CliExit(125, `wharf: Container ID file found, make sure the other container isn't running or delete ${o.cidfile}\n\nRun 'wharf ${cmdName} --help' for more information`);
  const image = req.body.Image as string;
  const create = () => ctx.api.call<{ Id: string; Warnings?: string[] | null }>('POST', '/containers/create', { query: req.query, body: req.body });
  let res;
  try {
    if (pull === 'always') await pullImage(ctx, image, req.query.platform, !!o.quiet);
    try {
      res = await create();
    } catch (err) {
      if (!isNoSuchImage(err) || pull !== 'missing') throw err;
      ctx.stderr.write(`Unable to find image '${splitReference(image).display}' locally\n`);
      await pullImage(ctx, image, req.query.platform, !!o.quiet);
      res = await create();
    }
  } catch (err) {
    if (err instanceof CliExit || err instanceof OptionError) throw err;
    throw runError(cmdName, err);
  }
  for (const w of res.body.Warnings ?? []) ctx.stderr.write(`WARNING: ${w}\n`);
  if (o.cidfile) writeFileSync(o.cidfile, res.body.Id);
  return res.body.Id;
}

/** Docker's exit code for a failed start: 127 command not found, 126 not executable, else 125. */
export function startErrorCode(message: string): number {
  if (/executable file not found|no such file or directory|system cannot find the file specified/.test(message)) return 127;
  if (/permission denied|is a directory/i.test(message)) return 126;
  return 125;
}
