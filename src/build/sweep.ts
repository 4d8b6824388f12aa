// What a daemon crash left of build steps, removed at daemon start. Kept apart from the builder so
// the daemon can sweep without loading the builder (and its Dockerfile parser) before a first build.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageStore } from '../image/index.js';
import type { Runtime } from '../runtime/runtime.js';
import { unmountRootfs } from '../engine/containers/rootfs.js';

/** Names of build step containers and snapshots. */
export const STEP_PREFIX = 'build-';

/** Where builds keep their per-build work directories. */
export const buildWorkRoot = (dataRoot: string): string => path.join(dataRoot, 'builder', 'work');

/** Removes what a daemon crash left of build steps: runtime states, mounts, snapshots, work dirs. */
export async function sweepBuildLeftovers(store: ImageStore, runtime: Runtime, workRoot: string): Promise<void> {
  for (const id of runtime.states.ids()) {
    if (id.startsWith(STEP_PREFIX)) await runtime.get(id).delete(true).catch(() => runtime.states.remove(id));
  }
  for (const name of fs.existsSync(workRoot) ? fs.readdirSync(workRoot) : []) {
    await unmountRootfs(path.join(workRoot, name, 'rootfs'));
    await unmountRootfs(path.join(workRoot, name));
  }
  for (const s of await store.snapshots.list()) {
    if (s.kind === 'active' && s.key.startsWith(STEP_PREFIX)) await store.snapshots.remove(s.key).catch(() => {});
  }
  fs.rmSync(workRoot, { recursive: true, force: true });
  fs.mkdirSync(workRoot, { recursive: true, mode: 0o711 });
}
