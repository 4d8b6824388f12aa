// The container's root filesystem on the host: its snapshot mounted at <container dir>/rootfs
// while it runs, unmounted after exit (and at reconciliation when a crash left it mounted).
import * as fs from 'node:fs';
import type { HostMount } from '../../runtime/runtime.js';
import type { Snapshotter } from '../../storage/index.js';
import { readFromLayers } from '../../storage/layered-read.js';
import { mountsUnder } from '../../storage/mountinfo.js';
import { runProgram } from '../../storage/program-runner.js';
import type { UserDb } from '../user.js';

export { mountsUnder };

export function isMounted(target: string): boolean {
  return mountsUnder(target).includes(target);
}

const MS_BIND = 4096;

/** /etc/passwd and /etc/group of a container's snapshot, read from its layers (not mounted yet). */
export async function readUserDb(snapshots: Snapshotter, key: string): Promise<UserDb> {
  const dirs = await snapshots.viewDirs(key);
  const [passwd, group] = await Promise.all([readFromLayers(dirs, '/etc/passwd'), readFromLayers(dirs, '/etc/group')]);
  return { passwd, group };
}

/**
 * The rootfs mounts for the runtime's executor to make on the host before it clones the container
 * (and to undo after the exit): saves spawning mount and umount for every start. Empty when the
 * target is already mounted (a stale mount is reused, as mountRootfs does).
 */
export async function rootfsHostMounts(snapshots: Snapshotter, key: string, target: string, opts: { volatile?: boolean } = {}): Promise<HostMount[]> {
  fs.mkdirSync(target, { recursive: true, mode: 0o755 });
  if (isMounted(target)) return [];
  return (await snapshots.mounts(key, opts)).map((m) => m.type === 'bind'
    ? { source: m.source, target, fstype: '', flags: MS_BIND }
    : { source: m.source, target, fstype: m.type, data: m.options.join(','), ...(m.cwd ? { cwd: m.cwd } : {}) });
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
    // Through storage's long-lived shell: no fork of the daemon per umount.
    const r = await runProgram('umount', [m]).catch(() => null);
    if (r?.code !== 0) await runProgram('umount', ['-l', m]).catch(() => {});
  }
}
