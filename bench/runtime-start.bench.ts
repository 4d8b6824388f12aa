// create+start+wait(+delete) of /bin/true in a busybox container with Docker's default config:
// the runtime library in process, `wharf-runtime run` (compiled and bundled), `runc run` and
// `crun run`; then where the in-process milliseconds go, and the CLI's startup cost.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleRuntimeCli } from '../src/runtime/cli/bundle.js';
import { compileSeccomp } from '../src/runtime/seccomp/compile.js';
import { Runtime } from '../src/runtime/runtime.js';
import { compileSpec } from '../src/runtime/spec/compile.js';
import { validateSpec } from '../src/runtime/spec/validate.js';
import type { Spec } from '../src/runtime/spec/types.js';
import { makeBusyboxRootfs } from '../test/helpers/busybox-rootfs.js';
import { dockerSpec, suffix } from '../test/helpers/runtime-fixture.js';
import { measure, printTable, skipped, which, type Row } from './lib.js';

const RUNS = Number(process.env.WHARF_BENCH_RUNS ?? 20);
const CLI = fileURLToPath(new URL('../src/runtime/cli/main.js', import.meta.url));

// State on tmpfs when there is one, as /run usually is: runc and crun keep theirs in /run.
const stateBase = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const base = mkdtempSync(join(tmpdir(), 'wharf-bench-'));
const states = mkdtempSync(join(stateBase, 'wharf-bench-state-'));
const parent = `wharf-bench-${suffix()}`;
makeBusyboxRootfs(join(base, 'rootfs'));

/** A bundle of its own per tool (same rootfs), its cgroup under our parent. */
function bundle(name: string, edit: (s: Spec) => void = () => {}): string {
  const dir = join(base, name);
  mkdirSync(dir);
  const spec = dockerSpec(['/bin/true'], '../rootfs');
  spec.linux!.cgroupsPath = `/${parent}/${name}`;
  edit(spec);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
  return dir;
}

function runTool(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
}

/** CPU (ms) used so far by this process and its waited-for children (whole process trees). */
function cpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = 1000 / 100; // USER_HZ
  const own = process.cpuUsage();
  return (own.user + own.system) / 1000 + (Number(f[13]) + Number(f[14])) * tick;
}

interface Contender { name: string; run: () => Promise<void> | void; times: number[]; cpu: number; error?: string }

function contender(name: string, run: () => Promise<void> | void): Contender {
  return { name, run, times: [], cpu: 0 };
}

function command(name: string, cmd: string | null, args: (id: string) => string[]): Contender {
  let n = 0;
  const c = contender(name, () => runTool(cmd!, args(`b${n++}`)));
  if (!cmd) c.error = 'not installed';
  return c;
}

/**
 * Runs the contenders in turns (A B C A B C ...) so that load from elsewhere on a shared host
 * hits them alike; two warm-up turns first. CPU is that of the whole process tree per run.
 */
async function race(contenders: Contender[], runs: number): Promise<Row[]> {
  for (let turn = -2; turn < runs; turn++) {
    for (const c of contenders) {
      if (c.error) continue;
      const cpu0 = cpuMs();
      const t0 = performance.now();
      try {
        await c.run();
      } catch (err) {
        c.error = (err as Error).message.replace(/\|/g, '/').slice(-160);
        continue;
      }
      if (turn >= 0) {
        c.times.push(performance.now() - t0);
        c.cpu += cpuMs() - cpu0;
      }
    }
  }
  return contenders.map((c) => c.error ? skipped(c.name, c.error)
    : row(c.name, c.times, `cpu ${(c.cpu / c.times.length).toFixed(0)} ms/run`));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(0.9 * xs.length))]!;
const row = (name: string, xs: number[], note?: string): Row => ({ name, runs: xs.length, median: median(xs), p90: p90(xs), note });

let bundled: string | undefined;
try {
  // The library as the engine uses it: one long-lived process.
  const rt = new Runtime({ root: join(states, 'lib'), cgroupParent: parent });
  const libBundle = bundle('lib');
  const libSpec = dockerSpec(['/bin/true'], '../rootfs');
  const phases = { create: [] as number[], start: [] as number[], wait: [] as number[], delete: [] as number[] };
  let n = 0;
  const lib = contender('wharf library (in process)', async () => {
    const t0 = performance.now();
    const c = await rt.create(`l${n++}`, { bundle: libBundle, spec: libSpec, io: { stdio: 'ignore' } });
    const t1 = performance.now();
    await c.start();
    const t2 = performance.now();
    await c.wait();
    const t3 = performance.now();
    await c.delete();
    const t4 = performance.now();
    phases.create.push(t1 - t0); phases.start.push(t2 - t1); phases.wait.push(t3 - t2); phases.delete.push(t4 - t3);
  });

  // Command lines: one process per container, like runc run.
  const cliBundle = bundle('cli');
  const wrCompiled = command('wharf-runtime run (tsc output)', process.execPath, (id) => [CLI, '--root', join(states, 'cli'), 'run', '-b', cliBundle, id]);
  let wrBundled: Contender;
  try {
    bundled = await bundleRuntimeCli(join(fileURLToPath(new URL('../', import.meta.url)), `wharf-runtime-bench-${suffix()}.mjs`));
    const file = bundled;
    wrBundled = command('wharf-runtime run (esbuild bundle)', process.execPath, (id) => [file, '--root', join(states, 'cli'), 'run', '-b', cliBundle, id]);
  } catch (err) {
    wrBundled = command('wharf-runtime run (esbuild bundle)', null, () => []);
    wrBundled.error = (err as Error).message.slice(0, 120);
  }
  const runcBundle = bundle('runc');
  const runc = command('runc run', which('runc'), (id) => ['--root', join(states, 'runc'), 'run', '--bundle', runcBundle, id]);
  // crun 1.8 knows runtime-spec 1.0 only; the rest of the config is the same.
  const crunBundle = bundle('crun', (s) => { s.ociVersion = '1.0.2'; });
  const crun = command('crun run', which('crun'), (id) => ['--root', join(states, 'crun'), 'run', '--bundle', crunBundle, id]);
  printTable(`create+start+wait+delete of /bin/true (busybox, Docker defaults incl. seccomp), ${RUNS} runs each, interleaved`,
    await race([lib, wrCompiled, wrBundled, runc, crun], RUNS));

  // Where the in-process time goes.
  const spec = validateSpec(libSpec);
  const seccomp = compileSeccomp(spec.linux!.seccomp!);
  printTable('in-process phases (ms)', [
    row('create: validate, compile, cgroup, executor up to the start barrier', phases.create.slice(2)),
    row('start: release, execve', phases.start.slice(2)),
    row('wait: /bin/true runs and exits', phases.wait.slice(2)),
    row('delete: cgroup rmdir, monitor exit, state dir', phases.delete.slice(2)),
    await measure('  in create: validateSpec', RUNS, () => validateSpec(libSpec)),
    await measure('  in create: compileSpec', RUNS, () => compileSpec(spec, { bundle: libBundle, seccompFilter: seccomp, startMode: 'wait-start' })),
    await measure('  seccomp compile, uncached (once per process or filter cache)', RUNS, () => compileSeccomp(spec.linux!.seccomp!)),
  ]);

  // CLI startup: node itself, then a command that creates nothing.
  const listArgs = ['--root', join(states, 'cli'), 'list'];
  printTable('command line startup (list)', await race([
    command('node -e 0 (reference)', process.execPath, () => ['-e', '0']),
    command('wharf-runtime list (tsc output)', process.execPath, () => [CLI, ...listArgs]),
    command('wharf-runtime list (esbuild bundle)', bundled ? process.execPath : null, () => [bundled!, ...listArgs]),
    command('runc list', which('runc'), () => ['--root', join(states, 'runc'), 'list']),
  ], RUNS));
} finally {
  if (bundled) rmSync(bundled, { force: true });
  // Each tool removes its container's cgroup; what is left is our parent in each hierarchy.
  for (const h of readdirSync('/sys/fs/cgroup')) {
    for (const dir of [...['lib', 'cli', 'runc', 'crun'].map((c) => join('/sys/fs/cgroup', h, parent, c)), join('/sys/fs/cgroup', h, parent)]) {
      try { rmdirSync(dir); } catch { /* not there */ }
    }
  }
  rmSync(states, { recursive: true, force: true });
  rmSync(base, { recursive: true, force: true });
}
