// Persistent runtime state: one directory per container under the runtime root, holding
// state.json (written atomically) so another process (the CLI, a restarted daemon) can find it.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BackgroundWork } from '../common/background-work.js';

export interface ContainerRecord {
  ociVersion: string;
  id: string;
  bundle: string;
  /** Host pid of the container init; 0 before it exists. */
  pid: number;
  /** Field 22 of /proc/<pid>/stat at creation: tells a reused pid from ours. */
  pidStartTime: string;
  monitorPid: number;
  /** Start time of the monitor: it writes statusFile after the init exited, then exits. */
  monitorStartTime: string;
  /** cgroup path relative to each hierarchy root. */
  cgroupPath: string;
  /** Written by the monitor when the init exits: "<code> <signal>". */
  statusFile: string;
  created: string;
  started: boolean;
  annotations: Record<string, string>;
  /** Whether the container has its own pid namespace (killing init then kills all). */
  ownPidNamespace: boolean;
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function checkContainerId(id: string): void {
  if (!ID_RE.test(id)) throw new Error(`invalid container id "${id}": use 1-128 characters [A-Za-z0-9_.-], not starting with a punctuation`);
}

/**
 * Writes a file atomically: temp file, then rename. No fsync: the state describes live processes,
 * which a machine crash ends anyway, and fsync costs milliseconds on every create and start.
 */
export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, file);
}

/** Prefix of state directories renamed aside to be deleted in the background (see discard()). */
const TRASH = '.trash-';

export class StateDir {
  /** Shared by the containers of this root (compiled seccomp filters); ids cannot start with '.'. */
  readonly cacheDir: string;
  private readonly deleting = new BackgroundWork();

  constructor(readonly root: string) {
    this.cacheDir = join(root, '.cache');
    mkdirSync(root, { recursive: true, mode: 0o700 });
  }

  /**
   * remove() off the caller's path: one rename (the id is free at once; ids() and read() no longer
   * see it), the files deleted in the background once `after` settled. For a long-lived process (settle() awaits the
   * deletions, sweepTrash() finishes what an earlier process left).
   */
  discard(id: string, after: Promise<unknown> = Promise.resolve()): void {
    const trash = join(this.root, `${TRASH}${id}-${randomBytes(4).toString('hex')}`);
    try {
      renameSync(this.dir(id), trash);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.remove(id);
      return;
    }
    // `after`: e.g. the monitor gone, which may still write its status file into the directory.
    this.deleting.add(after.then(() => rm(trash, { recursive: true, force: true })));
  }

  settle(): Promise<void> {
    return this.deleting.settle();
  }

  /** Deletes state directories discard() left when its process ended before deleting them. */
  sweepTrash(): void {
    let names: string[] = [];
    try { names = readdirSync(this.root); } catch { /* no root yet */ }
    for (const n of names) if (n.startsWith(TRASH)) rmSync(join(this.root, n), { recursive: true, force: true });
  }

  dir(id: string): string {
    return join(this.root, id);
  }

  /** Reserves the directory for a new container; fails if the id is taken. */
  reserve(id: string): string {
    checkContainerId(id);
    const dir = this.dir(id);
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`container "${id}" already exists`);
      throw err;
    }
    return dir;
  }

  write(rec: ContainerRecord): void {
    writeFileAtomicSync(join(this.dir(rec.id), 'state.json'), JSON.stringify(rec));
  }

  read(id: string): ContainerRecord | null {
    checkContainerId(id);
    try {
      return JSON.parse(readFileSync(join(this.dir(id), 'state.json'), 'utf8')) as ContainerRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  ids(): string[] {
    try {
      return readdirSync(this.root).filter((n) => ID_RE.test(n));
    } catch {
      return [];
    }
  }

  remove(id: string): void {
    const dir = this.dir(id);
    // A state dir holds a few plain files: unlinking them by name skips rimraf's stat per entry.
    try {
      for (const name of readdirSync(dir)) unlinkSync(join(dir, name));
      rmdirSync(dir);
    } catch {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Start time of a process (clock ticks since boot), or null if it does not exist. */
export function processStartTime(pid: number): string | null {
  if (pid <= 0) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return null;
    return fields[19] ?? null;
  } catch {
    return null;
  }
}
