// Small synchronous helpers for cgroupfs: exact single-write file writes, readers and parsers.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One write a driver wants to make, with the OCI field it comes from (for error messages). */
export interface CgroupWrite {
  /** Controller directory key (v1: 'memory', 'cpu', ...; v2: ''). */
  controller: string;
  file: string;
  value: string;
  /** OCI field, e.g. "memory.limit" (reported as linux.resources.memory.limit). */
  field: string;
}

export class CgroupWriteError extends Error {
  constructor(message: string, readonly code?: string, readonly file?: string, readonly field?: string) {
    super(message);
    this.name = 'CgroupWriteError';
  }
}

/**
 * Write `value` with one write(2) and without O_CREAT/O_TRUNC: cgroup files take one record per
 * write, and a missing file must be an error (unsupported controller), not silently created.
 */
export function writeFile(file: string, value: string): void {
  const fd = fs.openSync(file, fs.constants.O_WRONLY);
  try {
    fs.writeSync(fd, value);
  } finally {
    fs.closeSync(fd);
  }
}

export function describeWrite(w: CgroupWrite, file: string, err: unknown): CgroupWriteError {
  const e = err as NodeJS.ErrnoException;
  const why = e.code === 'ENOENT' ? 'file not found (controller not available?)' : `${e.code ?? ''} ${e.message}`.trim();
  return new CgroupWriteError(
    `cgroup: cannot apply linux.resources.${w.field} (${JSON.stringify(w.value)}) to ${file}: ${why}`,
    e.code, file, w.field);
}

export function readText(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

export function readTrimmed(file: string): string {
  return readText(file).trim();
}

export function tryRead(file: string): string | undefined {
  try {
    return readText(file);
  } catch {
    return undefined;
  }
}

/** Integer file content; "max" and absent files give undefined. */
export function readNumber(file: string): number | undefined {
  const s = tryRead(file)?.trim();
  if (s === undefined || s === '' || s === 'max') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control). */
export function parseFlatKeyed(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && v !== '') out[k] = Number(v);
  }
  return out;
}

/** Whitespace separated numbers (cpuacct.usage_percpu). */
export function parseNumberList(text: string | undefined): number[] {
  return (text ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** cgroup.procs content as pids. */
export function readPids(dir: string): number[] {
  const text = tryRead(path.join(dir, 'cgroup.procs'));
  return text === undefined ? [] : parseNumberList(text);
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** Synchronous sleep (cgroup state changes settle within milliseconds). */
export function sleepMs(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/** Poll `check` every `intervalMs` until it returns true or `timeoutMs` passes. */
export function waitUntil(check: () => boolean, timeoutMs: number, intervalMs = 2): boolean {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() >= deadline) return false;
    sleepMs(intervalMs);
  }
}

/** Cgroup dirs under `dir` (inclusive), deepest first, so they can be removed in order. */
export function descendantsDeepestFirst(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(path.join(d, e.name));
    out.push(d);
  };
  walk(dir);
  return out;
}

/**
 * rmdir a cgroup dir. Exiting tasks keep a cgroup busy for a moment, so EBUSY is retried
 * for up to `timeoutMs`; throws if the dir is still there.
 */
export function removeCgroupDir(dir: string, timeoutMs = 2000): void {
  let lastErr: NodeJS.ErrnoException | undefined;
  const ok = waitUntil(() => {
    try {
      fs.rmdirSync(dir);
      return true;
    } catch (err) {
      lastErr = err as NodeJS.ErrnoException;
      if (lastErr.code === 'ENOENT') return true;
      if (lastErr.code !== 'EBUSY') throw new Error(`cgroup: cannot remove ${dir}: ${lastErr.message}`);
      return false;
    }
  }, timeoutMs, 5);
  if (!ok) throw new Error(`cgroup: cannot remove ${dir}: still busy after ${timeoutMs} ms (${lastErr?.message})`);
}

/** rmdir that only succeeds when the dir is an empty cgroup; any failure is ignored. */
export function removeIfEmpty(dir: string): boolean {
  try {
    fs.rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}
