// Temporary mounts of a container snapshot, for stopped containers (a running container's engine
// passes its already mounted rootfs instead: an overlay upper dir must not be mounted twice).
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Snapshotter } from '../../storage/index.js';

export interface MountedSnapshot {
  dir: string;
  /** Unmounts and removes the mount point; safe to call more than once. */
  release(): Promise<void>;
}

/** Mounts active snapshot `key` at a fresh private temp dir. */
export async function mountSnapshot(snaps: Snapshotter, key: string): Promise<MountedSnapshot> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-mnt-'));
  try {
    await snaps.mount(key, dir);
  } catch (err) {
    await fs.rmdir(dir).catch(() => undefined);
    throw err;
  }
  let released: Promise<void> | null = null;
  return {
    dir,
    release: () => (released ??= (async () => {
      await snaps.unmount(dir);
      await fs.rmdir(dir);
    })()),
  };
}

/** Runs `fn` with snapshot `key` mounted at a temp dir; always unmounts afterwards. */
export async function withMountedSnapshot<T>(snaps: Snapshotter, key: string, fn: (rootDir: string) => Promise<T> | T): Promise<T> {
  const m = await mountSnapshot(snaps, key);
  try {
    return await fn(m.dir);
  } finally {
    await m.release();
  }
}
