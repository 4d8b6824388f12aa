// Shared by the cgroup integration tests: unique cgroup paths, processes that wait on stdin
// until they have been moved into a cgroup, and cleanup of everything a test made.
import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import { openCgroup, type Cgroup } from '../../../src/runtime/cgroups/index.js';

/** One parent per test file run; destroy() removes it once its last child is gone. */
export const TEST_PARENT = `wharf-test-${crypto.randomBytes(4).toString('hex')}`;

const cgroups: Cgroup[] = [];
const children: ChildProcess[] = [];

export function newCgroup(name: string, parent = TEST_PARENT): Cgroup {
  const cg = openCgroup(`${parent}/${name}-${crypto.randomBytes(3).toString('hex')}`);
  cgroups.push(cg);
  return cg;
}

export interface Held {
  pid: number;
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  /** Milliseconds from release to exit (once exited). */
  releasedAt: number;
}

/**
 * Start `sh -c 'read _; <script>'`, move it into `cg`, then release it: the workload only
 * starts once it is inside the cgroup. `shell` picks the shell binary (default sh).
 */
export async function runIn(cg: Cgroup, script: string, shell: string[] = ['sh']): Promise<Held> {
  const child = spawn(shell[0]!, [...shell.slice(1), '-c', `read _; ${script}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  cg.join(child.pid!);
  const held: Held = { pid: child.pid!, exited, stdout: () => out, stderr: () => err, releasedAt: Date.now() };
  child.stdin!.write('\n');
  return held;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `check` is true (short interval, hard deadline). */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Kill what the tests started and remove every cgroup they opened. */
export function cleanup(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid) {
      try { process.kill(c.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    c.stdin?.destroy();
    c.stdout?.destroy();
    c.stderr?.destroy();
  }
  children.length = 0;
  for (const cg of cgroups.splice(0)) cg.destroy();
}
