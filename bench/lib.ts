// Small helpers shared by the benchmarks: timing, percentiles, tables, tool detection.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ping } from '../test/helpers/wharfd.js';

export interface Row { name: string; runs: number; median: number; p90: number; note?: string }

export function which(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
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
