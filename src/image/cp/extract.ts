// Extracts an uploaded tar (PUT /containers/{id}/archive) into a directory of a container root,
// following Docker's untar rules, and never creating or changing anything outside the root:
// each entry's parent is resolved component by component within the root (symlinks evaluated as
// under chroot), the entry itself is created relative to that open directory without following it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { TarHandler, TarHeader } from '../../storage/index.js';
import { at, DIR_FLAGS, type DirHandle, type ScopedRoot } from './scoped-root.js';
import { ArchiveEntryError, ContainerPathNotDirectoryError, ContainerPathNotFoundError } from './errors.js';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
const MAX_CACHED_DIRS = 256;

export interface ExtractOptions {
  /** Refuse to replace a directory with a non-directory or the reverse (Docker's NoOverwriteDirNonDir). */
  noOverwriteDirNonDir?: boolean;
  /** Owner for every entry (copyUIDGID with a container user); default: the owners in the archive. */
  chown?: { uid: number; gid: number };
}

/** Entry name -> components below the extraction dir; `..` may not climb above it. */
function entryParts(name: string): string[] {
  const parts: string[] = [];
  for (const c of name.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (parts.length === 0) throw new ArchiveEntryError(name, 'path is outside of the extraction directory');
      parts.pop();
    } else parts.push(c);
  }
  return parts;
}

/** Removes `name` in `dirFd` recursively, each directory opened without following symlinks. */
function removeAt(dirFd: number, name: string): void {
  const p = at(dirFd, name);
  const st = fs.lstatSync(p, { throwIfNoEntry: false });
  if (!st) return;
  if (!st.isDirectory()) { fs.unlinkSync(p); return; }
  const fd = fs.openSync(p, DIR_FLAGS);
  try {
    for (const child of fs.readdirSync(at(fd))) removeAt(fd, child);
  } finally {
    fs.closeSync(fd);
  }
  fs.rmdirSync(p);
}

export class CpExtractor implements TarHandler {
  /** Open parent directories by their path below the extraction dir. */
  private dirs = new Map<string, number>();
  private deferredDirs: Array<{ parts: string[]; h: TarHeader }> = [];
  private fd = -1;
  private cur: TarHeader | null = null;

  constructor(private readonly root: ScopedRoot, private readonly dest: DirHandle, private readonly opts: ExtractOptions = {}) {}

  /** The container path of an entry, for messages. */
  private shown(parts: string[]): string {
    return path.posix.join('/', ...this.dest.rel, ...parts);
  }

  onEntry(h: TarHeader): void {
    const parts = entryParts(h.name);
    if (parts.length === 0) {
      if (h.type !== 'dir') throw new ArchiveEntryError(h.name, 'only a directory can name the extraction directory itself');
      return; // Docker leaves the extraction directory itself alone
    }
    const name = parts[parts.length - 1]!;
    const parentFd = this.parentDir(parts.slice(0, -1), h.name, true);
    const p = at(parentFd, name);
    const existing = fs.lstatSync(p, { throwIfNoEntry: false });
    const wantDir = h.type === 'dir';
    if (existing) {
      const isDir = existing.isDirectory();
      const dest = this.shown([]);
      if (this.opts.noOverwriteDirNonDir && isDir && !wantDir) {
        throw new ArchiveEntryError(h.name, `cannot overwrite directory "${this.shown(parts)}" with non-directory "${dest}"`);
      }
      if (this.opts.noOverwriteDirNonDir && !isDir && wantDir) {
        throw new ArchiveEntryError(h.name, `cannot overwrite non-directory "${this.shown(parts)}" with directory "${dest}"`);
      }
      if (!(isDir && wantDir)) {
        if (isDir) this.forgetDirs(parts);
        removeAt(parentFd, name);
      }
    }
    const uid = this.opts.chown?.uid ?? h.uid;
    const gid = this.opts.chown?.gid ?? h.gid;
    switch (h.type) {
      case 'dir':
        if (!existing?.isDirectory()) fs.mkdirSync(p, 0o700);
        fs.lchownSync(p, uid, gid);
        this.deferredDirs.push({ parts, h });
        return;
      case 'file':
        this.fd = fs.openSync(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
        this.cur = h;
        return;
      case 'symlink': {
        const target = path.posix.normalize(['.', ...parts.slice(0, -1), h.linkname].join('/'));
        if (target === '..' || target.startsWith('../')) {
          throw new ArchiveEntryError(h.name, `invalid symlink -> ${JSON.stringify(h.linkname)}: points outside of the extraction directory`);
        }
        fs.symlinkSync(h.linkname, p);
        fs.lchownSync(p, uid, gid);
        fs.lutimesSync(p, h.mtime, h.mtime);
        return;
      }
      case 'link':
        fs.linkSync(this.linkSource(h), p);
        return;
      case 'char': case 'block': case 'fifo': {
        const args = ['-m', '0600', '--', p, h.type === 'char' ? 'c' : h.type === 'block' ? 'b' : 'p'];
        if (h.type !== 'fifo') args.push(String(h.devmajor), String(h.devminor));
        const r = spawnSync('mknod', args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
        if (r.status !== 0) throw new ArchiveEntryError(h.name, `mknod failed: ${r.error?.message ?? r.stderr.trim()}`);
        fs.lchownSync(p, uid, gid);
        fs.chmodSync(p, h.mode); // a node we just made, not a symlink
        fs.lutimesSync(p, h.mtime, h.mtime);
        return;
      }
    }
  }

  onData(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) off += fs.writeSync(this.fd, chunk, off, chunk.length - off);
  }

  onEntryEnd(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    const h = this.cur!;
    this.fd = -1;
    try {
      fs.fchownSync(fd, this.opts.chown?.uid ?? h.uid, this.opts.chown?.gid ?? h.gid);
      fs.fchmodSync(fd, h.mode); // after chown, which clears setuid/setgid
      fs.futimesSync(fd, h.mtime, h.mtime);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Directory modes and times, deepest first, once their contents are written. */
  finish(): void {
    const list = [...this.deferredDirs].sort((a, b) => b.parts.length - a.parts.length);
    for (const { parts, h } of list) {
      let d: DirHandle;
      try {
        d = this.root.openDir([...this.dest.rel, ...parts], this.shown(parts));
      } catch (err) {
        if (err instanceof ContainerPathNotFoundError || err instanceof ContainerPathNotDirectoryError) continue; // replaced later in the archive
        throw err;
      }
      try {
        fs.fchmodSync(d.fd, h.mode);
        fs.futimesSync(d.fd, h.mtime, h.mtime);
      } finally {
        fs.closeSync(d.fd);
      }
    }
    this.close();
  }

  /** Releases open files and directories (also after an error). */
  close(): void {
    if (this.fd >= 0) { try { fs.closeSync(this.fd); } catch { /* already closed */ } this.fd = -1; }
    for (const fd of this.dirs.values()) fs.closeSync(fd);
    this.dirs.clear();
  }

  /** Opens (creating when asked) the directory below the extraction dir, symlinks resolved within the root. */
  private parentDir(parts: string[], entry: string, create: boolean): number {
    if (parts.length === 0) return this.dest.fd;
    const key = parts.join('/');
    const cached = this.dirs.get(key);
    if (cached !== undefined) return cached;
    if (this.dirs.size >= MAX_CACHED_DIRS) { for (const fd of this.dirs.values()) fs.closeSync(fd); this.dirs.clear(); }
    let d: DirHandle;
    try {
      d = this.root.openDir([...this.dest.rel, ...parts], this.shown(parts), create);
    } catch (err) {
      if (err instanceof ContainerPathNotDirectoryError) throw new ArchiveEntryError(entry, `${this.shown(parts)} is not a directory`);
      if (err instanceof ContainerPathNotFoundError) throw new ArchiveEntryError(entry, `${this.shown(parts)} does not exist`);
      throw err;
    }
    this.dirs.set(key, d.fd);
    return d.fd;
  }

  private forgetDirs(parts: string[]): void {
    const key = parts.join('/');
    for (const [k, fd] of this.dirs) {
      if (k === key || k.startsWith(key + '/')) { fs.closeSync(fd); this.dirs.delete(k); }
    }
  }

  /** Hard link source: an existing non-directory below the extraction dir. */
  private linkSource(h: TarHeader): string {
    const parts = entryParts(h.linkname);
    if (parts.length === 0) throw new ArchiveEntryError(h.name, 'hard link to the extraction directory');
    const dirFd = this.parentDir(parts.slice(0, -1), h.name, false);
    const src = at(dirFd, parts[parts.length - 1]!);
    const st = fs.lstatSync(src, { throwIfNoEntry: false });
    if (!st) throw new ArchiveEntryError(h.name, `hard link target ${JSON.stringify(h.linkname)} does not exist`);
    if (st.isDirectory()) throw new ArchiveEntryError(h.name, `hard link target ${JSON.stringify(h.linkname)} is a directory`);
    return src;
  }
}
