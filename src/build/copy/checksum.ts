// Docker's (legacy builder) cache checksums of COPY/ADD sources, so history reads as Docker's:
// a file hashes as sha256 over tarsum-v1 header fields (name, mode with type bits, uid, gid,
// size, typeflag, linkname, uname, gname, devmajor, devminor) then its content; a directory as
// sha256 over the sorted, comma-joined hashes of itself and everything below it.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

function typeflag(st: fs.Stats): string {
  if (st.isDirectory()) return '5';
  if (st.isSymbolicLink()) return '2';
  if (st.isCharacterDevice()) return '3';
  if (st.isBlockDevice()) return '4';
  if (st.isFIFO()) return '6';
  return '0';
}

/** Hash of one entry named `rel` (relative to the source root) at host path `p`. */
export function entryHash(p: string, rel: string, st = fs.lstatSync(p)): string {
  const h = createHash('sha256');
  const isDir = st.isDirectory();
  const dev = st.isCharacterDevice() || st.isBlockDevice();
  const rdev = BigInt(st.rdev);
  const fields: Array<[string, string]> = [
    ['name', isDir && !rel.endsWith('/') ? rel + '/' : rel],
    ['mode', String(st.mode)],
    ['uid', String(st.uid)],
    ['gid', String(st.gid)],
    ['size', String(st.isFile() ? st.size : 0)],
    ['typeflag', typeflag(st)],
    ['linkname', st.isSymbolicLink() ? fs.readlinkSync(p) : ''],
    ['uname', ''],
    ['gname', ''],
    ['devmajor', dev ? String(Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn))) : '0'],
    ['devminor', dev ? String(Number((rdev & 0xffn) | ((rdev >> 12n) & 0xffffff00n))) : '0'],
  ];
  for (const [k, v] of fields) h.update(k + v);
  if (st.isFile() && st.size > 0) {
    const fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
    } finally {
      fs.closeSync(fd);
    }
  }
  return h.digest('hex');
}

/** "file:<hex>" or "dir:<hex>" of a source at host path `p`, named `rel` inside its root. */
export function sourceHash(p: string, rel: string): string {
  const st = fs.lstatSync(p);
  if (!st.isDirectory()) return 'file:' + entryHash(p, rel, st);
  const hashes: string[] = [];
  // The context root itself ('.') is left out and its entries are named without a prefix.
  const walk = (dir: string, r: string, s: fs.Stats): void => {
    if (r !== '.') hashes.push(entryHash(dir, r, s));
    for (const name of fs.readdirSync(dir).sort()) {
      const cp = path.join(dir, name);
      const cs = fs.lstatSync(cp);
      const cr = r === '.' ? name : `${r}/${name}`;
      if (cs.isDirectory()) walk(cp, cr, cs);
      else hashes.push(entryHash(cp, cr, cs));
    }
  };
  walk(p, rel, st);
  hashes.sort();
  return 'dir:' + createHash('sha256').update(hashes.join(',')).digest('hex');
}

/** Docker's hash of several sources: "multi:" + sha256 of the comma-joined hashes. */
export function combinedHash(hashes: string[]): string {
  if (hashes.length === 1) return hashes[0]!;
  return 'multi:' + createHash('sha256').update(hashes.join(',')).digest('hex');
}
