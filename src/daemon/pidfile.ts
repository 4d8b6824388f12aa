// Exclusive ownership of a path by a live process: a file holding our pid, created atomically
// (link of a complete temp file, so nobody reads a half-written pid). A file naming a dead process
// is stale and taken over.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Paths this process holds, so a second in-process daemon is refused too. */
const held = new Set<string>();

export class PidFileInUseError extends Error {
  constructor(readonly file: string, readonly pid: number) {
    super(`pid file found, ensure wharfd is not running or delete ${file} (process ${pid} is alive)`);
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | undefined {
  try {
    const n = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Creates `file` holding our pid, taking over a stale one. Returns the release function. */
export function acquirePidFile(file: string): () => void {
  const abs = path.resolve(file);
  if (held.has(abs)) throw new PidFileInUseError(abs, process.pid);
  fs.mkdirSync(path.dirname(abs), { recursive: true, mode: 0o755 });
  const tmp = `${abs}.${randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, `${process.pid}\n`, { mode: 0o644 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.linkSync(tmp, abs); // fails with EEXIST if the file exists: an atomic O_EXCL create
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
      }
      const pid = readPid(abs);
      if (pid !== undefined && pid !== process.pid && processAlive(pid)) throw new PidFileInUseError(abs, pid);
      fs.rmSync(abs, { force: true }); // stale: its process is gone
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  held.add(abs);
  return () => {
    held.delete(abs);
    if (readPid(abs) === process.pid) fs.rmSync(abs, { force: true });
  };
}
