/**
 * Streaming tar parser (ustar, GNU long names, PAX incl. SCHILY/LIBARCHIVE xattrs, base-256 numbers).
 * Push chunks in; headers and data slices come out synchronously through the handler, so the
 * consumer can write without extra copies or promises per entry. Every header checksum is verified.
 */

export type TarEntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

export interface TarHeader {
  name: string;
  type: TarEntryType;
  size: number;
  /** Permission bits including setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Modification time in seconds (may be fractional from PAX). */
  mtime: number;
  /** Link target for symlinks and hard links. */
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes from PAX records. */
  xattrs: Map<string, Buffer>;
}

export interface TarHandler {
  /** A new entry; its `size` bytes of data follow through onData (files only carry data). */
  onEntry(h: TarHeader): void;
  onData(chunk: Buffer): void;
  onEntryEnd(): void;
}

export class TarFormatError extends Error {
  constructor(msg: string) { super(msg); this.name = 'TarFormatError'; }
}

const BLOCK = 512;
const TYPES: Record<string, TarEntryType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'link', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo',
};

type State = 'header' | 'data' | 'padding' | 'meta' | 'end';

export class TarReader {
  private state: State = 'header';
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private remaining = 0; // data bytes left in the current entry (or meta record)
  private padding = 0;
  private metaType = '';
  private metaBufs: Buffer[] = [];
  private pax = new Map<string, Buffer>();
  private globalPax = new Map<string, Buffer>();
  private longName: string | null = null;
  private longLink: string | null = null;
  private entryName = '';

  constructor(private readonly handler: TarHandler) {}

  /** True once the end-of-archive marker (a zero block) has been read. */
  get ended(): boolean { return this.state === 'end'; }

  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length && this.state !== 'end') {
      if (this.state === 'data') {
        const n = Math.min(this.remaining, chunk.length - off);
        this.handler.onData(chunk.subarray(off, off + n));
        off += n;
        this.remaining -= n;
        if (this.remaining === 0) this.finishData();
      } else if (this.state === 'meta') {
        const n = Math.min(this.remaining, chunk.length - off);
        this.metaBufs.push(chunk.subarray(off, off + n));
        off += n;
        this.remaining -= n;
        if (this.remaining === 0) this.finishMeta();
      } else if (this.state === 'padding') {
        const n = Math.min(this.padding, chunk.length - off);
        off += n;
        this.padding -= n;
        if (this.padding === 0) this.state = 'header';
      } else {
        const need = BLOCK - this.pendingLen;
        const n = Math.min(need, chunk.length - off);
        if (n === BLOCK) {
          this.header(chunk.subarray(off, off + BLOCK));
        } else {
          this.pending.push(chunk.subarray(off, off + n));
          this.pendingLen += n;
          if (this.pendingLen === BLOCK) {
            const block = Buffer.concat(this.pending, BLOCK);
            this.pending = [];
            this.pendingLen = 0;
            this.header(block);
          }
        }
        off += n;
      }
    }
  }

  /** Call at end of input: throws if the archive was cut short. */
  finish(): void {
    if (this.state === 'end') return;
    if (this.state === 'header' && this.pendingLen === 0) {
      throw new TarFormatError('truncated tar archive: missing end-of-archive marker');
    }
    throw new TarFormatError(`truncated tar archive${this.entryName ? ` in entry ${JSON.stringify(this.entryName)}` : ''}`);
  }

  private finishData(): void {
    this.handler.onEntryEnd();
    this.toPadding();
  }

  private toPadding(): void {
    this.padding = this.lastSize % BLOCK === 0 ? 0 : BLOCK - (this.lastSize % BLOCK);
    this.state = this.padding ? 'padding' : 'header';
  }

  private lastSize = 0;

  private header(b: Buffer): void {
    if (isZero(b)) { this.state = 'end'; return; }
    verifyChecksum(b);
    const typeflag = String.fromCharCode(b[156]!);
    const size = readNumber(b, 124, 12, 'size');
    this.lastSize = size;
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > 16 << 20) throw new TarFormatError(`tar metadata record too large (${size} bytes)`);
      this.metaType = typeflag;
      this.metaBufs = [];
      this.remaining = size;
      this.state = 'meta';
      if (size === 0) this.finishMeta();
      return;
    }
    const type = TYPES[typeflag];
    if (!type) {
      const what = typeflag === 'S' ? 'GNU sparse files are not supported' : `unsupported tar entry type ${JSON.stringify(typeflag)}`;
      throw new TarFormatError(`${what} (entry ${JSON.stringify(readString(b, 0, 100))})`);
    }
    const prefix = isUstar(b) ? readString(b, 345, 155) : '';
    let name = this.longName ?? (prefix ? prefix + '/' + readString(b, 0, 100) : readString(b, 0, 100));
    let linkname = this.longLink ?? readString(b, 157, 100);
    const h: TarHeader = {
      name, type, size: type === 'file' ? size : 0,
      mode: readNumber(b, 100, 8, 'mode') & 0o7777,
      uid: readNumber(b, 108, 8, 'uid'), gid: readNumber(b, 116, 8, 'gid'),
      mtime: readNumber(b, 136, 12, 'mtime'),
      linkname, devmajor: 0, devminor: 0, xattrs: new Map(),
    };
    if (type === 'char' || type === 'block') {
      h.devmajor = readNumber(b, 329, 8, 'devmajor');
      h.devminor = readNumber(b, 337, 8, 'devminor');
    }
    for (const recs of [this.globalPax, this.pax]) applyPax(h, recs);
    if (h.type !== 'file') h.size = 0; // hard links etc. carry no data even if size is set (only skip it)
    this.pax = new Map();
    this.longName = this.longLink = null;
    this.entryName = h.name;
    const dataSize = type === 'file' ? h.size : size;
    this.handler.onEntry(h);
    this.lastSize = dataSize;
    if (dataSize === 0) { this.handler.onEntryEnd(); this.state = 'header'; return; }
    if (type !== 'file') {
      // Data on a non-file entry is skipped, not written.
      this.handler.onEntryEnd();
      this.padding = dataSize + (dataSize % BLOCK === 0 ? 0 : BLOCK - (dataSize % BLOCK));
      this.state = 'padding';
      return;
    }
    this.remaining = dataSize;
    this.state = 'data';
  }

  private finishMeta(): void {
    const data = Buffer.concat(this.metaBufs);
    this.metaBufs = [];
    if (this.metaType === 'L') this.longName = readString(data, 0, data.length);
    else if (this.metaType === 'K') this.longLink = readString(data, 0, data.length);
    else parsePax(data, this.metaType === 'g' ? this.globalPax : this.pax);
    this.toPadding();
  }
}

function isZero(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

function isUstar(b: Buffer): boolean {
  return b.toString('latin1', 257, 262) === 'ustar';
}

function verifyChecksum(b: Buffer): void {
  const stored = readNumber(b, 148, 8, 'checksum');
  // The checksum field itself counts as 8 spaces.
  let unsigned = 8 * 32;
  for (let i = 0; i < 148; i++) unsigned += b[i]!;
  for (let i = 156; i < BLOCK; i++) unsigned += b[i]!;
  if (stored === unsigned) return;
  // Some old tars summed signed bytes.
  let signed = unsigned;
  for (let i = 0; i < BLOCK; i++) if ((i < 148 || i >= 156) && b[i]! > 127) signed -= 256;
  if (stored !== signed) {
    throw new TarFormatError(`invalid tar header checksum (corrupt archive) near entry ${JSON.stringify(readString(b, 0, 100))}`);
  }
}

function readString(b: Buffer, off: number, len: number): string {
  let end = off;
  const max = Math.min(off + len, b.length);
  while (end < max && b[end] !== 0) end++;
  return b.toString('utf8', off, end);
}

/** Octal (NUL/space padded) or GNU base-256 numeric field. */
export function readNumber(b: Buffer, off: number, len: number, field: string): number {
  if (b[off]! & 0x80) {
    if (b[off] === 0xff) throw new TarFormatError(`negative tar ${field} field`);
    let v = b[off]! & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + b[off + i]!;
    if (!Number.isSafeInteger(v)) throw new TarFormatError(`tar ${field} field out of range`);
    return v;
  }
  let i = off;
  const end = off + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) throw new TarFormatError(`invalid octal number in tar ${field} field`);
    v = v * 8 + (c - 0x30);
    digits++;
  }
  for (; i < end; i++) if (b[i] !== 0 && b[i] !== 0x20) throw new TarFormatError(`invalid octal number in tar ${field} field`);
  void digits;
  return v;
}

/** PAX records "<len> <key>=<value>\n"; values kept as bytes (xattr values are binary). */
export function parsePax(data: Buffer, into: Map<string, Buffer>): void {
  let off = 0;
  while (off < data.length) {
    if (data[off] === 0) break;
    const sp = data.indexOf(0x20, off);
    if (sp < 0) throw new TarFormatError('invalid PAX header record');
    const len = Number(data.toString('latin1', off, sp));
    if (!Number.isInteger(len) || len <= sp - off + 1 || off + len > data.length || data[off + len - 1] !== 0x0a) {
      throw new TarFormatError('invalid PAX header record length');
    }
    const rec = data.subarray(sp + 1, off + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw new TarFormatError('invalid PAX header record (no "=")');
    into.set(rec.toString('utf8', 0, eq), rec.subarray(eq + 1));
    off += len;
  }
}

function applyPax(h: TarHeader, recs: Map<string, Buffer>): void {
  for (const [k, v] of recs) {
    switch (k) {
      case 'path': h.name = v.toString('utf8'); break;
      case 'linkpath': h.linkname = v.toString('utf8'); break;
      case 'size': h.size = paxInt(v, k); break;
      case 'uid': h.uid = paxInt(v, k); break;
      case 'gid': h.gid = paxInt(v, k); break;
      case 'mtime': {
        const t = Number(v.toString('latin1'));
        if (!Number.isFinite(t)) throw new TarFormatError('invalid PAX mtime');
        h.mtime = t;
        break;
      }
      default:
        if (k.startsWith('SCHILY.xattr.')) h.xattrs.set(k.slice(13), Buffer.from(v));
        else if (k.startsWith('LIBARCHIVE.xattr.')) h.xattrs.set(decodeURIComponent(k.slice(17)), Buffer.from(v.toString('latin1'), 'base64'));
        else if (k.startsWith('GNU.sparse.')) throw new TarFormatError('GNU sparse files are not supported');
    }
  }
}

function paxInt(v: Buffer, key: string): number {
  const s = v.toString('latin1');
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new TarFormatError(`invalid PAX ${key} ${JSON.stringify(s)}`);
  return Number(s);
}
