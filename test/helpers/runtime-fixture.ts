// Shared by the runtime integration tests and the bench: a busybox bundle with Docker's default
// config (capabilities, seccomp), a Runtime with a unique root and cgroup parent, running a
// container to completion with its output, and a snapshot of what could leak.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Runtime, type Container, type ExitInfo } from '../../src/runtime/runtime.js';
import { dockerDefaultSeccomp } from '../../src/runtime/seccomp/index.js';
import { dockerDefaultSpec } from '../../src/runtime/spec/defaults.js';
import type { Spec } from '../../src/runtime/spec/types.js';
import { makeBusyboxRootfs } from './busybox-rootfs.js';

export const suffix = () => randomBytes(4).toString('hex');

/** Docker's `docker run busybox <args>` config: default caps, mounts, namespaces and seccomp. */
export function dockerSpec(args: string[], rootfs = 'rootfs'): Spec {
  const spec = dockerDefaultSpec(rootfs, args);
  spec.linux!.seccomp = dockerDefaultSeccomp({ capabilities: spec.process!.capabilities!.bounding! });
  return spec;
}

export interface Fixture {
  /** Temp dir holding rootfs/ (the bundle when config.json is written there) and state/. */
  base: string;
  bundle: string;
  rootfs: string;
  runtime: Runtime;
  /** cgroup parent of this fixture's containers (unique per fixture). */
  cgroupParent: string;
  /** Writes <bundle>/config.json. */
  writeConfig(spec: Spec): void;
  /** A bundle of its own sharing the rootfs, its cgroup under the fixture's parent. */
  bundleFor(name: string, spec: Spec): string;
  cleanup(): void;
}

/** A bundle with a busybox rootfs and a Runtime whose state and cgroups are unique to it. */
export function makeFixture(prefix = 'wharf-rt-'): Fixture {
  const base = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(base, 0o755); // a container root mapped to another uid must reach its rootfs
  const rootfs = makeBusyboxRootfs(join(base, 'rootfs'));
  const cgroupParent = `wharf-test-${suffix()}`;
  const runtime = new Runtime({ root: join(base, 'state'), cgroupParent });
  return {
    base, bundle: base, rootfs, runtime, cgroupParent,
    writeConfig: (spec) => writeFileSync(join(base, 'config.json'), JSON.stringify(spec)),
    bundleFor: (name, spec) => {
      const dir = join(base, `bundle-${name}`);
      mkdirSync(dir);
      const own = { ...spec, root: { ...spec.root!, path: '../rootfs' }, linux: { ...spec.linux, cgroupsPath: `/${cgroupParent}/${name}` } };
      writeFileSync(join(dir, 'config.json'), JSON.stringify(own));
      return dir;
    },
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

/** Accumulates a stream; text() is what arrived so far, done resolves with all of it. */
export function capture(stream: Readable | null | undefined): { text: () => string; done: Promise<string> } {
  let out = '';
  if (!stream) return { text: () => out, done: Promise.resolve('') };
  stream.setEncoding('utf8');
  stream.on('data', (c: string) => { out += c; });
  const done = new Promise<string>((resolve, reject) => {
    stream.on('end', () => resolve(out));
    stream.on('error', reject);
  });
  return { text: () => out, done };
}

export interface Running {
  container: Container;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once both streams ended (every writer in the container is gone). */
  ended: Promise<unknown>;
}
export interface RunResult extends ExitInfo { stdout: string; stderr: string; container: Container }

/** create + start with stdout/stderr piped and captured. */
export async function startContainer(fx: Fixture, spec: Spec): Promise<Running> {
  const container = await fx.runtime.create(`c-${suffix()}`, { bundle: fx.bundle, spec, io: { stdio: ['ignore', 'pipe', 'pipe'] } });
  const out = capture(container.io?.stdout);
  const err = capture(container.io?.stderr);
  try {
    await container.start();
  } catch (e) {
    await container.delete(true);
    throw e;
  }
  return { container, stdout: out.text, stderr: err.text, ended: Promise.all([out.done, err.done]) };
}

/** create + start + wait + delete, output captured. `during` runs while it is alive. */
export async function runToEnd(fx: Fixture, spec: Spec, during?: (r: Running) => Promise<void>): Promise<RunResult> {
  const r = await startContainer(fx, spec);
  try {
    if (during) await during(r);
    const exit = await r.container.wait();
    await r.ended;
    return { ...exit, stdout: r.stdout(), stderr: r.stderr(), container: r.container };
  } finally {
    await r.container.delete(true);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Everything a container could leave behind that belongs to `fx`. */
export interface Leftovers { cgroupDirs: string[]; mounts: string[]; stateDirs: string[]; processes: string[] }

/** cgroup dirs of the fixture's parent in any hierarchy, host mounts under its dir, state dirs,
 *  stray processes. */
export function leftovers(fx: Fixture): Leftovers {
  const cgroupDirs: string[] = [];
  for (const h of readdirSync('/sys/fs/cgroup')) {
    for (const d of [join('/sys/fs/cgroup', h, fx.cgroupParent)]) if (existsSync(d)) cgroupDirs.push(d);
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(fx.base));
  const stateDir = join(fx.base, 'state');
  const stateDirs = existsSync(stateDir) ? readdirSync(stateDir).filter((n) => !n.startsWith('.')) : [];
  return { cgroupDirs, mounts, stateDirs, processes: strayProcesses(fx.cgroupParent) };
}

const NOTHING: Leftovers = { cgroupDirs: [], mounts: [], stateDirs: [], processes: [] };

/** leftovers() once it is empty, or after `ms` (an exited monitor may not be reaped yet). */
export async function settledLeftovers(fx: Fixture, ms = 3000): Promise<Leftovers> {
  const end = Date.now() + ms;
  for (;;) {
    const l = leftovers(fx);
    if (JSON.stringify(l) === JSON.stringify(NOTHING) || Date.now() > end) return l;
    await sleep(20);
  }
}

/** Processes that could be ours: descendants of this process (executor monitors and what they
 *  forked) and any process in one of the fixture's cgroups. */
export function strayProcesses(cgroupParent: string): string[] {
  const parents = new Map<number, number>();
  const out = new Set<number>();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      parents.set(Number(p), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (readFileSync(`/proc/${p}/cgroup`, 'utf8').includes(`/${cgroupParent}/`)) out.add(Number(p));
    } catch { /* gone */ }
  }
  for (const pid of parents.keys()) {
    for (let q = parents.get(pid); q !== undefined && q > 1; q = parents.get(q)) {
      if (q === process.pid) { out.add(pid); break; }
    }
  }
  return [...out].sort((a, b) => a - b).map(describeProcess);
}

function describeProcess(pid: number): string {
  try {
    return `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()}`;
  } catch {
    return `${pid} (exited)`;
  }
}

export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Host inode of each namespace of `pid` ("net" -> "net:[4026531840]"). */
export function nsLinks(pid: number | 'self'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ns of ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'user', 'uts']) {
    out[ns] = execFileSync('readlink', [`/proc/${pid}/ns/${ns}`], { encoding: 'utf8' }).trim();
  }
  return out;
}
