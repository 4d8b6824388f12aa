// The build context the CLI sends: the context directory as a tar, minus what .dockerignore
// excludes (Dockerfile and .dockerignore always kept), owned by root as docker sends it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import dockerignore from '@balena/dockerignore';
import tar from 'tar-stream';
import { readIgnorePatterns } from '../../common/dockerignore.js';
import { CliExit } from '../context.js';

/** Relative paths (posix) of the context to send, in walk order; directories end without '/'. */
export function contextEntries(dir: string, keep: string[]): string[] {
  let patterns: string[] = [];
  try {
    patterns = readIgnorePatterns(fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8'));
  } catch { /* no .dockerignore */ }
  // A CommonJS module: its default export may sit under .default depending on the loader.
  const factory = ((dockerignore as unknown as { default?: unknown }).default ?? dockerignore) as unknown as () => { add(p: string[]): { ignores(p: string): boolean } };
  const ig = factory().add(patterns);
  const hasExceptions = patterns.some((p) => p.startsWith('!'));
  const ignored = (rel: string): boolean => patterns.length > 0 && !keep.includes(rel) && ig.ignores(rel);
  const out: string[] = [];
  const walk = (rel: string): void => {
    const abs = rel ? path.join(dir, rel) : dir;
    for (const name of fs.readdirSync(abs).sort()) {
      const child = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(path.join(dir, child));
      if (st.isDirectory()) {
        const skip = ignored(child);
        if (skip && !hasExceptions) continue;
        if (!skip) out.push(child);
        walk(child);
      } else if (!ignored(child)) {
        out.push(child);
      }
    }
  };
  walk('');
  return out;
}

/** Packs the context (plus an outside Dockerfile under `extraName`) into a tar buffer. */
export async function packContext(dir: string, keep: string[], extra?: { name: string; data: Buffer }): Promise<Buffer> {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new CliExit(1, `unable to prepare context: path "${dir}" not found`);
  }
  if (!st.isDirectory()) throw new CliExit(1, `unable to prepare context: context must be a directory: ${dir}`);
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => { chunks.push(c as Buffer); });
  const done = new Promise<void>((resolve, reject) => { pack.on('end', resolve); pack.on('error', reject); });
  const add = (header: Parameters<typeof pack.entry>[0], data?: Buffer): Promise<void> => new Promise((resolve, reject) => {
    pack.entry({ uid: 0, gid: 0, uname: '', gname: '', ...header }, data ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
  });
  for (const rel of contextEntries(dir, keep)) {
    const abs = path.join(dir, rel);
    const s = fs.lstatSync(abs);
    const base = { name: rel, mode: s.mode & 0o7777, mtime: s.mtime };
    if (s.isDirectory()) await add({ ...base, type: 'directory' });
    else if (s.isSymbolicLink()) await add({ ...base, type: 'symlink', linkname: fs.readlinkSync(abs) });
    else if (s.isFile()) {
      let data: Buffer;
      try {
        data = fs.readFileSync(abs);
      } catch (err) {
        throw new CliExit(1, `error checking context: can't stat '${abs}': ${(err as Error).message}`);
      }
      await add({ ...base, type: 'file', size: data.length }, data);
    }
  }
  if (extra) await add({ name: extra.name, mode: 0o600, mtime: new Date(), type: 'file', size: extra.data.length }, extra.data);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** True when the bytes start a tar or a compressed stream (docker's IsArchive check for `-`). */
export function looksLikeArchive(head: Buffer): boolean {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true;
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return true;
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return true;
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return true;
  return head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
}

/** A tar holding only a Dockerfile (context '-' with a plain Dockerfile on stdin). */
export async function dockerfileOnlyContext(data: Buffer, name = 'Dockerfile'): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => { chunks.push(c as Buffer); });
  const done = new Promise<void>((resolve) => pack.on('end', resolve));
  pack.entry({ name, size: data.length, mode: 0o600, uid: 0, gid: 0 }, data);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}
