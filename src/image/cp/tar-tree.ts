// Streams a directory tree as tar entries without following symlinks or leaving the tree: every
// entry is looked up relative to its open parent directory fd (see scoped-root.ts). Keeps hard
// links (within the archive), symlinks, devices, FIFOs, owners, modes and mtimes; skips sockets.
import * as fs from 'node:fs';
import { encodeTarHeader, tarPadding, type TarWriteHeader, type TarEntryType } from '../../storage/index.js';
import { at, DIR_FLAGS } from './scoped-root.js';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
const CHUNK = 1 << 20;

/** Hard-link bookkeeping for one archive: dev:ino -> name of the first entry. */
export type LinkMap = Map<string, string>;

function typeOf(st: fs.Stats): TarEntryType | null {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return null; // socket
}

function header(st: fs.Stats, name: string, type: TarEntryType): TarWriteHeader {
  const h: TarWriteHeader = { name, type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtimeMs / 1000 };
  if (type === 'char' || type === 'block') {
    const d = BigInt(st.rdev);
    h.devmajor = Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn));
    h.devminor = Number((d & 0xffn) | ((d >> 12n) & 0xffffff00n));
  }
  return h;
}

const gone = (err: unknown) => ['ENOENT', 'ENOTDIR', 'ELOOP'].includes((err as NodeJS.ErrnoException).code ?? '');

/**
 * Entries for `name` inside the directory `parentFd`, named `tarName` in the archive (a directory
 * with all its contents). Something removed while we walk is skipped, as tar(1) does.
 */
export async function* tarEntry(parentFd: number, name: string, tarName: string, links: LinkMap): AsyncGenerator<Buffer> {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(at(parentFd, name));
  } catch (err) {
    if (gone(err)) return;
    throw err;
  }
  const type = typeOf(st);
  if (type === null) return;
  if (type === 'dir') {
    let fd: number;
    try { fd = fs.openSync(at(parentFd, name), DIR_FLAGS); } catch (err) { if (gone(err)) return; throw err; }
    try {
      yield* tarDir(fd, fs.fstatSync(fd), tarName, links);
    } finally {
      fs.closeSync(fd);
    }
    return;
  }
  if (type === 'file') {
    yield* tarFile(parentFd, name, tarName, links);
    return;
  }
  const h = header(st, tarName, type);
  if (type === 'symlink') {
    try { h.linkname = fs.readlinkSync(at(parentFd, name)); } catch (err) { if (gone(err)) return; throw err; }
  }
  yield encodeTarHeader(h);
}

/** The directory open as `fd`: its own entry (unless `tarName` is '') and everything below it. */
export async function* tarDir(fd: number, st: fs.Stats, tarName: string, links: LinkMap): AsyncGenerator<Buffer> {
  if (tarName !== '') yield encodeTarHeader(header(st, tarName, 'dir'));
  const prefix = tarName === '' ? '' : tarName.replace(/\/+$/, '') + '/';
  const names = fs.readdirSync(at(fd)).sort();
  for (const child of names) yield* tarEntry(fd, child, prefix + child, links);
}

async function* tarFile(parentFd: number, name: string, tarName: string, links: LinkMap): AsyncGenerator<Buffer> {
  let fd: number;
  try {
    // O_NONBLOCK: should a FIFO be swapped in meanwhile, the open must not hang.
    fd = fs.openSync(at(parentFd, name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    if (gone(err)) return;
    throw err;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return;
    const h = header(st, tarName, 'file');
    if (st.nlink > 1) {
      const id = `${st.dev}:${st.ino}`;
      const first = links.get(id);
      if (first !== undefined) {
        yield encodeTarHeader({ ...h, type: 'link', linkname: first });
        return;
      }
      links.set(id, tarName);
    }
    const size = st.size;
    yield encodeTarHeader({ ...h, size });
    let pos = 0;
    while (pos < size) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, size - pos));
      const n = await new Promise<number>((res, rej) => fs.read(fd, buf, 0, buf.length, pos, (e, r) => (e ? rej(e) : res(r))));
      if (n === 0) break;
      pos += n;
      yield n === buf.length ? buf : buf.subarray(0, n);
    }
    // A file that shrank while being read is padded with zeros (as GNU tar does) to keep the archive valid.
    if (pos < size) yield Buffer.alloc(size - pos);
    yield tarPadding(size);
  } finally {
    fs.closeSync(fd);
  }
}
