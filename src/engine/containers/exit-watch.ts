// Noticing the exit of a container this daemon did not launch (picked up after a restart):
// the monitor writes <state>/exit-status when the init dies, so an inotify watch on the state
// directory tells us at once; one shared slow sweep covers a monitor killed without writing it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Runtime } from '../../runtime/runtime.js';
import { readStatusFile, type ExitStatus } from '../../runtime/executor/status.js';

/** An exit seen through the status file carries the monitor's own time of death. */
export interface WatchedExit extends ExitStatus { finishedAt?: Date }
import { processStartTime } from '../../runtime/state.js';

const SWEEP_MS = 2000;
const pending = new Set<() => void>();
let sweep: NodeJS.Timeout | undefined;

function ensureSweep(): void {
  if (sweep || pending.size === 0) return;
  sweep = setInterval(() => {
    for (const check of [...pending]) check();
    if (pending.size === 0 && sweep) { clearInterval(sweep); sweep = undefined; }
  }, SWEEP_MS);
  sweep.unref();
}

/** Resolves with the exit status once the container's init is gone. */
export function watchExit(runtime: Runtime, id: string): Promise<WatchedExit> {
  const rec = runtime.states.read(id);
  if (!rec) return Promise.resolve({ code: null, signal: 'SIGKILL' });
  return new Promise((resolve) => {
    let watcher: fs.FSWatcher | undefined;
    let goneChecks = 0;
    const check = (): void => {
      const status = safeReadStatus(rec.statusFile);
      const alive = rec.pidStartTime !== '' && processStartTime(rec.pid) === rec.pidStartTime;
      if (!status && alive) return;
      // The pid is gone but the status file is not there yet: give the monitor a moment.
      if (!status && ++goneChecks < 3) return;
      done(status ?? { code: 255, signal: null });
    };
    const done = (s: WatchedExit): void => {
      pending.delete(check);
      watcher?.close();
      resolve({ code: s.code, signal: s.signal, finishedAt: s.finishedAt });
    };
    try {
      watcher = fs.watch(path.dirname(rec.statusFile), () => check());
      watcher.on('error', () => {});
    } catch { /* the sweep still covers it */ }
    pending.add(check);
    ensureSweep();
    check();
  });
}

function safeReadStatus(file: string): WatchedExit | null {
  try { return readStatusFile(file); } catch { return null; }
}
