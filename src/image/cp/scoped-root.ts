// Path resolution inside a container root that can never leave it. Every lookup is one component
// relative to an open directory fd (through /proc/<pid>/fd/<n>/<name>, Node's stand-in for openat),
// so a container that swaps a directory for a symlink while we work cannot redirect us; symlinks
// are evaluated as if the root were `/` (as under chroot), and `..` stops at the root.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ContainerPathNotFoundError, ContainerPathNotDirectoryError, SymlinkLoopError } from './errors.js';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;
/** Flags to open a directory without following a symlink in its place. */
export const DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
const MAX_STEPS = 255;

/**
 * Path of `name` (one component) inside the directory open as `dirFd`. With no name it is the
 * directory itself, for calls that follow it (readdir, open of '.'); never lstat that form.
 */
export function at(dirFd: number, name?: string): string {
  if (name === undefined) return `/proc/${process.pid}/fd/${dirFd}`;
  if (name === '' || name === '..' || name.includes('/')) throw new Error(`internal: ${JSON.stringify(name)} is not a path component`);
  return `/proc/${process.pid}/fd/${dirFd}/${name}`;
}

/** Splits a container path into components (empty ones dropped). */
export function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/** An open directory inside the root (the caller closes `fd`) and its real path below the root. */
export interface DirHandle {
  fd: number;
  rel: string[];
}

type WalkMode = 'open' | 'create' | 'lenient';

interface WalkResult {
  stack: number[];
  rel: string[];
  /** lenient mode: components left unresolved (a missing or non-directory component and what follows). */
  rest: string[];
}

export class ScopedRoot {
  readonly fd: number;
  private closed = false;

  /** `label` names the container in not-found errors. */
  constructor(readonly dir: string, readonly label = dir) {
    this.fd = fs.openSync(dir, O_RDONLY | O_DIRECTORY);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }

  /**
   * Opens the directory `parts` lead to, following symlinks within the root. Missing components
   * fail with ContainerPathNotFoundError (or are created, mode 0755, with `create`); a
   * non-directory fails with ContainerPathNotDirectoryError. `shown` is the path named in errors.
   */
  openDir(parts: readonly string[], shown: string, create = false): DirHandle {
    const { stack, rel } = this.walk(parts, shown, create ? 'create' : 'open');
    const fd = stack.pop() ?? fs.openSync(at(this.fd) + '/.', DIR_FLAGS);
    for (const f of stack) fs.closeSync(f);
    return { fd, rel };
  }

  /**
   * The real container path `parts` lead to with every symlink evaluated within the root, as far
   * as it exists (Docker's FollowSymlinkInScope): missing tails are appended lexically.
   */
  realPath(parts: readonly string[], shown: string): string {
    const { stack, rel, rest } = this.walk(parts, shown, 'lenient');
    for (const f of stack) fs.closeSync(f);
    return path.posix.join('/', ...rel, ...rest);
  }

  private walk(parts: readonly string[], shown: string, mode: WalkMode): WalkResult {
    const stack: number[] = [];
    const rel: string[] = [];
    const queue = [...parts];
    let steps = 0;
    const top = () => (stack.length ? stack[stack.length - 1]! : this.fd);
    try {
      while (queue.length) {
        const c = queue.shift()!;
        if (c === '' || c === '.') continue;
        if (c === '..') {
          if (stack.length) { fs.closeSync(stack.pop()!); rel.pop(); }
          continue;
        }
        const p = at(top(), c);
        try {
          stack.push(fs.openSync(p, DIR_FLAGS));
          rel.push(c);
          continue;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ELOOP') throw err;
        }
        if (++steps > MAX_STEPS) throw new SymlinkLoopError(shown);
        const st = fs.lstatSync(p, { throwIfNoEntry: false });
        if (!st) {
          if (mode === 'lenient') return { stack, rel, rest: [c, ...queue] };
          if (mode === 'open') throw new ContainerPathNotFoundError(shown, this.label);
          try { fs.mkdirSync(p, 0o755); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; }
          queue.unshift(c); // open what is there now (a concurrent change is handled like any other)
        } else if (st.isSymbolicLink()) {
          const target = fs.readlinkSync(p);
          if (target.startsWith('/')) {
            while (stack.length) fs.closeSync(stack.pop()!);
            rel.length = 0;
          }
          queue.unshift(...target.split('/'));
        } else if (st.isDirectory()) {
          queue.unshift(c); // was replaced between open and lstat: look again
        } else {
          if (mode === 'lenient') return { stack, rel: [...rel, c], rest: queue };
          throw new ContainerPathNotDirectoryError(shown);
        }
      }
      return { stack, rel, rest: [] };
    } catch (err) {
      for (const f of stack) fs.closeSync(f);
      throw err;
    }
  }
}
