// Reads the exit status file written by the monitor (so a restarted daemon learns how a
// container ended while it was down).
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';

export interface ExitStatus {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  /** Signal name such as 'SIGKILL', or null on a normal exit. */
  signal: string | null;
}

export interface StatusFile extends ExitStatus {
  pid: number;
  finishedAt: Date;
}

export function signalName(signal: number | null): string | null {
  if (signal === null) return null;
  const entry = Object.entries(constants.signals).find(([, n]) => n === signal);
  return entry ? entry[0] : `SIG${signal}`;
}

/** Returns null when the file does not exist (the container has not exited, or never ran). */
export function readStatusFile(path: string): StatusFile | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const raw = JSON.parse(text) as { pid: number; code: number | null; signal: number | null; finishedAt: number };
  return { pid: raw.pid, code: raw.code, signal: signalName(raw.signal), finishedAt: new Date(raw.finishedAt) };
}
