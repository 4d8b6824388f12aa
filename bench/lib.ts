// Small helpers shared by the benchmarks: timing, percentiles, tables, tool detection.
import { execFileSync } from 'node:child_process';

export interface Row { name: string; runs: number; median: number; p90: number; note?: string }

export function which(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
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
