// Side-by-side runs of the docker 20.10 CLI and the wharf CLI against the same daemon, and table
// comparisons column by column (with time-dependent columns masked).
import assert from 'node:assert/strict';
import { runDocker, type RunResult, type TestDaemon } from '../docker-cli/helpers.js';
import { runWharf } from './container-helpers.js';

export interface Pair { docker: RunResult; wharf: RunResult }

let dockerDelayMs = 0;

/**
 * Measures how much later than the docker binary the wharf CLI reaches the daemon (node's start),
 * so `both` can start docker that much later and both read the clock at about the same time.
 */
export async function calibrate(t: TestDaemon): Promise<void> {
  const gaps: number[] = [];
  for (let i = 0; i < 3; i++) {
    const [d, w] = await Promise.all([runDocker(t.env, ['version', '--format', '{{.Server.Version}}']), runWharf(t.env, ['version', '--format', '{{.Server.Version}}'])]);
    gaps.push(w.ms - d.ms);
  }
  dockerDelayMs = Math.max(0, gaps.sort((a, b) => a - b)[1]!);
}

/** Runs both CLIs so that they ask the daemon at about the same moment ("N seconds ago" texts agree). */
export async function both(t: TestDaemon, args: string[], input?: string): Promise<Pair> {
  const docker = new Promise<RunResult>((resolve, reject) => {
    setTimeout(() => runDocker(t.env, args, { input }).then(resolve, reject), dockerDelayMs);
  });
  const [d, wharf] = await Promise.all([docker, runWharf(t.env, args, { input })]);
  return { docker: d, wharf };
}

/**
 * Asserts identical stdout, stderr and exit code; retried a few times because a clock second may
 * tick between the two runs ("1 second ago" vs "2 seconds ago").
 */
export async function assertSame(t: TestDaemon, args: string[], opts: { sortLines?: boolean; input?: string } = {}): Promise<Pair> {
  let last: Pair | undefined;
  const norm = (s: string): string => (opts.sortLines ? s.split('\n').sort().join('\n') : s);
  for (let attempt = 0; attempt < 5; attempt++) {
    // A retry shifts the runs against the clock's second boundary.
    if (attempt) await new Promise((res) => setTimeout(res, 150 * attempt));
    last = await both(t, args, opts.input);
    if (norm(last.docker.stdout) === norm(last.wharf.stdout) && last.docker.stderr === last.wharf.stderr && last.docker.code === last.wharf.code) return last;
  }
  assert.equal(norm(last!.wharf.stdout), norm(last!.docker.stdout), `stdout of ${args.join(' ')}`);
  assert.equal(last!.wharf.stderr, last!.docker.stderr, `stderr of ${args.join(' ')}`);
  assert.equal(last!.wharf.code, last!.docker.code, `exit code of ${args.join(' ')}`);
  return last!;
}

/** Column starts of a table from its header line, given the column titles in order. */
export function columnStarts(header: string, titles: string[]): number[] {
  let from = 0;
  return titles.map((title) => {
    const i = header.indexOf(title, from);
    assert.ok(i >= 0, `column ${title} in ${JSON.stringify(header)}`);
    from = i + title.length;
    return i;
  });
}

/** Cells of each line cut at the header's column starts. */
export function cells(text: string, titles: string[]): { starts: number[]; rows: string[][] } {
  const [header, ...lines] = text.replace(/\n$/, '').split('\n');
  const starts = columnStarts(header!, titles);
  const rows = lines.map((l) => starts.map((s, i) => l.slice(s, starts[i + 1] ?? l.length)));
  return { starts, rows };
}

/**
 * Compares two tables column by column: same header text, same column starts, same cells except
 * masked columns (checked only for their shape), every cell beginning at its column start.
 */
export function assertSameTable(docker: string, wharf: string, titles: string[], masked: Record<string, RegExp> = {}): void {
  const d = cells(docker, titles);
  const w = cells(wharf, titles);
  assert.equal(wharf.split('\n')[0]!.replace(/\s+/g, ' '), docker.split('\n')[0]!.replace(/\s+/g, ' '), 'header titles');
  assert.equal(w.rows.length, d.rows.length, `row count\n${docker}\n${wharf}`);
  const maskedBefore = (i: number): boolean => titles.slice(0, i).some((t) => masked[t]);
  titles.forEach((title, i) => {
    // Column starts agree up to the first masked column (its width may differ).
    if (!maskedBefore(i)) assert.equal(w.starts[i], d.starts[i], `start of column ${title}\n${docker}\n${wharf}`);
  });
  w.rows.forEach((row, r) => {
    row.forEach((cell, i) => {
      const title = titles[i]!;
      // Every cell begins exactly at its column start: the char before it is padding.
      if (i > 0 && cell.trim()) assert.match(wharf.split('\n')[r + 1]!.slice(0, w.starts[i]), / {3}$|^$/, `padding before ${title}`);
      if (masked[title]) assert.match(cell.trim(), masked[title]!, `${title} shape`);
      else assert.equal(cell.trim(), d.rows[r]![i]!.trim(), `${title} of row ${r}\n${docker}\n${wharf}`);
    });
  });
}
