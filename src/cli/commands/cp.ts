// wharf cp CONTAINER:SRC DEST | SRC CONTAINER:DEST (- for a tar on stdin/stdout), through
// /containers/{id}/archive, with Docker's rules for what the copy is called at the destination.
import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ApiError } from '../client.js';
import { enc, errorText } from '../containers/each.js';
import { packPath, unpackInto } from '../containers/cp-tar.js';
import { CliExit, type CliContext } from '../context.js';
import { addFlags } from '../options/flags.js';

interface PathStat { name: string; size: number; mode: number; mtime: string; linkTarget: string }
const DIR_BIT = 0x80000000; // Go's os.ModeDir

function splitCpArg(arg: string): { container?: string; path: string } {
  if (path.isAbsolute(arg) || arg.startsWith('.')) return { path: arg };
  const i = arg.indexOf(':');
  if (i <= 0) return { path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

function decodeStat(header: string | string[] | undefined): PathStat | undefined {
  if (typeof header !== 'string') return undefined;
  return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as PathStat;
}

const endsWithSep = (p: string): boolean => p.endsWith('/') || p.endsWith('/.');

async function fromContainer(c: CliContext, container: string, src: string, dest: string): Promise<void> {
  const res = await c.api.stream('GET', `/containers/${enc(container)}/archive`, { query: { path: src } });
  if (dest === '-') {
    await pipeline(res, c.stdout.stream, { end: false });
    return;
  }
  const stat = decodeStat(res.headers['x-docker-container-path-stat']);
  const srcBase = stat?.name ?? path.basename(src);
  const srcIsDir = stat ? (stat.mode & DIR_BIT) !== 0 : false;
  const contentsOnly = src.endsWith('/.');
  let destStat: fs.Stats | undefined;
  try { destStat = fs.statSync(dest); } catch { /* does not exist */ }
  if (destStat?.isDirectory()) {
    await unpackInto(res, dest, srcBase, contentsOnly ? '' : srcBase);
    return;
  }
  if (!destStat && endsWithSep(dest) && !srcIsDir) { res.destroy(); throw new CliExit(1, `Error: destination directory ${JSON.stringify(dest)} must exist`); }
  if (destStat && srcIsDir) { res.destroy(); throw new CliExit(1, `Error: cannot copy a directory to a file: ${dest}`); }
  if (!fs.existsSync(path.dirname(path.resolve(dest)))) { res.destroy(); throw new CliExit(1, `Error: no such directory: ${path.dirname(dest)}`); }
  await unpackInto(res, path.dirname(path.resolve(dest)), srcBase, path.basename(dest));
}

async function toContainer(c: CliContext, src: string, container: string, dest: string, o: { archive?: boolean; followLink?: boolean }): Promise<void> {
  const put = (dir: string, body: NodeJS.ReadableStream) => c.api.call('PUT', `/containers/${enc(container)}/archive`, {
    query: { path: dir, noOverwriteDirNonDir: true, copyUIDGID: o.archive || undefined }, body, contentType: 'application/x-tar',
  });
  if (src === '-') {
    await put(dest, c.stdin);
    return;
  }
  let srcStat: fs.Stats;
  try {
    srcStat = o.followLink ? fs.statSync(src) : fs.lstatSync(src);
  } catch {
    throw new CliExit(1, `lstat ${path.resolve(src)}: no such file or directory`);
  }
  let destStat: PathStat | undefined;
  try {
    const head = await c.api.call('HEAD', `/containers/${enc(container)}/archive`, { query: { path: dest } });
    destStat = decodeStat(head.headers['x-docker-container-path-stat']);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
  const destIsDir = destStat ? (destStat.mode & DIR_BIT) !== 0 : false;
  const srcBase = path.basename(path.resolve(src));
  let dir: string;
  let root: string;
  if (destIsDir) {
    dir = dest;
    root = src.endsWith('/.') ? '.' : srcBase;
  } else {
    if (destStat && srcStat.isDirectory()) throw new CliExit(1, `Error: cannot copy a directory to a file: ${dest}`);
    if (!destStat && endsWithSep(dest) && !srcStat.isDirectory()) throw new CliExit(1, `Error: destination directory ${JSON.stringify(dest)} must exist`);
    dir = path.posix.dirname(dest) || '/';
    root = path.posix.basename(dest);
  }
  await put(dir, await packPath(src, root, !!o.followLink));
}

export function register(program: Command, ctx: () => CliContext): void {
  const cmd = program.command('cp').description('Copy files/folders between a container and the local filesystem')
    .usage('[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\twharf cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH')
    .argument('<src>').argument('<dest>');
  addFlags(cmd, [
    { names: '-a, --archive', kind: 'bool', desc: 'Archive mode (copy all uid/gid information)' },
    { names: '-L, --follow-link', kind: 'bool', desc: 'Always follow symbol link in SRC_PATH' },
    { names: '-q, --quiet', kind: 'bool', desc: 'Suppress progress output during copy' },
  ]);
  cmd.action(async (srcArg: string, destArg: string, o: { archive?: boolean; followLink?: boolean }) => {
    const c = ctx();
    const src = splitCpArg(srcArg);
    const dest = splitCpArg(destArg);
    if (src.container && dest.container) throw new CliExit(1, 'copying between containers is not supported');
    if (!src.container && !dest.container) throw new CliExit(1, 'must specify at least one container source');
    try {
      if (src.container) await fromContainer(c, src.container, src.path, dest.path);
      else await toContainer(c, src.path, dest.container!, dest.path, o);
    } catch (err) {
      if (err instanceof CliExit) throw err;
      throw new CliExit(1, errorText(err));
    }
  });
}
