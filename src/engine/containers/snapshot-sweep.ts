// Daemon start: container snapshots and container records agree again after a crash. A container's
// snapshot is made without fsyncs (its record's config.json is the commit point) and removed after
// its record, so a crash can leave a snapshot no record owns (removed here) or, after a machine
// crash, a record whose snapshot was lost (made again: the create had only just happened, so the
// snapshot was still empty). Image layers dropped after a machine crash (deferred-sync.ts) are
// made again for the containers on them.
import * as fs from 'node:fs';
import type { Logger } from 'pino';
import type { ImageStore } from '../../image/index.js';
import type { Digest } from '../../storage/digest.js';
import type { ContainerStore } from '../container-store.js';
import { isFullId } from '../ids.js';
import type { ContainerSpec, ContainerState } from './types.js';

export async function reconcileSnapshots(store: ContainerStore<ContainerSpec, ContainerState>, images: ImageStore, logger: Logger): Promise<void> {
  const snaps = images.snapshots;
  const owned = new Set(store.list().map((r) => r.id));
  for (const s of await snaps.list()) {
    // Container snapshots are keyed by the container ID (build steps and others use other keys).
    if (s.kind !== 'active' || !isFullId(s.key) || owned.has(s.key)) continue;
    // A record left on disk because it could not be loaded keeps its snapshot, for inspection.
    if (fs.existsSync(store.dirOf(s.key))) continue;
    await snaps.remove(s.key, { durable: false }).then(
      () => logger.info({ id: s.key }, 'removed the snapshot of a container that no longer exists'),
      (err) => logger.warn({ err, id: s.key }, 'removing an orphan container snapshot failed'),
    );
  }
  for (const rec of store.list()) {
    if (await snaps.describe(rec.id)) {
      // Layers published unsynced before a machine crash were dropped at open: its container's
      // snapshot sits on them, so they are unpacked again (from their blobs) before it can start.
      if (snaps.droppedLayers.length > 0) {
        await images.ensureImageLayers(rec.config.Image).catch((err) => logger.error({ err, id: rec.id }, 'the image layers of a container cannot be made again'));
      }
      continue;
    }
    try {
      const parent = await images.ensureImageLayers(rec.config.Image);
      await snaps.prepare(rec.id, parent as Digest | null, { durable: false });
      logger.warn({ id: rec.id }, 'container snapshot lost in a crash: made again from its image');
    } catch (err) {
      logger.error({ err, id: rec.id }, 'container snapshot lost in a crash and cannot be made again');
    }
  }
}
