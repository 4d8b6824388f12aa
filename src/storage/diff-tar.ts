/** A layer tar of a container's changes, with OCI whiteouts: the base of commit and build. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import type { Snapshotter } from './snapshotter.js';
import { changes, comparePaths, isWhiteoutDevice } from './diff.js';
import { dumpXattrs } from './sys.js';
import { encodeTarHeader, tarPadding, TAR_END, type TarWriteHeader } from './tar-writer.js';
import type { TarEntryType } from './tar-reader.js';

const OPAQUE_XATTR = 'trusted.overlay.opaque';

/**
 * Uncompressed layer tar of the changes of active snapshot `key`: added/modified entries with
 * full metadata (owners, modes, times, xattrs), deletions as `.wh.<name>`, opaque dirs as
 * `.wh..wh..opq` right after the dir; entries sorted by path (deterministic), hard links within
 * the change set kept as links. Parent dirs of changes are included.
 */
export interface DiffTarOptions {
  /** Leaves out changes at these paths (and below): e.g. a container's mount targets. */
  exclude?: (path: string) => boolean;
  /** Filled with the changed paths the tar leaves out (excluded, sockets), e.g. to drop them from the upper dir. */
  skipped?: string[];
}

export function diffTar(snaps: Snapshotter, key: string, opts: DiffTarOptions = {}): Readable {
  return Readable.from(generate(snaps, key, opts), { objectMode: false, highWaterMark: 1 << 20 });
}

async function* generate(snaps: Snapshotter, key: string, opts: DiffTarOptions): AsyncGenerator<Buffer> {
  // getfattr runs in its own process: let it work while the tree is walked.
  const root = snaps.upperDir(key);
  const xattrsP = dumpXattrs(root);
  xattrsP.catch(() => {}); // awaited below; no unhandled rejection if changes() throws first
  const all = await changes(snaps, key, snaps.driver === 'overlay' ? xattrsP : undefined); // one getfattr of the upper dir for both
  const list = opts.exclude ? all.filter((c) => !opts.exclude!(c.Path)) : all;
  if (opts.skipped && opts.exclude) opts.skipped.push(...all.filter((c) => opts.exclude!(c.Path)).map((c) => c.Path));
  const xattrs = await xattrsP;
  const overlay = snaps.driver === 'overlay';
  const deleted = new Set(list.filter((c) => c.Kind === 2).map((c) => c.Path));
  const links = new Map<string, string>(); // dev:ino -> first tar name
  const entries = list.filter((c) => c.Kind !== 2 || !coveredByOpaque(c.Path, root, xattrs, overlay));
  for (const e of entries.sort((a, b) => comparePaths(tarName(a.Path, a.Kind), tarName(b.Path, b.Kind)))) {
    const name = e.Path.slice(1);
    if (e.Kind === 2) {
      const parent = fs.lstatSync(path.join(root, path.dirname(name)), { throwIfNoEntry: false });
      yield encodeTarHeader({ name: tarName(e.Path, 2), type: 'file', mode: 0o600, uid: 0, gid: 0, mtime: parent ? parent.mtimeMs / 1000 : 0 });
      continue;
    }
    const abs = path.join(root, name);
    const st = fs.lstatSync(abs);
    if (st.isSocket()) { opts.skipped?.push(e.Path); continue; } // runtime state, not layer content (as Docker)
    const x = new Map([...(xattrs.get(abs) ?? [])].filter(([k]) => !k.startsWith('trusted.overlay.')));
    const h: TarWriteHeader = { name, type: typeOf(st), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtimeMs / 1000, xattrs: x };
    if (h.type === 'symlink') h.linkname = fs.readlinkSync(abs);
    if (h.type === 'char' || h.type === 'block') { h.devmajor = major(st.rdev); h.devminor = minor(st.rdev); }
    if (h.type === 'file' && st.nlink > 1) {
      const id = `${st.dev}:${st.ino}`;
      const first = links.get(id);
      if (first !== undefined) { h.type = 'link'; h.linkname = first; } else links.set(id, name);
    }
    if (h.type !== 'file') {
      yield encodeTarHeader(h);
      if (h.type === 'dir' && overlay && xattrs.get(abs)?.get(OPAQUE_XATTR)?.toString() === 'y' && !deleted.has(e.Path)) {
        yield encodeTarHeader({ name: name + '/.wh..wh..opq', type: 'file', mode: 0o600, uid: 0, gid: 0, mtime: h.mtime });
      }
      continue;
    }
    yield* fileEntry(abs, h, st.size);
  }
  yield TAR_END;
}

async function* fileEntry(abs: string, h: TarWriteHeader, size: number): AsyncGenerator<Buffer> {
  h.size = size;
  yield encodeTarHeader(h);
  if (size === 0) return;
  let left = size;
  for await (const chunk of fs.createReadStream(abs, { highWaterMark: 1 << 20, end: size - 1 })) {
    const b = chunk as Buffer;
    yield b.length > left ? b.subarray(0, left) : b;
    left -= Math.min(b.length, left);
  }
  if (left > 0) throw new Error(`${abs} shrank while being archived`);
  yield tarPadding(size);
}

/** Deletions under an overlay opaque dir are expressed by the opaque marker, not one whiteout each. */
function coveredByOpaque(p: string, root: string, xattrs: Map<string, Map<string, Buffer>>, overlay: boolean): boolean {
  if (!overlay) return false;
  const dir = path.join(root, path.posix.dirname(p));
  return xattrs.get(dir)?.get(OPAQUE_XATTR)?.toString() === 'y' && !isWhiteoutAt(path.join(root, p));
}

function isWhiteoutAt(abs: string): boolean {
  const st = fs.lstatSync(abs, { throwIfNoEntry: false });
  return !!st && isWhiteoutDevice(st);
}

function tarName(p: string, kind: number): string {
  return kind === 2 ? path.posix.join(path.posix.dirname(p), '.wh.' + path.posix.basename(p)).slice(1) : p.slice(1);
}

function typeOf(st: fs.Stats): TarEntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  return 'fifo';
}

function major(dev: number): number {
  const d = BigInt(dev);
  return Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn));
}
function minor(dev: number): number {
  const d = BigInt(dev);
  return Number((d & 0xffn) | ((d >> 12n) & 0xffffff00n));
}
