// wharf pull / push / load / save / import (and their `image ...` forms): the image data paths,
// with progress rendered like docker's jsonmessage.
import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage } from 'node:http';
import type { CliContext } from '../context.js';
import { CliExit } from '../context.js';
import { familiar, parseRef } from '../format/containers.js';
import { displayJsonMessages, JsonMessageError } from '../format/jsonmessage.js';
import { collect, configDir, group, readConfig } from './listing-common.js';

const HUB_KEY = 'https://index.docker.io/v1/';

/** The registry host of a reference (docker.io when the first part is not a host). */
export function registryOf(name: string): string {
  const first = name.split('/')[0]!;
  if (name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return first;
  return 'docker.io';
}

/** docker.io/library/busybox:latest from busybox. */
export function fullyQualified(ref: string): string {
  const r = parseRef(ref);
  if (!r) return ref;
  let name = r.name;
  if (registryOf(name) === 'docker.io' && !name.startsWith('docker.io/')) name = `docker.io/${name.includes('/') ? name : `library/${name}`}`;
  return `${name}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** X-Registry-Auth for a reference from config.json (base64url JSON of AuthConfig). */
export function registryAuthHeader(cmd: Command, ref: string): Record<string, string> {
  const host = registryOf(parseRef(ref)?.name ?? ref);
  const auths = readConfig(configDir(cmd)).auths ?? {};
  const entry = host === 'docker.io' ? auths[HUB_KEY] ?? auths['docker.io'] : auths[host] ?? auths[`https://${host}`] ?? auths[`http://${host}`];
  const auth: Record<string, string> = { serveraddress: host === 'docker.io' ? HUB_KEY : host };
  if (entry?.auth) {
    const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    auth.username = plain.slice(0, i);
    auth.password = plain.slice(i + 1);
  }
  if (entry?.identitytoken) auth.identitytoken = entry.identitytoken;
  return { 'X-Registry-Auth': Buffer.from(JSON.stringify(auth)).toString('base64url') };
}

/** Renders a JSON progress stream to stdout (or nowhere); a {"error"} ends the CLI with exit 1. */
export async function showProgress(c: CliContext, res: IncomingMessage, quiet = false, onAux?: (aux: unknown) => void): Promise<void> {
  const isTerminal = Boolean(c.stdout.isTTY) && !quiet;
  try {
    await displayJsonMessages(res, (s) => { if (!quiet) c.stdout.write(s); }, { isTerminal, columns: c.stdout.columns, onAux: (m) => onAux?.(m.aux) });
  } catch (err) {
    if (err instanceof JsonMessageError) throw new CliExit(1, err.message);
    throw err;
  }
}

function checkRef(ref: string): void {
  if (!parseRef(ref)) throw new CliExit(1, `invalid reference format${/[A-Z]/.test(ref) ? ': repository name must be lowercase' : ''}`);
}

async function runPull(c: CliContext, cmd: Command, ref: string, o: { allTags?: boolean; platform?: string; quiet?: boolean }): Promise<void> {
  checkRef(ref);
  const r = parseRef(ref)!;
  if (o.allTags && (r.tag || r.digest)) throw new CliExit(1, 'tag can\'t be used with --all-tags/-a');
  let tag = r.tag ?? '';
  if (!o.allTags && !r.tag && !r.digest) {
    tag = 'latest';
    if (!o.quiet) c.stdout.write('Using default tag: latest\n');
  }
  const res = await c.api.stream('POST', '/images/create', {
    query: { fromImage: r.name, tag: r.digest ?? tag, platform: o.platform },
    headers: registryAuthHeader(cmd, ref),
  });
  await showProgress(c, res, o.quiet);
  if (!o.allTags) c.stdout.write(`${fullyQualified(r.digest ? ref : `${r.name}:${tag}`)}\n`);
  else if (!o.quiet) c.stdout.write(`${fullyQualified(r.name)}\n`);
}

async function runPush(c: CliContext, cmd: Command, ref: string, o: { allTags?: boolean; quiet?: boolean }): Promise<void> {
  checkRef(ref);
  const r = parseRef(ref)!;
  if (o.allTags && r.tag) throw new CliExit(1, 'tag can\'t be used with --all-tags/-a');
  let tag = r.tag ?? '';
  if (!o.allTags && !r.tag) {
    tag = 'latest';
    if (!o.quiet) c.stdout.write('Using default tag: latest\n');
  }
  const res = await c.api.stream('POST', `/images/${encodeURIComponent(familiar(r.name)).replace(/%2F/g, '/')}/push`, {
    query: { tag: tag || undefined },
    headers: registryAuthHeader(cmd, ref),
  });
  await showProgress(c, res, o.quiet);
  if (o.quiet) c.stdout.write(`${fullyQualified(`${r.name}${tag ? `:${tag}` : ''}`)}\n`);
}

async function runLoad(c: CliContext, o: { input?: string; quiet?: boolean }): Promise<void> {
  if (!o.input && c.stdin.isTTY) throw new CliExit(1, 'requested load from stdin, but stdin is empty');
  const body = o.input ? openInput(o.input) : c.stdin;
  const res = await c.api.stream('POST', '/images/load', { query: { quiet: o.quiet ? '1' : '0' }, body, contentType: 'application/x-tar' });
  if (/json/.test(res.headers['content-type'] ?? '')) await showProgress(c, res);
  else await pipeline(res, c.stdout.stream, { end: false });
}

function openInput(file: string): fs.ReadStream {
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch (err) {
    throw new CliExit(1, `open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  return fs.createReadStream(file);
}

async function runSave(c: CliContext, images: string[], o: { output?: string }): Promise<void> {
  if (!o.output && c.stdout.isTTY) throw new CliExit(1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
  if (o.output) {
    const dir = path.dirname(path.resolve(o.output));
    if (!fs.existsSync(dir)) throw new CliExit(1, `failed to save image: invalid output path: directory "${dir}" does not exist`);
  }
  const res = await c.api.stream('GET', '/images/get', { query: { names: images } });
  if (!o.output) {
    await pipeline(res, c.stdout.stream, { end: false });
    return;
  }
  // Written beside the target and renamed, so a failed save leaves no partial file.
  const tmp = path.join(path.dirname(path.resolve(o.output)), `.docker_temp_${process.pid}_${Date.now()}`);
  try {
    await pipeline(res, fs.createWriteStream(tmp, { mode: 0o600 }));
    fs.renameSync(tmp, o.output);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

async function runImport(c: CliContext, source: string, ref: string | undefined, o: { change?: string[]; message?: string; platform?: string }): Promise<void> {
  if (ref) checkRef(ref);
  const isUrl = /^https?:\/\//.test(source);
  const body = source === '-' ? c.stdin : isUrl ? undefined : openInput(source);
  const res = await c.api.stream('POST', '/images/create', {
    query: { fromSrc: isUrl ? source : '-', repo: ref, message: o.message, platform: o.platform, changes: o.change },
    body,
    contentType: 'application/x-tar',
  });
  await showProgress(c, res);
}

export function register(program: Command, ctx: () => CliContext): void {
  const image = group(program, 'image', 'Manage images');
  for (const parent of [program, image]) {
    const pull = parent.command('pull').description('Pull an image or a repository from a registry').argument('<NAME[:TAG|@DIGEST]>')
      .option('-a, --all-tags', 'Download all tagged images in the repository')
      .option('--platform <string>', 'Set platform if server is multi-platform capable')
      .option('-q, --quiet', 'Suppress verbose output')
      .option('--disable-content-trust', 'Skip image verification (default true)');
    pull.action(async (ref: string, o: { allTags?: boolean; platform?: string; quiet?: boolean }) => runPull(ctx(), pull, ref, o));
    const push = parent.command('push').description('Push an image or a repository to a registry').argument('<NAME[:TAG]>')
      .option('-a, --all-tags', 'Push all tagged images in the repository')
      .option('-q, --quiet', 'Suppress verbose output')
      .option('--disable-content-trust', 'Skip image signing (default true)');
    push.action(async (ref: string, o: { allTags?: boolean; quiet?: boolean }) => runPush(ctx(), push, ref, o));
    parent.command('load').description('Load an image from a tar archive or STDIN')
      .option('-i, --input <string>', 'Read from tar archive file, instead of STDIN')
      .option('-q, --quiet', 'Suppress the load output')
      .action(async (o: { input?: string; quiet?: boolean }) => runLoad(ctx(), o));
    parent.command('save').description('Save one or more images to a tar archive (streamed to STDOUT by default)')
      .argument('<IMAGE...>')
      .option('-o, --output <string>', 'Write to a file, instead of STDOUT')
      .action(async (images: string[], o: { output?: string }) => runSave(ctx(), images, o));
    parent.command('import').description('Import the contents from a tarball to create a filesystem image')
      .argument('<file|URL|->').argument('[REPOSITORY[:TAG]]')
      .option('-c, --change <value>', 'Apply Dockerfile instruction to the created image', collect)
      .option('-m, --message <string>', 'Set commit message for imported image')
      .option('--platform <string>', 'Set platform if server is multi-platform capable')
      .action(async (source: string, ref: string | undefined, o: { change?: string[]; message?: string; platform?: string }) => runImport(ctx(), source, ref, o));
  }
}
