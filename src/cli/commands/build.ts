// wharf build / image build: sends the context tar to POST /build (classic builder API) and
// renders its stream; -q prints only the image ID, --iidfile writes it.
import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CliContext } from '../context.js';
import { CliExit } from '../context.js';
import { displayJsonMessages, JsonMessageError } from '../format/jsonmessage.js';
import { humanSize } from '../format/units.js';
import { dockerfileOnlyContext, looksLikeArchive, packContext } from './build-context.js';
import { collect, configDir, group, readConfig } from './listing-common.js';

interface BuildOptions {
  tag?: string[];
  file?: string;
  buildArg?: string[];
  label?: string[];
  target?: string;
  cache?: boolean;
  pull?: boolean;
  quiet?: boolean;
  iidfile?: string;
  platform?: string;
  network?: string;
  rm?: boolean;
  forceRm?: boolean;
  cacheFrom?: string[];
}

async function readAllStdin(c: CliContext): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const ch of c.stdin) chunks.push(typeof ch === 'string' ? Buffer.from(ch) : (ch as Buffer));
  return Buffer.concat(chunks);
}

/** --build-arg k=v, or k alone: the value comes from the environment (unset: null). */
function buildArgs(list: string[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const a of list) {
    const i = a.indexOf('=');
    if (i < 0) out[a] = process.env[a] ?? null;
    else out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}

function labels(list: string[]): Record<string, string> {
  return Object.fromEntries(list.map((l) => {
    const i = l.indexOf('=');
    return i < 0 ? [l, ''] : [l.slice(0, i), l.slice(i + 1)];
  }));
}

/** X-Registry-Config: every stored registry credential, base64url JSON. */
function registryConfig(cmd: Command): string {
  const auths = readConfig(configDir(cmd)).auths ?? {};
  const out: Record<string, Record<string, string>> = {};
  for (const [server, a] of Object.entries(auths)) {
    const entry: Record<string, string> = { serveraddress: server };
    if (a.auth) {
      const plain = Buffer.from(a.auth, 'base64').toString('utf8');
      const i = plain.indexOf(':');
      entry.username = plain.slice(0, i);
      entry.password = plain.slice(i + 1);
    }
    if (a.identitytoken) entry.identitytoken = a.identitytoken;
    out[server] = entry;
  }
  return Buffer.from(JSON.stringify(out)).toString('base64url');
}

/** The context tar and the Dockerfile path inside it. */
async function prepareContext(c: CliContext, context: string, o: BuildOptions): Promise<{ tar: Buffer; dockerfile?: string }> {
  if (context === '-') {
    if (o.file === '-') throw new CliExit(1, 'invalid argument: can\'t use stdin for both build context and dockerfile');
    const data = await readAllStdin(c);
    if (looksLikeArchive(data)) return { tar: data, dockerfile: o.file };
    return { tar: await dockerfileOnlyContext(data), dockerfile: 'Dockerfile' };
  }
  if (/^(https?|git):\/\/|^git@|^github\.com\//.test(context)) throw new CliExit(1, 'remote build contexts are not supported by this CLI');
  const dir = path.resolve(context);
  if (o.file === '-') {
    const data = await readAllStdin(c);
    const name = `.dockerfile.${randomHex(10)}`;
    return { tar: await packContext(dir, ['.dockerignore'], { name, data }), dockerfile: name };
  }
  const dockerfile = o.file ? path.resolve(o.file) : path.join(dir, 'Dockerfile');
  if (!fs.existsSync(dockerfile)) {
    throw new CliExit(1, `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${dockerfile}: no such file or directory`);
  }
  const rel = path.relative(dir, dockerfile);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    // A Dockerfile outside the context travels inside it under a random name.
    const name = `.dockerfile.${randomHex(10)}`;
    return { tar: await packContext(dir, ['.dockerignore'], { name, data: fs.readFileSync(dockerfile) }), dockerfile: name };
  }
  const relPosix = rel.split(path.sep).join('/');
  return { tar: await packContext(dir, [relPosix, '.dockerignore']), dockerfile: relPosix };
}

async function runBuild(c: CliContext, cmd: Command, context: string, o: BuildOptions): Promise<void> {
  const { tar, dockerfile } = await prepareContext(c, context, o);
  if (!o.quiet) c.stdout.write(`Sending build context to Docker daemon  ${humanSize(tar.length).padStart(8)}\n`);
  const res = await c.api.stream('POST', '/build', {
    query: {
      t: o.tag?.length ? o.tag : undefined,
      dockerfile,
      buildargs: o.buildArg?.length ? JSON.stringify(buildArgs(o.buildArg)) : undefined,
      labels: o.label?.length ? JSON.stringify(labels(o.label)) : undefined,
      target: o.target,
      nocache: o.cache === false ? '1' : undefined,
      pull: o.pull ? '1' : undefined,
      q: o.quiet ? '1' : undefined,
      rm: o.rm === false ? '0' : '1',
      forcerm: o.forceRm ? '1' : undefined,
      platform: o.platform,
      networkmode: o.network,
      cachefrom: o.cacheFrom?.length ? JSON.stringify(o.cacheFrom) : undefined,
    },
    body: tar,
    contentType: 'application/x-tar',
    headers: { 'X-Registry-Config': registryConfig(cmd) },
  });
  let imageID = '';
  let quietOut = '';
  const isTerminal = Boolean(c.stdout.isTTY) && !o.quiet;
  try {
    await displayJsonMessages(res, (s) => { if (o.quiet) quietOut += s; else c.stdout.write(s); }, {
      isTerminal,
      columns: c.stdout.columns,
      onAux: (m) => {
        const id = (m.aux as { ID?: string } | null)?.ID;
        if (id) imageID = id;
      },
    });
  } catch (err) {
    if (err instanceof JsonMessageError) throw new CliExit(err.code && err.code > 0 && err.code < 256 ? err.code : 1, err.message);
    throw err;
  }
  if (o.quiet) {
    imageID = quietOut.trim() || imageID;
    c.stdout.write(quietOut || `${imageID}\n`);
  }
  if (o.iidfile) {
    if (!imageID) throw new CliExit(1, `Server did not provide an image ID. Cannot write ${o.iidfile}`);
    fs.writeFileSync(o.iidfile, imageID);
  }
}

export function register(program: Command, ctx: () => CliContext): void {
  for (const parent of [program, group(program, 'image', 'Manage images')]) {
    const cmd = parent.command('build').description('Build an image from a Dockerfile').argument('<PATH | URL | ->')
      .option('-t, --tag <name:tag>', "Name and optionally a tag in the 'name:tag' format", collect)
      .option('-f, --file <string>', "Name of the Dockerfile (Default is 'PATH/Dockerfile')")
      .option('--build-arg <list>', 'Set build-time variables', collect)
      .option('--label <list>', 'Set metadata for an image', collect)
      .option('--target <string>', 'Set the target build stage to build.')
      .option('--no-cache', 'Do not use cache when building the image')
      .option('--pull', 'Always attempt to pull a newer version of the image')
      .option('-q, --quiet', 'Suppress the build output and print image ID on success')
      .option('--iidfile <string>', 'Write the image ID to the file')
      .option('--platform <string>', 'Set platform if server is multi-platform capable')
      .option('--network <string>', 'Set the networking mode for the RUN instructions during build')
      .option('--cache-from <strings>', 'Images to consider as cache sources', collect)
      .option('--rm [bool]', 'Remove intermediate containers after a successful build (default true)')
      .option('--force-rm', 'Always remove intermediate containers');
    cmd.action(async (context: string, o: BuildOptions) => {
      if (typeof o.rm === 'string') o.rm = !/^(0|f|false)$/i.test(o.rm);
      await runBuild(ctx(), cmd, context, o);
    });
  }
}

/** Web crypto (a global): importing node:crypto would cost every command start-up time. */
function randomHex(bytes: number): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
}
