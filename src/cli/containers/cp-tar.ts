// The tar side of `wharf cp`: packing a host path (its root entry renamed as Docker's
// RebaseArchiveEntries does) and unpacking the daemon's archive into a host directory.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

type TarStream = typeof import('tar-stream');
const loadTar = async (): Promise<TarStream> => ((await import('tar-stream')) as unknown as { default: TarStream }).default ?? (await import('tar-stream'));

/** "a/b" with first component `from` -> `to` ("" drops it). */
export function rebase(name: string, from: string, to: string): string {
  const clean = name.replace(/^\.\//, '');
  if (clean === from || clean === `${from}/`) return to;
  if (clean.startsWith(`${from}/`)) return to + clean.slice(from.length);
  return clean;
}

/** A tar of `src` whose root entry is called `rootName`. */
export async function packPath(src: string, rootName: string, followLink: boolean): Promise<Readable> {
  const tar = await loadTar();
  const pack = tar.pack();
  const add = async (p: string, name: string, top: boolean): Promise<void> => {
    const st = top && followLink ? await fs.promises.stat(p) : await fs.promises.lstat(p);
    const base = { name, mode: st.mode & 0o7777, mtime: st.mtime, uid: st.uid, gid: st.gid };
    if (st.isDirectory()) {
      pack.entry({ ...base, type: 'directory' });
      for (const child of (await fs.promises.readdir(p)).sort()) await add(path.join(p, child), `${name}/${child}`, false);
    } else if (st.isSymbolicLink()) {
      pack.entry({ ...base, type: 'symlink', linkname: await fs.promises.readlink(p) });
    } else if (st.isFile()) {
      await new Promise<void>((resolve, reject) => {
        const entry = pack.entry({ ...base, type: 'file', size: st.size }, (err) => (err ? reject(err) : resolve()));
        fs.createReadStream(p).on('error', reject).pipe(entry);
      });
    }
  };
  add(src, rootName, true).then(() => pack.finalize(), (err) => pack.destroy(err as Error));
  return pack as unknown as Readable;
}

/** Unpacks `input` under `dir`, renaming the root entry `from` to `to` (Docker's copy semantics). */
export async function unpackInto(input: Readable, dir: string, from: string, to: string): Promise<void> {
  const tar = await loadTar();
  const extract = tar.extract();
  const root = path.resolve(dir);
  const times: Array<[string, Date]> = [];
  extract.on('entry', (header, stream, next) => {
    const name = rebase(header.name, from, to);
    const target = path.resolve(root, name);
    if (target !== root && !target.startsWith(root + path.sep)) { stream.resume(); next(); return; }
    const done = (err?: unknown): void => {
      if (err) { extract.destroy(err as Error); return; }
      if (header.mtime) times.push([target, header.mtime]);
      next();
    };
    const mode = (header.mode ?? 0o644) & 0o7777;
    try {
      if (header.type === 'directory') {
        fs.mkdirSync(target, { recursive: true });
        fs.chmodSync(target, mode);
        stream.resume();
        stream.on('end', () => done());
      } else if (header.type === 'symlink') {
        fs.rmSync(target, { force: true });
        fs.symlinkSync(header.linkname ?? '', target);
        stream.resume();
        stream.on('end', () => done());
      } else if (header.type === 'link') {
        fs.rmSync(target, { force: true });
        fs.linkSync(path.resolve(root, rebase(header.linkname ?? '', from, to)), target);
        stream.resume();
        stream.on('end', () => done());
      } else if (header.type === 'file' || header.type === 'contiguous-file') {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        if (fs.existsSync(target) && fs.lstatSync(target).isDirectory()) throw new Error(`cannot overwrite directory ${target} with non-directory`);
        fs.rmSync(target, { force: true });
        pipeline(stream, fs.createWriteStream(target, { mode })).then(() => { fs.chmodSync(target, mode); done(); }, done);
      } else {
        stream.resume();
        stream.on('end', () => done());
      }
    } catch (err) {
      stream.resume();
      done(err);
    }
  });
  await pipeline(input, extract);
  // Directory times last: writing their children changed them.
  for (const [p, t] of times.reverse()) {
    try { fs.lutimesSync(p, t, t); } catch { /* best effort */ }
  }
}
