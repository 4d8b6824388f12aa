// Small helpers shared by the benchmarks: timing, percentiles, tables, tool detection.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { ping } from '../test/helpers/wharfd.js';

export interface Row { name: string; runs: number; median: number; p90: number; note?: string }

export function which(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Milliseconds per clock tick of /proc/<pid>/stat's CPU fields. */
export const CLOCK_TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim() || 100);

/** utime, stime, cutime, cstime of a process so far, in ms (zeros once it is gone). */
export function cpuTimesOf(pid: number | string): [number, number, number, number] {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ').slice(11, 15).map((x) => Number(x) * CLOCK_TICK_MS);
    return [f[0]!, f[1]!, f[2]!, f[3]!];
  } catch { return [0, 0, 0, 0]; }
}

/** User + system CPU time of a process so far, in ms. */
export function cpuOfPid(pid: number): number {
  const [u, s] = cpuTimesOf(pid);
  return u + s;
}

export const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

/** CPU time (user + system, ms) of this process plus its waited-for children so far. */
export function selfCpuMs(): number {
  const own = process.cpuUsage();
  const [, , cu, cs] = cpuTimesOf('self');
  return (own.user + own.system) / 1000 + cu + cs;
}

/** Runs a command, waiting; only its stderr is kept (in the error when it fails). */
export function sh(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A timed case: only `run` is measured; setup and teardown are not. */
export interface Case<S> {
  setup: () => Promise<S> | S;
  run: (s: S) => Promise<unknown> | unknown;
  teardown: (s: S) => Promise<unknown> | unknown;
}

/**
 * `skopeo copy <source> oci:` then `umoci unpack` into a fresh directory, each step timed; `note`
 * gives their medians (without the first `warmup` runs).
 */
export function skopeoUmoci(copyArgs: string[], tempDir: () => string, cleanup: (dir: string) => unknown): { case: Case<string>; note: (warmup: number) => string } {
  const copy: number[] = [];
  const unpack: number[] = [];
  return {
    case: {
      setup: tempDir,
      run: (dir) => {
        const t0 = performance.now();
        sh('skopeo', ['copy', '-q', ...copyArgs, `oci:${dir}/oci:bench`]);
        const t1 = performance.now();
        sh('umoci', ['unpack', '--image', `${dir}/oci:bench`, `${dir}/bundle`]);
        copy.push(t1 - t0);
        unpack.push(performance.now() - t1);
      },
      teardown: cleanup,
    },
    note: (warmup) => `skopeo copy ${median(copy.slice(warmup)).toFixed(0)} ms + umoci unpack ${median(unpack.slice(warmup)).toFixed(0)} ms`,
  };
}

/** Runs a command line tool; its trimmed stdout, or an error with its stderr on a non-zero exit. */
export function runTool(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`${bin} ${args.join(' ')}: exit ${code}: ${err.trim()}`))));
  });
}

/** Why `docker` cannot be compared (no CLI, or no engine answers it), or null when it can. */
export function dockerEngineMissing(): string | null {
  if (!which('docker')) return 'docker CLI not installed';
  const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 15_000 });
  return r.status === 0 && r.stdout.trim() ? null : 'no Docker engine running (`docker info` failed)';
}

/** Why dockerd cannot be compared (not installed, not answering on its socket), or null when it can. The benches never start it. */
export async function dockerdMissing(): Promise<string | null> {
  const dockerd = which('dockerd');
  if (!dockerd) return 'dockerd not installed';
  if (!existsSync('/var/run/docker.sock') || !(await ping('/var/run/docker.sock'))) {
    return `${dockerd} installed but not running (no answer on /var/run/docker.sock); not started by the bench`;
  }
  return null;
}

/** Runs fn `runs` times after `warmup` runs and returns timing percentiles in milliseconds. */
export async function measure(name: string, runs: number, fn: () => Promise<unknown> | unknown, warmup = 2): Promise<Row> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { name, runs, median: at(0.5), p90: at(0.9) };
}

export function printTable(title: string, rows: Row[]): void {
  console.log(`\n## ${title}\n`);
  console.log('| tool | runs | median ms | p90 ms | note |');
  console.log('|---|---:|---:|---:|---|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.runs} | ${r.median.toFixed(1)} | ${r.p90.toFixed(1)} | ${r.note ?? ''} |`);
  }
}

export function skipped(name: string, why: string): Row {
  return { name, runs: 0, median: NaN, p90: NaN, note: `skipped: ${why}` };
}
