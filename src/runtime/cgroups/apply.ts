// Applies a list of cgroup file writes, turning kernel errors into messages that name the
// linux.resources field and the file.
import * as path from 'node:path';
import { type CgroupWrite, CgroupWriteError, describeWrite, writeFile, tryRead } from './fsutil.js';

const MEMORY_LIMIT_FILES = new Set(['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'memory.max']);

function usageHint(dir: string, file: string): string {
  const usageFile = file === 'memory.max' ? 'memory.current'
    : file === 'memory.memsw.limit_in_bytes' ? 'memory.memsw.usage_in_bytes' : 'memory.usage_in_bytes';
  const usage = tryRead(path.join(dir, usageFile))?.trim();
  return usage ? ` (current usage ${usage} bytes)` : '';
}

function writeOne(w: CgroupWrite, dirOf: (controller: string) => string): void {
  const dir = dirOf(w.controller);
  const file = path.join(dir, w.file);
  try {
    writeFile(file, w.value);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EBUSY' && MEMORY_LIMIT_FILES.has(w.file)) {
      throw new CgroupWriteError(
        `cgroup: cannot set linux.resources.${w.field} to ${w.value}: it is below the memory the container ` +
        `already uses and cannot be reclaimed${usageHint(dir, w.file)} (${file}: EBUSY)`, code, file, w.field);
    }
    throw describeWrite(w, file, err);
  }
}

/** Writes in order. `dirOf` maps a write's controller key to its cgroup directory. */
export function applyWrites(writes: CgroupWrite[], dirOf: (controller: string) => string): void {
  for (let i = 0; i < writes.length; i++) {
    const w = writes[i]!;
    const next = writes[i + 1];
    try {
      writeOne(w, dirOf);
    } catch (err) {
      // A new period can conflict with the old quota (and vice versa): runc retries quota first.
      if ((err as CgroupWriteError).code === 'EINVAL' && w.file === 'cpu.cfs_period_us' && next?.file === 'cpu.cfs_quota_us') {
        writeOne(next, dirOf);
        writeOne(w, dirOf);
        i++;
        continue;
      }
      throw err;
    }
  }
}
