/**
 * Writes tar entries into a root directory without ever leaving it: each path is cleaned
 * lexically, then walked component by component with lstat (never following a symlink), and
 * files are created with O_EXCL|O_NOFOLLOW. Synchronous fs calls keep the per-entry cost near
 * tar(1)'s; the caller feeds bounded chunks, so the event loop is only held briefly.
 *
 * Speed: entries are created optimistically (EEXIST is the rare case that looks at what is
 * there), and the data of larger files is written by the libuv thread pool while parsing goes
 * on. Those writes go through the file's descriptor only (never a path), so what later entries
 * do to the tree cannot redirect them; callers must await drain() between chunks and finish().
 */
import * as fs from 'node:fs';
import type { TarHandler, TarHeader } from './tar-reader.js';
import { mknod, mknodMany, mknodManyAsync, setXattr, type NodeSpec } from './sys.js';

export type WhiteoutMode = 'overlay' | 'delete';

export class UnsafeEntryError extends Error {
  constructor(readonly entry: string, msg: string) {
    super(`layer entry ${JSON.stringify(entry)}: ${msg}`);
    this.name = 'UnsafeEntryError';
  }
}

const WH = '.wh.';
const OPAQUE = '.wh..wh..opq';
const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_DIRECTORY } = fs.constants;
const IS_ROOT = process.getuid?.() === 0;
const EUID = process.geteuid?.() ?? -1;
const EGID = process.getegid?.() ?? -1;
const S_ISGID = 0o2000;
/** Files at least this big get their data written in the background (small ones cost less inline). */
const ASYNC_MIN_SIZE = 32 * 1024;
/** Bounds on background work before drain() makes the caller wait. */
const MAX_PENDING_BYTES = 64 << 20;
const MAX_PENDING_FILES = 64; // each may pin a whole input chunk

/** A file whose data is being written in the background; closed when `done` settles. */
interface AsyncFile { fd: number; pos: number; writes: Promise<void>[]; meta: MetaNeeds }

/** Which metadata calls a new file still needs (creation may have given it the right ones). */
interface MetaNeeds { chown: boolean; chmod: boolean }

/** A device node or FIFO waiting to be created in a batch (see queueNode). */
interface PendingNode extends NodeSpec { rel: string; h: TarHeader }

function isEexist(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'EEXIST';
}

/** pwrite all of `buf` at `pos` on the thread pool. */
function writeAllAt(fd: number, buf: Buffer, pos: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (off: number): void => {
      fs.write(fd, buf, off, buf.length - off, pos + off, (err, n) => {
        if (err) return reject(err);
        if (off + n < buf.length) step(off + n); else resolve();
      });
    };
    step(0);
  });
}

/** Lexically clean a tar name into components; rejects absolute names and `..` leaving the root. */
export function cleanEntryPath(name: string): string[] {
  if (name.startsWith('/')) throw new UnsafeEntryError(name, 'absolute path not allowed in a layer');
  const parts: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (parts.length === 0) throw new UnsafeEntryError(name, 'path escapes the layer root ("..")');
      parts.pop();
    } else {
      parts.push(p);
    }
  }
  return parts;
}

export class Extractor implements TarHandler {
  /** Relative paths this archive created (whiteouts only hide parent content, never these). */
  private created = new Set<string>();
  /** Relative paths verified to be real directories (cache for the lstat walk). */
  private dirs = new Set<string>(['']);
  /** Directory metadata applied after their children are written. */
  private deferred = new Map<string, TarHeader>();
  private fd = -1;
  private cur: TarHeader | null = null;
  private curPath = '';
  /** The current file when its data goes to the thread pool. */
  private bg: AsyncFile | null = null;
  /** Background files not yet finished, and the bytes they still have to write. */
  private pending = new Set<Promise<void>>();
  private pendingBytes = 0;
  private failure: Error | null = null;
  /** A whiteout this archive made, whose inode later whiteouts link to (null once removed). */
  private whiteoutInode: string | null = null;
  /**
   * Directories known to lack the setgid bit while extracting (dir modes are applied at the end),
   * so what is created in them gets our egid: when that is the entry's, chown is skipped.
   */
  private plainDirs = new Set<string>();
  /** Metadata the current (sync) file still needs. */
  private curMeta: MetaNeeds = { chown: true, chmod: true };
  /** Permission bits open/mkdir cannot give as asked (the umask), read once. */
  private readonly umask: number;
  /** Device nodes and FIFOs not created yet (see queueNode). */
  private nodes: PendingNode[] = [];
  private nodePaths = new Set<string>();
  /** Parent directories of the queued nodes (only entries below them can touch one). */
  private nodeDirs = new Set<string>();
  /**
   * What a walk of the result would find (apparent size of non-directories, hard links once, and
   * inodes), kept while that is simple to know: the root started empty and nothing was removed.
   */
  private tally: { size: number; inodes: number } | null = null;

  constructor(private readonly root: string, private readonly mode: WhiteoutMode) {
    this.umask = currentUmask();
    const st = fs.lstatSync(root, { throwIfNoEntry: false });
    if (st?.isDirectory() && !(st.mode & S_ISGID)) this.plainDirs.add('');
    if (st?.isDirectory() && fs.readdirSync(root).length === 0) this.tally = { size: 0, inodes: 0 };
  }

  /** Size and inode count of the unpacked tree when known without walking it (see `tally`). */
  get usage(): { size: number; inodes: number } | undefined {
    return this.tally ? { ...this.tally } : undefined;
  }

  private count(size: number): void {
    if (this.tally) { this.tally.size += size; this.tally.inodes++; }
  }

  private abs(rel: string): string { return rel ? this.root + '/' + rel : this.root; }

  onEntry(h: TarHeader): void {
    const parts = cleanEntryPath(h.name);
    const base = parts[parts.length - 1] ?? '';
    if (this.nodes.length && (this.touchesNode(parts) || (h.type === 'link' && this.touchesNode(cleanEntryPath(h.linkname))))) this.flushNodes();
    if (base.startsWith(WH)) return this.whiteout(h.name, parts, base);
    this.cur = h;
    this.curPath = parts.join('/');
    if (parts.length === 0) {
      if (h.type !== 'dir') throw new UnsafeEntryError(h.name, 'the layer root can only be a directory');
      this.deferred.set('', h);
      return;
    }
    this.ensureParents(h.name, parts, parts.length - 1);
    const rel = this.curPath;
    const abs = this.abs(rel);
    const parentRel = parts.length > 1 ? rel.slice(0, rel.length - base.length - 1) : '';
    // A new inode in a plain dir already has our uid and egid: no chown when those are the entry's.
    const ownerOk = !IS_ROOT || (h.uid === EUID && h.gid === EGID && this.plainDirs.has(parentRel));
    switch (h.type) {
      case 'dir': {
        const kept = this.create(rel, true, () => fs.mkdirSync(abs, 0o700)); // an existing dir is kept
        if (!kept) this.count(0);
        this.dirs.add(rel);
        this.deferred.set(rel, h);
        if (!kept && this.plainDirs.has(parentRel)) this.plainDirs.add(rel);
        if (IS_ROOT && (kept || !ownerOk)) fs.lchownSync(abs, h.uid, h.gid);
        this.setXattrs(abs, h);
        break;
      }
      case 'file': {
        // The final mode at creation when the umask leaves it whole (special bits: chmod after chown).
        const exact = (h.mode & 0o7000) === 0 && (h.mode & this.umask) === 0;
        const mode = exact ? h.mode : 0o600;
        this.create(rel, false, () => { this.fd = fs.openSync(abs, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode); });
        this.count(h.size);
        const meta = { chown: !ownerOk, chmod: !exact };
        // xattrs are set by path: keep such (rare) files fully synchronous.
        if (h.size >= ASYNC_MIN_SIZE && h.xattrs.size === 0) this.bg = { fd: this.fd, pos: 0, writes: [], meta };
        else this.curMeta = meta;
        break;
      }
      case 'symlink':
        this.create(rel, false, () => fs.symlinkSync(h.linkname, abs));
        this.count(Buffer.byteLength(h.linkname));
        this.finishNode(abs, h, false, !ownerOk);
        break;
      case 'link':
        try {
          fs.linkSync(this.linkTarget(h), abs);
        } catch (err) {
          if (!isEexist(err)) throw err;
          this.clearFor(rel, false);
          fs.linkSync(this.linkTarget(h), abs); // what was cleared may have held the target: check again
        }
        break;
      case 'char': case 'block': case 'fifo':
        this.clearFor(rel, false);
        this.queueNode(rel, h);
        this.count(0);
        break;
    }
    this.created.add(rel);
  }

  /**
   * Device nodes and FIFOs are created in one batch at the end, without blocking (a layer's
   * /dev holds a handful; a process each would cost ~10 ms). A queued node is created at once
   * (synchronously) when a later entry could notice it missing: one at or below its path, a
   * hard link to it, or any removal.
   */
  private queueNode(rel: string, h: TarHeader): void {
    const type = h.type === 'char' ? 'c' : h.type === 'block' ? 'b' : 'p';
    this.nodes.push({ rel, h, path: this.abs(rel), type, major: h.devmajor, minor: h.devminor });
    this.nodePaths.add(rel);
    this.nodeDirs.add(rel.slice(0, Math.max(0, rel.lastIndexOf('/'))));
  }

  private touchesNode(parts: string[]): boolean {
    const full = parts.join('/');
    let inNodeDir = false;
    for (const d of this.nodeDirs) if (d === '' || full.startsWith(d + '/')) { inNodeDir = true; break; }
    if (!inNodeDir) return false;
    let rel = '';
    for (const p of parts) {
      rel = rel ? rel + '/' + p : p;
      if (this.nodePaths.has(rel)) return true;
    }
    return false;
  }

  private takeNodes(): PendingNode[] {
    const nodes = this.nodes;
    this.nodes = [];
    this.nodePaths.clear();
    this.nodeDirs.clear();
    return nodes;
  }

  private flushNodes(): void {
    if (!this.nodes.length) return;
    const nodes = this.takeNodes();
    mknodMany(nodes);
    for (const n of nodes) this.finishNode(n.path, n.h, true, true);
  }

  private async flushNodesAsync(): Promise<void> {
    if (!this.nodes.length) return;
    const nodes = this.takeNodes();
    await mknodManyAsync(nodes);
    for (const n of nodes) this.finishNode(n.path, n.h, true, true);
  }

  onData(chunk: Buffer): void {
    const bg = this.bg;
    if (bg) {
      // The chunk is kept until written: callers never reuse the buffers they push.
      bg.writes.push(writeAllAt(bg.fd, chunk, bg.pos));
      bg.pos += chunk.length;
      this.pendingBytes += chunk.length;
      return;
    }
    let off = 0;
    while (off < chunk.length) off += fs.writeSync(this.fd, chunk, off, chunk.length - off);
  }

  onEntryEnd(): void {
    if (this.fd < 0) return;
    const h = this.cur!;
    const fd = this.fd;
    this.fd = -1;
    const bg = this.bg;
    if (bg) {
      this.bg = null;
      this.background(bg, h);
      return;
    }
    try {
      this.setFileMeta(fd, h, this.curMeta);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Wait until background writes are within bounds; call after each pushed chunk.
   * Rejects with the first background failure.
   */
  async drain(): Promise<void> {
    while (this.pending.size > MAX_PENDING_FILES || this.pendingBytes > MAX_PENDING_BYTES) {
      await Promise.race(this.pending);
    }
    if (this.failure) throw this.failure;
  }

  /** Release the open file and wait for background writes (after an error). */
  async abort(): Promise<void> {
    if (this.fd >= 0) {
      const bgFd = this.bg?.fd;
      if (bgFd !== this.fd) { try { fs.closeSync(this.fd); } catch { /* already closed */ } }
      this.fd = -1;
    }
    if (this.bg) { this.background(this.bg, null); this.bg = null; }
    await Promise.allSettled([...this.pending]);
  }

  /** Wait for background writes, then apply directory modes and times, deepest first. */
  async finish(): Promise<void> {
    await this.flushNodesAsync();
    while (this.pending.size) await Promise.race(this.pending);
    if (this.failure) throw this.failure;
    const rels = [...this.deferred.keys()].sort((a, b) => depth(b) - depth(a));
    for (const rel of rels) {
      const h = this.deferred.get(rel)!;
      const fd = fs.openSync(this.abs(rel), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      try {
        if (IS_ROOT && rel === '') fs.fchownSync(fd, h.uid, h.gid);
        fs.fchmodSync(fd, h.mode);
        fs.futimesSync(fd, h.mtime, h.mtime);
      } finally {
        fs.closeSync(fd);
      }
    }
  }

  /** Owner, mode and mtime through the descriptor (xattrs, if any, by path). */
  private setFileMeta(fd: number, h: TarHeader, need: MetaNeeds): void {
    if (IS_ROOT && need.chown) fs.fchownSync(fd, h.uid, h.gid);
    if (need.chmod) fs.fchmodSync(fd, h.mode); // after chown, which clears setuid/setgid
    if (h.xattrs.size) this.setXattrs(this.abs(this.curPath), h);
    fs.futimesSync(fd, h.mtime, h.mtime);
  }

  /** Once `bg`'s writes are done, set its metadata (null: just close) and close it. */
  private background(bg: AsyncFile, h: TarHeader | null): void {
    const bytes = bg.pos;
    // allSettled, not all: the descriptor is closed only when no write can still use its number.
    const p = Promise.allSettled(bg.writes).then((results) => {
      for (const r of results) if (r.status === 'rejected') throw r.reason;
      if (h) this.setFileMeta(bg.fd, h, bg.meta); // bg files have no xattrs: descriptor calls only
    }).catch((err: Error) => {
      this.failure ??= err;
    }).finally(() => {
      try { fs.closeSync(bg.fd); } catch { /* reported above */ }
      this.pendingBytes -= bytes;
      this.pending.delete(p);
    });
    this.pending.add(p);
  }

  private finishNode(abs: string, h: TarHeader, chmod: boolean, chown: boolean): void {
    if (IS_ROOT && chown) fs.lchownSync(abs, h.uid, h.gid);
    if (chmod) fs.chmodSync(abs, h.mode); // a node we just created: not a symlink
    this.setXattrs(abs, h);
    fs.lutimesSync(abs, h.mtime, h.mtime);
  }

  private setXattrs(abs: string, h: TarHeader): void {
    for (const [name, value] of h.xattrs) {
      // overlay's own attributes from an archive could redirect lookups: never honour them.
      if (name.startsWith('trusted.overlay.')) continue;
      try {
        setXattr(abs, name, value);
      } catch (err) {
        if (name === 'security.selinux') continue; // host without SELinux labels support
        throw err;
      }
    }
  }

  /** Walk parts[0..n) as directories, creating missing ones; never through a symlink or file. */
  private ensureParents(name: string, parts: string[], n: number): void {
    let rel = '';
    for (let i = 0; i < n; i++) {
      rel = rel ? rel + '/' + parts[i] : parts[i]!;
      if (this.dirs.has(rel)) continue;
      const abs = this.abs(rel);
      const st = fs.lstatSync(abs, { throwIfNoEntry: false });
      if (st?.isDirectory()) { this.dirs.add(rel); continue; }
      if (st) {
        if (this.created.has(rel) || this.mode === 'overlay') {
          throw new UnsafeEntryError(name, `path goes through ${st.isSymbolicLink() ? 'a symlink' : 'a non-directory'} (${rel})`);
        }
        // A non-directory from the parent layer (vfs copy): a directory in this layer hides it, as overlayfs would.
        fs.unlinkSync(abs);
      }
      fs.mkdirSync(abs, 0o755);
      this.count(0);
      this.created.add(rel);
      this.dirs.add(rel);
      if (this.plainDirs.has(i ? rel.slice(0, rel.length - parts[i]!.length - 1) : '')) this.plainDirs.add(rel);
    }
  }

  /**
   * Run `make`, which creates rel and fails with EEXIST when anything is there; only then look
   * at what is there (clearFor) and try once more. Returns true when an existing dir is kept.
   */
  private create(rel: string, isDir: boolean, make: () => void): boolean {
    try {
      make();
      return false;
    } catch (err) {
      if (!isEexist(err)) throw err;
    }
    if (this.clearFor(rel, isDir)) return true;
    make();
    return false;
  }

  /** Make room for a new entry at rel; returns true when an existing directory is kept (dir over dir). */
  private clearFor(rel: string, isDir: boolean): boolean {
    const abs = this.abs(rel);
    const st = fs.lstatSync(abs, { throwIfNoEntry: false });
    if (!st) return false;
    if (isDir && st.isDirectory()) return true;
    this.removePath(rel, st.isDirectory());
    return false;
  }

  private removePath(rel: string, isDir: boolean): void {
    this.flushNodes(); // what is removed may hold a queued node
    this.tally = null;
    const abs = this.abs(rel);
    const wo = this.whiteoutInode;
    if (wo !== null && (wo === rel || wo.startsWith(rel + '/'))) this.whiteoutInode = null;
    if (!isDir) { fs.unlinkSync(abs); this.created.delete(rel); return; }
    fs.rmSync(abs, { recursive: true, force: true });
    const prefix = rel + '/';
    for (const set of [this.dirs, this.created, this.plainDirs]) {
      for (const k of set) if (k === rel || k.startsWith(prefix)) set.delete(k);
    }
    for (const k of this.deferred.keys()) if (k === rel || k.startsWith(prefix)) this.deferred.delete(k);
  }

  private linkTarget(h: TarHeader): string {
    const parts = cleanEntryPath(h.linkname);
    if (parts.length === 0) throw new UnsafeEntryError(h.name, 'hard link to the layer root');
    let rel = '';
    for (let i = 0; i < parts.length - 1; i++) {
      rel = rel ? rel + '/' + parts[i] : parts[i]!;
      if (this.dirs.has(rel)) continue;
      const st = fs.lstatSync(this.abs(rel), { throwIfNoEntry: false });
      if (!st?.isDirectory()) throw new UnsafeEntryError(h.name, `hard link target ${JSON.stringify(h.linkname)} is not inside the layer`);
      this.dirs.add(rel);
    }
    const target = parts.join('/');
    const st = fs.lstatSync(this.abs(target), { throwIfNoEntry: false });
    if (!st) throw new UnsafeEntryError(h.name, `hard link target ${JSON.stringify(h.linkname)} does not exist in the layer`);
    if (st.isDirectory()) throw new UnsafeEntryError(h.name, `hard link target ${JSON.stringify(h.linkname)} is a directory`);
    if (target === this.curPath) throw new UnsafeEntryError(h.name, 'hard link to itself');
    return this.abs(target);
  }

  private whiteout(name: string, parts: string[], base: string): void {
    this.tally = null; // whiteouts may share an inode: leave the counting to a walk
    const dirParts = parts.slice(0, -1);
    this.ensureParents(name, dirParts, dirParts.length);
    const dirRel = dirParts.join('/');
    if (base === OPAQUE) {
      if (this.mode === 'overlay') {
        setXattr(this.abs(dirRel), 'trusted.overlay.opaque', Buffer.from('y'));
      } else {
        for (const child of fs.readdirSync(this.abs(dirRel))) {
          const rel = dirRel ? dirRel + '/' + child : child;
          if (this.created.has(rel)) continue;
          const st = fs.lstatSync(this.abs(rel));
          this.removePath(rel, st.isDirectory());
        }
      }
      return;
    }
    if (base.startsWith(WH + WH)) return; // other AUFS metadata (.wh..wh.plnk etc.) carries nothing
    const target = base.slice(WH.length);
    if (target === '' || target === '.' || target === '..') throw new UnsafeEntryError(name, 'invalid whiteout name');
    const rel = dirRel ? dirRel + '/' + target : target;
    if (this.created.has(rel)) return; // a whiteout hides parent-layer content only
    const st = fs.lstatSync(this.abs(rel), { throwIfNoEntry: false });
    if (st) this.removePath(rel, st.isDirectory());
    if (this.mode === 'overlay') this.makeWhiteout(rel);
  }

  /**
   * An overlay whiteout (0/0 char device owned by root). As overlayfs does itself, whiteouts
   * share one inode: later ones are hard links to the first, so a layer with many of them
   * costs one mknod process, not one each.
   */
  private makeWhiteout(rel: string): void {
    const abs = this.abs(rel);
    const shared = this.whiteoutInode;
    if (shared !== null) {
      const st = fs.lstatSync(this.abs(shared), { throwIfNoEntry: false });
      if (st?.isCharacterDevice() && st.rdev === 0 && (!IS_ROOT || st.uid === 0)) { fs.linkSync(this.abs(shared), abs); return; }
    }
    mknod(abs, 'c', 0, 0);
    if (IS_ROOT) fs.lchownSync(abs, 0, 0);
    this.whiteoutInode = rel;
  }
}

/** The process umask, read without changing it (0o777 when unknown: then modes are always set). */
function currentUmask(): number {
  try {
    const m = /^Umask:\s*([0-7]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return parseInt(m[1]!, 8);
  } catch { /* no procfs */ }
  return 0o777;
}

function depth(rel: string): number {
  if (!rel) return 0;
  let n = 1;
  for (let i = 0; i < rel.length; i++) if (rel.charCodeAt(i) === 47) n++;
  return n;
}

