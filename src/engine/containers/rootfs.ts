// The container's root filesystem on the host: its snapshot mounted at <container dir>/rootfs
// while it runs, unmounted after exit (and at reconciliation when a crash left it mounted).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import type { Snapshotter } from '../../storage/index.js';

const execFileP = promisify(execFile);

/** Mount points under `prefix` from /proc/self/mountinfo (octal escapes decoded). */
export function mountsUnder(prefix: string): string[] {
  let text: string;
  try { text = fs.readFileSync('/proc/self/mountinfo', 'utf8'); } catch { return []; }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const mp = line.split(' ')[4];
    if (!mp) continue;
    const decoded = mp.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (decoded === prefix || decoded.startsWith(prefix + '/')) out.push(decoded);
  }
  return out;
}

export function isMounted(target: string): boolean {
  return mountsUnder(target).includes(target);
}

export async function mountRootfs(snapshots: Snapshotter, key: string, target: string): Promise<void> {
  fs.mkdirSync(target, { recursive: true, mode: 0o755 });
  if (isMounted(target)) return;
  await snapshots.mount(key, target);
}

/** Unmounts everything at or below `target`, deepest first; lazily if something holds it busy. */
export async function unmountRootfs(target: string): Promise<void> {
  const mounts = mountsUnder(target).sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      await execFileP('umount', [m]);
    } catch {
      await execFileP('umount', ['-l', m]).catch(() => {});
    }
  }
}
