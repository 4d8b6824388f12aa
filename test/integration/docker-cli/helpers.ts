// A wharfd with the offline busybox image, driven by the real docker CLI. Each test file
// starts one daemon and, in its after hook, removes every container, stops the daemon and
// checks nothing of it is left mounted or in the cgroup tree.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildBusyboxImage, ImageStore } from '../../../src/image/index.js';
import { makeTempDir, ping, startWharfd, type Wharfd, type WharfdOptions } from '../../helpers/wharfd.js';

export const DOCKER_OLD = '/usr/bin/docker';
export const DOCKER_NEW = '/usr/local/bin/docker';

export interface RunResult { code: number | null; stdout: string; stderr: string; ms: number }

export interface DockerRunOptions {
  input?: string;
  timeoutMs?: number;
  cli?: string;
}

export function runDocker(env: NodeJS.ProcessEnv, args: string[], opts: DockerRunOptions = {}): Promise<RunResult> {
  return runProgram(opts.cli ?? DOCKER_OLD, args, env, opts);
}

/** Runs a command line to its end with `input` on stdin; SIGKILL after the timeout (default 20 s). */
export function runProgram(file: string, args: string[], env: NodeJS.ProcessEnv, opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
    child.stdin.on('error', () => {});
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Prepares a daemon directory holding the busybox image, plus whatever `prepare` adds. */
export async function prepareDir(prepare?: (store: ImageStore) => Promise<void>): Promise<string> {
  const dir = makeTempDir();
  const store = await ImageStore.open(path.join(dir, 'root'));
  await buildBusyboxImage(store);
  await prepare?.(store);
  return dir;
}

export interface TestDaemon {
  dir: string;
  d: Wharfd;
  env: NodeJS.ProcessEnv;
  docker(args: string[], opts?: DockerRunOptions): Promise<RunResult>;
  /** docker ... expecting exit 0; returns trimmed stdout. */
  ok(args: string[], opts?: DockerRunOptions): Promise<string>;
  /** Starts a new daemon process on the same directory (after a stop or kill). */
  restart(opts?: WharfdOptions): Promise<void>;
  /** Container IDs created during the test (for leak checks). */
  ids(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/** A daemon on a fresh directory; `prepare` may add images before it starts. */
export async function startTestDaemon(opts: WharfdOptions = {}, prepare?: (store: ImageStore) => Promise<void>): Promise<TestDaemon> {
  const dir = await prepareDir(prepare);
  const seen = new Set<string>();
  const t: TestDaemon = {
    dir,
    d: await startWharfd({ ...opts, dir }),
    get env() { return this.d.env; },
    docker: (args, o) => runDocker(t.d.env, args, o),
    async ok(args, o) {
      const r = await runDocker(t.d.env, args, o);
      if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r.stdout.trim();
    },
    async restart(o) {
      t.d = await startWharfd({ ...opts, ...o, dir });
    },
    async ids() {
      const out = await t.ok(['ps', '-aq', '--no-trunc']);
      for (const id of out.split('\n').filter(Boolean)) seen.add(id);
      return [...seen];
    },
    async cleanup() {
      try {
        // A test may have left the daemon dead: containers are removed through a live one.
        if (!(await ping(t.d.socket))) await t.restart();
        const ids = await t.ids();
        if (ids.length) await runDocker(t.d.env, ['rm', '-f', ...ids]);
        await t.d.stop('SIGTERM');
        assertNoLeaks(dir, [...seen]);
      } finally {
        // Never recurse into a mount that is still there (it would delete through it).
        for (const m of mountsIn(dir).reverse()) spawnSync('umount', ['-l', m]);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return t;
}

function mountsIn(dir: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(dir + '/'));
}

/** No mount under the daemon dir, no cgroup directory of any container we saw. */
export function assertNoLeaks(dir: string, ids: string[]): void {
  const mounts = mountsIn(dir);
  if (mounts.length) throw new Error(`mounts left under ${dir}:\n${mounts.join('\n')}`);
  for (const id of ids) {
    for (const h of fs.readdirSync('/sys/fs/cgroup')) {
      const p = path.join('/sys/fs/cgroup', h, 'wharf', id);
      if (fs.existsSync(p)) throw new Error(`cgroup left: ${p}`);
    }
  }
}

/** Polls `fn` until it returns a truthy value or the deadline passes. */
export async function until<T>(fn: () => Promise<T> | T, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
