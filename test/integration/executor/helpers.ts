// Shared fixtures for the executor integration tests: a busybox rootfs and the usual mounts.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ChildOp } from '../../../src/runtime/ops.js';

export const MS_RDONLY = 1;
export const MS_NOSUID = 2;
export const MS_NODEV = 4;
export const MS_NOEXEC = 8;
export const MS_BIND = 4096;
export const MS_REC = 16384;
export const MS_PRIVATE = 1 << 18;

const APPLETS = ['sh', 'cat', 'ls', 'echo', 'hostname', 'tty', 'stty', 'sleep', 'grep', 'true', 'false', 'id', 'readlink'];

/** A temp dir holding bin/busybox and applet symlinks, plus empty mount points. */
export function makeRootfs(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-exec-rootfs-'));
  chmodSync(dir, 0o755); // it becomes "/": non-root users must be able to search it
  mkdirSync(join(dir, 'bin'));
  copyFileSync('/bin/busybox', join(dir, 'bin', 'busybox'));
  for (const a of APPLETS) symlinkSync('busybox', join(dir, 'bin', a));
  for (const d of ['proc', 'dev', 'tmp', 'etc']) mkdirSync(join(dir, d));
  return dir;
}

export function removeRootfs(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Mounts /proc, a tmpfs /dev with devpts and /dev/null, then pivots into rootfs. */
export function containerSetup(rootfs: string): ChildOp[] {
  return [
    { op: 'mount', source: '', target: '/', fstype: '', flags: MS_REC | MS_PRIVATE, data: '' },
    { op: 'mount', source: rootfs, target: rootfs, fstype: '', flags: MS_BIND | MS_REC, data: '' },
    { op: 'mount-in', root: rootfs, source: 'proc', target: '/proc', fstype: 'proc', flags: MS_NOSUID | MS_NODEV | MS_NOEXEC, data: '' },
    { op: 'mount-in', root: rootfs, source: 'tmpfs', target: '/dev', fstype: 'tmpfs', flags: MS_NOSUID, data: 'mode=755' },
    { op: 'mkdir', path: `${rootfs}/dev/pts`, mode: 0o755, parents: true },
    { op: 'mount-in', root: rootfs, source: 'devpts', target: '/dev/pts', fstype: 'devpts', flags: MS_NOSUID | MS_NOEXEC, data: 'newinstance,ptmxmode=0666,mode=620' },
    { op: 'symlink', target: 'pts/ptmx', path: `${rootfs}/dev/ptmx` },
    { op: 'touch', path: `${rootfs}/dev/null`, mode: 0o666 },
    { op: 'mount-in', root: rootfs, source: '/dev/null', target: '/dev/null', fstype: '', flags: MS_BIND, data: '' },
    { op: 'pivot-root', root: rootfs },
  ];
}

/** lookup + exec of a busybox command line inside the container. */
export function run(argv: string[], env: string[] = ['PATH=/bin']): ChildOp[] {
  return [
    { op: 'lookup', file: argv[0], path: '/bin' },
    { op: 'exec', file: argv[0], argv, env, searchPath: '/bin' },
  ];
}

export function collect(stream: Readable | null): Promise<string> {
  if (!stream) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    let out = '';
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => { out += c; });
    stream.on('end', () => resolve(out));
    stream.on('error', reject);
  });
}

/** True if the pid no longer exists (or is a zombie nobody will see again). */
export function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** Polls cond every 10 ms until it holds or the deadline passes. */
export async function until(cond: () => boolean, ms = 5000, what: string | (() => string) = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Kills a container init that a failed test left behind (no-op once it exited). */
export function reap(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}
