// Waiting for a process we are not the parent of (created by another runtime process).
import { processStartTime } from './state.js';

/** Polls until the pid is gone (or reused by another process), backing off up to 50 ms. */
export async function waitForPidExit(pid: number, startTime: string, timeoutMs = Infinity): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  while (processStartTime(pid) === startTime && startTime !== '') {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(50, delay * 2);
  }
  return true;
}
