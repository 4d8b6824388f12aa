// Image removal (docker rmi), prune, and garbage collection of unreferenced blobs and layer snapshots.
import { SnapshotInUseError, SnapshotNotFoundError } from '../storage/index.js';
import type { ImageStore } from './store.js';
import { ImageConflictError } from './errors.js';
import { deleteReference, referencesOf } from './db.js';
import { parseNormalizedTagged, parseReference, familiarString, referenceString } from './reference.js';
import { chainIdsOfConfig } from './chain.js';

export interface RemoveOptions {
  force?: boolean;
  /** True when some container (running or not) uses the image: removal then needs force. */
  inUse?: (id: string) => boolean;
  /** True when a running container uses the image: removal is refused even with force. */
  running?: (id: string) => boolean;
}

/** Docker's ImageDeleteResponseItem. */
export type DeleteItem = { Untagged: string } | { Deleted: string };

export interface PruneOptions {
  /** Default true: only untagged images; false: every image no container uses. */
  dangling?: boolean;
  inUse?: (id: string) => boolean;
  /** Only images created before this time. */
  until?: Date;
}

export interface PruneReport {
  ImagesDeleted: DeleteItem[];
  SpaceReclaimed: number;
}

export interface GcResult {
  blobs: string[];
  layers: string[];
  /** Bytes freed (blob bytes + layer sizes). */
  reclaimed: number;
}

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

function isIdPrefix(id: string, s: string): boolean {
  return id.startsWith(s) || id.slice(7).startsWith(s);
}

/** One repository and at most one tag among the references (Docker's isSingleReference). */
function isSingleReference(refs: string[]): boolean {
  const parsed = refs.map((r) => parseReference(r));
  if (new Set(parsed.map((r) => r.name)).size > 1) return false;
  return parsed.filter((r) => r.tag && !r.digest).length <= 1;
}

/**
 * Runs a removal marked in flight: an image is unregistered before its blobs and layers are
 * deleted, so a crash in between leaves garbage the marker makes the next open collect.
 */
async function inFlight<T>(store: ImageStore, kind: string, fn: () => Promise<T>): Promise<T> {
  const op = await store.beginOperation(kind);
  try {
    return await fn();
  } finally {
    await op.end();
  }
}

/** `docker rmi`: untag and/or delete with Docker's conflict rules; returns Untagged/Deleted items. */
export async function remove(store: ImageStore, refOrId: string, opts: RemoveOptions): Promise<DeleteItem[]> {
  return inFlight(store, 'remove', async () => (await removeDetailed(store, refOrId, opts)).items);
}

async function removeDetailed(store: ImageStore, refOrId: string, opts: RemoveOptions): Promise<{ items: DeleteItem[]; reclaimed: number }> {
  const id = store.resolve(refOrId);
  const items: DeleteItem[] = [];
  const inUse = opts.inUse?.(id) ?? false;
  const running = opts.running?.(id) ?? false;
  const children = store.ids().filter((other) => store.db.view.Images[other]?.parent === id);
  const conflict = (why: string, hard: boolean) =>
    new ImageConflictError(`unable to delete ${short(id)} (${hard ? 'cannot' : 'must'} be forced) - ${why}`);
  const checkHard = () => {
    if (children.length) throw conflict('image has dependent child images', true);
    if (running) throw conflict('image is being used by running container', true);
  };
  let refs = store.references(id);

  if (!isIdPrefix(id, refOrId)) {
    // A repository reference: remove it first; delete the image only if nothing else names it.
    const ref = parseNormalizedTagged(refOrId);
    if (!opts.force && isSingleReference(refs) && inUse) {
      throw new ImageConflictError(`unable to remove repository reference "${refOrId}" (must force) - a container is using its referenced image ${short(id)}`);
    }
    const removed = await store.db.update((d) => {
      const out: string[] = [];
      deleteReference(d, ref.name, referenceString(ref));
      out.push(familiarString(ref));
      let left = referencesOf(d, id);
      if (!ref.digest && !left.some((r) => { const p = parseReference(r); return p.name === ref.name && !p.digest; })) {
        // The last tag of this repository went: its digest references go with it.
        for (const r of left) {
          const p = parseReference(r);
          if (p.name === ref.name && p.digest) { deleteReference(d, p.name, r); out.push(familiarString(p)); }
        }
        left = referencesOf(d, id);
      }
      return { out, left };
    });
    items.push(...removed.out.map((u) => ({ Untagged: u })));
    if (removed.left.length > 0) return { items, reclaimed: 0 };
  } else if (refs.length > 0 && !isSingleReference(refs) && !opts.force) {
    throw conflict('image is referenced in multiple repositories', false);
  }

  checkHard();
  if (inUse && !opts.force) throw conflict('image is being used by a container', false);
  refs = store.references(id);
  const img = await store.byId(id);
  await store.db.update((d) => {
    for (const r of referencesOf(d, id)) deleteReference(d, parseReference(r).name, r);
    delete d.Images[id];
  });
  store.forget(id);
  items.push(...refs.map((r) => ({ Untagged: familiarString(parseReference(r)) })));
  items.push({ Deleted: id });
  const gc = await collectGarbage(store, {
    blobs: new Set([id, img.manifestDigest, ...img.manifest.layers.map((l) => l.digest)]),
    layers: new Set(chainIdsOfConfig(img.config)),
  });
  items.push(...gc.layers.map((c) => ({ Deleted: c })));
  return { items, reclaimed: gc.reclaimed };
}

/** `docker image prune`: removes dangling (or all unused) images, then unreferenced blobs and snapshots. */
export async function prune(store: ImageStore, opts: PruneOptions): Promise<PruneReport> {
  return inFlight(store, 'prune', () => pruneImages(store, opts));
}

async function pruneImages(store: ImageStore, opts: PruneOptions): Promise<PruneReport> {
  const danglingOnly = opts.dangling ?? true;
  const report: PruneReport = { ImagesDeleted: [], SpaceReclaimed: 0 };
  const parents = new Set(store.ids().map((id) => store.db.view.Images[id]?.parent).filter(Boolean));
  for (const id of store.ids()) {
    if (!store.has(id)) continue;
    const refs = store.references(id);
    if (refs.length === 0 && parents.has(id)) continue; // intermediate image of a kept child
    if (danglingOnly && refs.some((r) => !parseReference(r).digest)) continue;
    if (opts.inUse?.(id)) continue;
    const img = await store.byId(id);
    if (opts.until && img.config.created && Date.parse(img.config.created) >= opts.until.getTime()) continue;
    try {
      const r = await removeDetailed(store, id, {});
      report.ImagesDeleted.push(...r.items);
      report.SpaceReclaimed += r.reclaimed;
    } catch (err) {
      if (!(err instanceof ImageConflictError)) throw err;
    }
  }
  const gc = await collectGarbage(store);
  for (const c of gc.layers) report.ImagesDeleted.push({ Deleted: c });
  report.SpaceReclaimed += gc.reclaimed;
  return report;
}

function layerSizes(store: ImageStore): Map<string, number> {
  return new Map(Object.entries(store.db.view.Layers).map(([c, l]) => [c, l.size]));
}

/**
 * Deletes blobs and layer snapshots no image references and no in-flight operation holds
 * (restricted to `only` when given). Layers still used (by containers or upper layers) stay.
 */
export async function collectGarbage(store: ImageStore, only?: { blobs: Set<string>; layers: Set<string> }): Promise<GcResult> {
  const keepBlobs = store.leasedKeys();
  const keepLayers = store.leasedKeys();
  for (const id of store.ids()) {
    const img = await store.byId(id);
    keepBlobs.add(id).add(img.manifestDigest);
    for (const l of img.manifest.layers) keepBlobs.add(l.digest);
    for (const c of chainIdsOfConfig(img.config)) keepLayers.add(c);
  }
  const result: GcResult = { blobs: [], layers: [], reclaimed: 0 };
  const blobs = only ? [...only.blobs] : (await store.content.list()).map((b) => b.digest);
  for (const d of blobs) {
    if (keepBlobs.has(d) || !(await store.content.has(d))) continue;
    const size = await store.content.size(d).catch(() => 0);
    if (await store.content.delete(d)) { result.blobs.push(d); result.reclaimed += size; }
  }
  // Remove top-down: a layer becomes removable once the layers above it are gone.
  const sizes = layerSizes(store);
  // An operation's own collection with no unreferenced layer of its own skips listing every snapshot.
  const layersToCheck = !only || [...only.layers].some((c) => !keepLayers.has(c));
  for (let progress = layersToCheck; progress;) {
    progress = false;
    const snaps = await store.snapshots.list();
    for (const s of snaps) {
      if (s.kind !== 'layer' || keepLayers.has(s.key) || s.users.length > 0) continue;
      if (only && !only.layers.has(s.key)) continue;
      const size = sizes.get(s.key) ?? (await store.snapshots.usage(s.key).then((u) => u.size, () => 0));
      try {
        await store.snapshots.remove(s.key);
      } catch (err) {
        if (err instanceof SnapshotInUseError || err instanceof SnapshotNotFoundError) continue;
        throw err;
      }
      result.layers.push(s.key);
      result.reclaimed += size;
      progress = true;
    }
  }
  // A full collection also drops records of layers whose removal a crash cut short.
  const present = only ? null : new Set((await store.snapshots.list()).map((s) => s.key));
  const stale = present ? Object.keys(store.db.view.Layers).filter((c) => !present.has(c) && !keepLayers.has(c)) : [];
  if (result.layers.length > 0 || stale.length > 0) {
    await store.db.update((d) => { for (const c of [...result.layers, ...stale]) delete d.Layers[c]; });
  }
  return result;
}
