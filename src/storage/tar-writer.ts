/** Minimal deterministic tar (ustar + PAX) header encoding, binary-safe for xattr values. */
import type { TarEntryType } from './tar-reader.js';

export interface TarWriteHeader {
  name: string;
  type: TarEntryType;
  size?: number;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch (integer part used). */
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<string, Buffer>;
}

const FLAGS: Record<TarEntryType, string> = { file: '0', link: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };
const MAX_OCTAL_11 = 0o77777777777;
const MAX_OCTAL_7 = 0o7777777;

/** Two zero blocks: the end-of-archive marker. */
export const TAR_END = Buffer.alloc(1024);

/** Zero bytes padding `size` bytes of data to a 512-byte boundary. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((512 - (size % 512)) % 512);
}

/** Header block(s) for one entry: a PAX extended header first when a field does not fit ustar. */
export function encodeTarHeader(h: TarWriteHeader): Buffer {
  const size = h.type === 'file' ? h.size ?? 0 : 0;
  const name = h.type === 'dir' && !h.name.endsWith('/') ? h.name + '/' : h.name;
  const linkname = h.linkname ?? '';
  const pax: [string, Buffer][] = [];
  if (Buffer.byteLength(name) > 100) pax.push(['path', Buffer.from(name)]);
  if (Buffer.byteLength(linkname) > 100) pax.push(['linkpath', Buffer.from(linkname)]);
  if (size > MAX_OCTAL_11) pax.push(['size', Buffer.from(String(size))]);
  if (h.uid > MAX_OCTAL_7) pax.push(['uid', Buffer.from(String(h.uid))]);
  if (h.gid > MAX_OCTAL_7) pax.push(['gid', Buffer.from(String(h.gid))]);
  for (const [k, v] of [...(h.xattrs ?? new Map<string, Buffer>())].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    pax.push(['SCHILY.xattr.' + k, v]);
  }
  const main = ustarBlock({
    name: truncateUtf8(name, 100), flag: FLAGS[h.type], size: Math.min(size, MAX_OCTAL_11),
    mode: h.mode & 0o7777, uid: Math.min(h.uid, MAX_OCTAL_7), gid: Math.min(h.gid, MAX_OCTAL_7),
    mtime: Math.max(0, Math.floor(h.mtime)), linkname: truncateUtf8(linkname, 100),
    devmajor: h.devmajor ?? 0, devminor: h.devminor ?? 0,
  });
  if (pax.length === 0) return main;
  const body = Buffer.concat(pax.map(([k, v]) => paxRecord(k, v)));
  const paxHdr = ustarBlock({
    name: truncateUtf8('PaxHeaders/' + name, 100), flag: 'x', size: body.length, mode: 0o644, uid: 0, gid: 0,
    mtime: Math.max(0, Math.floor(h.mtime)), linkname: '', devmajor: 0, devminor: 0,
  });
  return Buffer.concat([paxHdr, body, tarPadding(body.length), main]);
}

function paxRecord(key: string, value: Buffer): Buffer {
  const rest = Buffer.byteLength(key) + value.length + 3; // ' ' '=' '\n'
  let len = rest + 1;
  while (len !== rest + String(len).length) len = rest + String(len).length;
  return Buffer.concat([Buffer.from(`${len} ${key}=`), value, Buffer.from('\n')]);
}

interface Block {
  name: string; flag: string; size: number; mode: number; uid: number; gid: number; mtime: number;
  linkname: string; devmajor: number; devminor: number;
}

function ustarBlock(f: Block): Buffer {
  const b = Buffer.alloc(512);
  b.write(f.name, 0, 100, 'utf8');
  octal(b, 100, 8, f.mode);
  octal(b, 108, 8, f.uid);
  octal(b, 116, 8, f.gid);
  octal(b, 124, 12, f.size);
  octal(b, 136, 12, f.mtime);
  b.write(f.flag, 156, 1, 'latin1');
  b.write(f.linkname, 157, 100, 'utf8');
  b.write('ustar\u000000', 257, 8, 'latin1');
  octal(b, 329, 8, f.devmajor);
  octal(b, 337, 8, f.devminor);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += b[i]!;
  b.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 8, 'latin1');
  return b;
}

function octal(b: Buffer, off: number, len: number, v: number): void {
  b.write(v.toString(8).padStart(len - 1, '0') + '\u0000', off, len, 'latin1');
}

function truncateUtf8(s: string, max: number): string {
  const buf = Buffer.from(s);
  if (buf.length <= max) return s;
  return buf.subarray(0, max).toString('utf8').replace(/\uFFFD+$/, '');
}
