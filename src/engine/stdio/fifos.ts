// Container stdio through named pipes in <exec-root>/containers/<id>/. The container holds its
// ends open read-write, so when the daemon dies its writes fill the pipe buffer instead of
// killing it with SIGPIPE; a restarted daemon reopens the pipes and reads on (logs continue).
// The daemon reads with net.Socket on O_NONBLOCK fds (never fs streams: they block libuv threads).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { FifoPool } from './fifo-pool.js';

const execFileP = promisify(execFile);
const { O_RDONLY, O_WRONLY, O_RDWR, O_NONBLOCK } = fs.constants;

export interface FifoSet {
  dir: string;
  stdin?: string;
  stdout: string;
  /** Absent with a TTY (one combined stream). */
  stderr?: string;
}

export function fifoSet(dir: string, opts: { stdin: boolean; tty: boolean }): FifoSet {
  return {
    dir,
    stdin: opts.stdin ? path.join(dir, 'stdin') : undefined,
    stdout: path.join(dir, 'stdout'),
    stderr: opts.tty ? undefined : path.join(dir, 'stderr'),
  };
}

/**
 * Creates the directory and any missing fifo: spares from `pool` when it has them, else one
 * mkfifo(1) call (Node has no mkfifo).
 */
export async function makeFifos(set: FifoSet, pool?: FifoPool): Promise<void> {
  fs.mkdirSync(set.dir, { recursive: true, mode: 0o700 });
  const missing = [set.stdin, set.stdout, set.stderr].filter((p): p is string => !!p && !isFifo(p));
  for (const p of missing) fs.rmSync(p, { force: true });
  const left = pool ? missing.filter((p) => !pool.take(p)) : missing;
  if (left.length) await execFileP('mkfifo', ['-m', '600', ...left]);
}

function isFifo(p: string): boolean {
  try { return fs.lstatSync(p).isFIFO(); } catch { return false; }
}

export interface DaemonEnds {
  stdout: net.Socket;
  stderr?: net.Socket;
  stdin?: net.Socket;
}

export interface OpenedFifos extends DaemonEnds {
  /** fds 0, 1, 2 for the container; close them once the executor has them. */
  containerFds: [number, number, number];
  closeContainerFds(): void;
}

function readerSocket(fd: number): net.Socket {
  const s = new net.Socket({ fd, readable: true, writable: false });
  s.on('error', () => { /* EOF/close handling is done by the owner */ });
  return s;
}

function writerSocket(fd: number): net.Socket {
  const s = new net.Socket({ fd, readable: false, writable: true });
  s.on('error', () => { /* EPIPE once the container closed its stdin */ });
  return s;
}

/** Opens both ends for a container about to be started. */
export function openForStart(set: FifoSet): OpenedFifos {
  const opened: number[] = [];
  const open = (p: string, flags: number): number => { const fd = fs.openSync(p, flags); opened.push(fd); return fd; };
  try {
    // Readers first: a non-blocking read open never waits; then the container's read-write end.
    const outR = open(set.stdout, O_RDONLY | O_NONBLOCK);
    const outW = open(set.stdout, O_RDWR);
    const errR = set.stderr ? open(set.stderr, O_RDONLY | O_NONBLOCK) : -1;
    const errW = set.stderr ? open(set.stderr, O_RDWR) : outW;
    let inR: number;
    let inW = -1;
    if (set.stdin) {
      // The container's read end must be blocking and the only other end ours, so closing ours
      // is EOF for it: a temporary read-write open lets the blocking read open return at once.
      const tmp = fs.openSync(set.stdin, O_RDWR);
      try {
        inR = open(set.stdin, O_RDONLY);
        inW = open(set.stdin, O_WRONLY | O_NONBLOCK);
      } finally {
        fs.closeSync(tmp);
      }
    } else {
      inR = open('/dev/null', O_RDONLY);
    }
    const containerFds: [number, number, number] = [inR, outW, errW];
    let closed = false;
    return {
      stdout: readerSocket(outR),
      stderr: errR >= 0 ? readerSocket(errR) : undefined,
      stdin: inW >= 0 ? writerSocket(inW) : undefined,
      containerFds,
      closeContainerFds() {
        if (closed) return;
        closed = true;
        for (const fd of new Set(containerFds)) fs.closeSync(fd);
      },
    };
  } catch (err) {
    for (const fd of opened) try { fs.closeSync(fd); } catch { /* ignore */ }
    throw err;
  }
}

/** Reopens the daemon's ends for a container that kept running while the daemon was down. */
export function reopen(set: FifoSet): DaemonEnds | null {
  let outR: number;
  try {
    outR = fs.openSync(set.stdout, O_RDONLY | O_NONBLOCK);
  } catch {
    return null;
  }
  let errR = -1;
  let inW = -1;
  try { if (set.stderr) errR = fs.openSync(set.stderr, O_RDONLY | O_NONBLOCK); } catch { /* gone */ }
  // ENXIO when nobody reads it any more (the container closed its stdin): no stdin then.
  try { if (set.stdin) inW = fs.openSync(set.stdin, O_WRONLY | O_NONBLOCK); } catch { /* closed */ }
  return {
    stdout: readerSocket(outR),
    stderr: errR >= 0 ? readerSocket(errR) : undefined,
    stdin: inW >= 0 ? writerSocket(inW) : undefined,
  };
}

export function removeFifos(set: FifoSet): void {
  fs.rmSync(set.dir, { recursive: true, force: true });
}
