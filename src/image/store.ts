// ImageStore: images recorded by config digest (image ID), references -> IDs, layer snapshots.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  ContentStore, Snapshotter, applyLayer, chainIds, removeTree, writeJsonAtomic,
  type SnapshotterOptions,
} from '../storage/index.js';
import { ImageDb, referencesOf, setReference, deleteReference, type DbData } from './db.js';
import { ImageNotFoundError, AmbiguousImageError } from './errors.js';
import {
  parseReference, parseNormalizedTagged, referenceString, familiarString, isFullImageId,
  InvalidReferenceError, type Reference,
} from './reference.js';
import { parseImageConfig, parseManifest, type ImageConfig, type Manifest } from './types.js';
import { uncompressedDigest } from './decompress.js';
import { chainIdsOfConfig } from './chain.js';
import * as views from './views.js';
import * as removal from './remove.js';

export interface Image {
  /** sha256:<hex> of the config. */
  id: string;
  config: ImageConfig;
  manifestDigest: string;
  manifest: Manifest;
  /** Familiar tag references (busybox:latest). */
  repoTags: string[];
  /** Familiar digest references (busybox@sha256:...). */
  repoDigests: string[];
  parent: string;
  lastTagTime?: string;
}

export interface ImageStoreOptions {
  snapshotter?: SnapshotterOptions;
  /** Limit on one layer's uncompressed size (decompression bomb guard). */
  maxLayerBytes?: number;
}

/** What load/import hand to register(): a fully stored and unpacked image plus its names. */
export interface NewImage {
  id: string;
  manifestDigest: string;
  parent?: string;
  tags: Reference[];
  /** The parsed config and manifest, when the caller has them: later look-ups need not read them. */
  parsed?: { config: ImageConfig; manifest: Manifest };
}

/**
 * An in-flight mutation (load/import): its marker file tells the next open() that a crash may
 * have left unreferenced blobs/snapshots; its leases keep a concurrent prune off what it wrote.
 */
export class Operation {
  readonly createdBlobs = new Set<string>();
  readonly createdLayers = new Set<string>();
  private readonly leased = new Set<string>();
  constructor(private readonly store: ImageStore, readonly marker: string) {}
  /** Protects a digest or chain ID from garbage collection until end(). */
  lease(key: string): void {
    if (this.leased.has(key)) return;
    this.store.holdLease(key);
    this.leased.add(key);
  }
  blob(digest: string, created: boolean): void {
    this.lease(digest);
    if (created) this.createdBlobs.add(digest);
  }
  layer(chain: string, created: boolean): void {
    this.lease(chain);
    if (created) this.createdLayers.add(chain);
  }
  /**
   * Ends the operation: whatever it created that no registered image references (all of it on
   * failure, strays like unused archive files on success) is removed.
   */
  async end(): Promise<void> {
    for (const k of this.leased) this.store.releaseLease(k);
    try {
      await removal.collectGarbage(this.store, { blobs: this.createdBlobs, layers: this.createdLayers });
    } finally {
      await fs.rm(this.marker, { force: true });
    }
  }
}

export class ImageStore {
  /** Digests and chain IDs held by in-flight operations (never garbage-collected), with counts. */
  private readonly leaseCounts = new Map<string, number>();
  /**
   * Parsed config and manifest by image ID. An entry is valid only for the manifest digest it was
   * read from (register() may point the ID at another manifest): both are content-addressed, so a
   * matching entry can never be stale.
   */
  private readonly cache = new Map<string, { manifestDigest: string; config: ImageConfig; manifest: Manifest }>();
  readonly opsDir: string;

  private constructor(
    readonly root: string,
    readonly content: ContentStore,
    readonly snapshots: Snapshotter,
    readonly db: ImageDb,
    readonly options: ImageStoreOptions,
  ) {
    this.opsDir = path.join(root, 'images', 'ops');
  }

  /** Opens (creating) the store under `root`; cleans leftovers of a crashed load/import. */
  static async open(root: string, options: ImageStoreOptions = {}): Promise<ImageStore> {
    const content = new ContentStore(root);
    await content.cleanupTmp();
    const snapshots = await Snapshotter.open(root, options.snapshotter);
    const db = new ImageDb(path.join(root, 'images', 'repositories.json'));
    await db.load();
    const store = new ImageStore(root, content, snapshots, db, options);
    await store.recover();
    return store;
  }

  private async recover(): Promise<void> {
    await fs.mkdir(this.opsDir, { recursive: true });
    const tmp = path.join(this.root, 'tmp');
    for (const name of await fs.readdir(tmp).catch(() => [] as string[])) {
      if (name.startsWith('image-')) await removeTree(path.join(tmp, name));
    }
    const markers = await fs.readdir(this.opsDir);
    if (markers.length === 0) return;
    // An operation died mid-way: what it stored but never registered is unreferenced garbage.
    await removal.collectGarbage(this);
    for (const m of markers) await fs.rm(path.join(this.opsDir, m), { force: true });
  }

  /**
   * Starts a load/import; see Operation. `durable: false`: the marker survives a daemon crash
   * but a machine crash may lose it, then leaving the operation's garbage to the next prune.
   */
  async beginOperation(kind: string, opts: { durable?: boolean } = {}): Promise<Operation> {
    const marker = path.join(this.opsDir, `${kind}-${process.pid}-${randomBytes(6).toString('hex')}.json`);
    await writeJsonAtomic(marker, { kind, pid: process.pid, started: new Date().toISOString() }, 0o644, opts);
    return new Operation(this, marker);
  }

  holdLease(key: string): void {
    this.leaseCounts.set(key, (this.leaseCounts.get(key) ?? 0) + 1);
  }

  releaseLease(key: string): void {
    const n = (this.leaseCounts.get(key) ?? 0) - 1;
    if (n > 0) this.leaseCounts.set(key, n); else this.leaseCounts.delete(key);
  }

  /** Keys currently protected by in-flight operations. */
  leasedKeys(): Set<string> {
    return new Set(this.leaseCounts.keys());
  }

  /** A private scratch dir under <root>/tmp (removed at next open if left behind). */
  async tempDir(): Promise<string> {
    const dir = path.join(this.root, 'tmp', `image-${randomBytes(8).toString('hex')}`);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  // ---- lookup ----

  /** Resolves a reference, full ID or unique ID prefix to an image ID (Docker's GetImage order). */
  resolve(refOrId: string): string {
    const d = this.db.view;
    if (isFullImageId(refOrId)) {
      const id = refOrId.startsWith('sha256:') ? refOrId : `sha256:${refOrId}`;
      if (d.Images[id]) return id;
      throw new ImageNotFoundError(refOrId);
    }
    let ref: Reference | undefined;
    try {
      ref = parseNormalizedTagged(refOrId);
    } catch (err) {
      if (!(err instanceof InvalidReferenceError) || !/^(sha256:)?[0-9a-f]+$/.test(refOrId)) throw err;
    }
    if (ref) {
      const id = d.Repositories[ref.name]?.[referenceString(ref)];
      if (id && d.Images[id]) return id;
    }
    const m = /^(?:sha256:)?([0-9a-f]{1,64})$/.exec(refOrId);
    if (m) {
      const matches = Object.keys(d.Images).filter((id) => id.startsWith(`sha256:${m[1]}`));
      if (matches.length === 1) return matches[0]!;
      if (matches.length > 1) throw new AmbiguousImageError(refOrId, matches);
    }
    throw new ImageNotFoundError(refOrId);
  }

  /** True when an image with this ID is registered. */
  has(id: string): boolean {
    return id in this.db.view.Images;
  }

  /** Looks an image up by reference, ID or short ID prefix. */
  async get(refOrIdOrPrefix: string): Promise<Image> {
    return this.byId(this.resolve(refOrIdOrPrefix));
  }

  /** The image with exactly this ID. */
  async byId(id: string): Promise<Image> {
    const rec = this.db.view.Images[id];
    if (!rec) throw new ImageNotFoundError(id);
    let cached = this.cache.get(id);
    if (cached?.manifestDigest !== rec.manifest) {
      const config = parseImageConfig(await this.content.read(id), `image ${id}`);
      const manifest = parseManifest(await this.content.read(rec.manifest), `image ${id}`);
      cached = { manifestDigest: rec.manifest, config, manifest };
      this.cache.set(id, cached);
    }
    const refs = referencesOf(this.db.view, id).map((r) => parseReference(r));
    return {
      id,
      config: cached.config,
      manifest: cached.manifest,
      manifestDigest: rec.manifest,
      repoTags: refs.filter((r) => r.tag && !r.digest).map(familiarString),
      repoDigests: refs.filter((r) => r.digest).map(familiarString),
      parent: rec.parent ?? '',
      ...(rec.lastTagTime ? { lastTagTime: rec.lastTagTime } : {}),
    };
  }

  /** IDs of all images. */
  ids(): string[] {
    return Object.keys(this.db.view.Images).sort();
  }

  /** Full reference strings pointing at `id`. */
  references(id: string): string[] {
    return referencesOf(this.db.view, id);
  }

  // ---- references ----

  /** `docker tag src ref`: points `ref` (default tag latest) at the image `src` resolves to. */
  async tag(src: string, target: string): Promise<void> {
    const ref = parseNormalizedTagged(target);
    if (ref.digest) throw new InvalidReferenceError(target, `refusing to create a tag with a digest reference: ${target}`);
    const id = this.resolve(src);
    await this.db.update((d) => {
      if (!d.Images[id]) throw new ImageNotFoundError(src);
      setReference(d, ref.name, referenceString(ref), id);
      d.Images[id]!.lastTagTime = new Date().toISOString();
    });
  }

  /** Removes one reference (tag or digest); returns the image ID it pointed to. */
  async untag(target: string): Promise<string> {
    const ref = parseNormalizedTagged(target);
    return this.db.update((d) => {
      const key = referenceString(ref);
      const id = d.Repositories[ref.name]?.[key];
      if (!id) throw new ImageNotFoundError(target);
      deleteReference(d, ref.name, key);
      return id;
    });
  }

  /**
   * Registers fully stored images and points their tags at them, in one atomic write.
   * Returns Docker-style messages for tags moved away from other images.
   */
  async register(images: NewImage[], opts: { deferWrite?: boolean } = {}): Promise<string[]> {
    const messages: string[] = [];
    await this.db.update((d: DbData) => {
      const now = new Date().toISOString();
      for (const img of images) {
        const prev = d.Images[img.id];
        d.Images[img.id] = { ...prev, manifest: img.manifestDigest, added: prev?.added ?? now, ...(img.parent ? { parent: img.parent } : {}) };
        // It may now have another manifest.
        if (img.parsed) this.cache.set(img.id, { manifestDigest: img.manifestDigest, ...img.parsed }); else this.cache.delete(img.id);
        for (const ref of img.tags) {
          const old = setReference(d, ref.name, referenceString(ref), img.id);
          if (old && old !== img.id && !ref.digest) {
            messages.push(`The image ${familiarString(ref)} already exists, renaming the old one with ID ${old} to empty string`);
          }
          if (!ref.digest) d.Images[img.id]!.lastTagTime = now;
        }
      }
    }, opts);
    return messages;
  }

  // ---- layers ----

  /**
   * Unpacks every layer of the image once (shared snapshots keyed by chain ID) and returns the
   * top chain ID, the parent for a container snapshot (null for an image without layers).
   */
  async ensureImageLayers(idOrRef: string): Promise<string | null> {
    const img = await this.get(idOrRef);
    return this.unpack(img.id, img.config, img.manifest);
  }

  /** Unpacks the layers of a (possibly not yet registered) image; see ensureImageLayers. */
  async unpack(id: string, config: ImageConfig, manifest: Manifest, op?: Operation, opts: { deferWrite?: boolean } = {}): Promise<string | null> {
    const img = { id, config, manifest };
    const diffIds = img.config.rootfs.diff_ids;
    if (diffIds.length !== img.manifest.layers.length) {
      throw new Error(`image ${img.id}: manifest has ${img.manifest.layers.length} layers but config has ${diffIds.length} diff IDs`);
    }
    const chains = chainIds(diffIds);
    const sizes: Record<string, { diffId: string; size: number; tarSize?: number }> = {};
    for (let i = 0; i < chains.length; i++) {
      const chain = chains[i]!;
      const blob = img.manifest.layers[i]!.digest;
      const diffId = diffIds[i]!;
      op?.lease(chain); // before it exists, so a concurrent prune cannot take it
      const res = await this.snapshots.ensureLayer(chain, i ? chains[i - 1]! : null, (dir) =>
        applyLayer(this.content.readStream(blob), dir, {
          inPlace: true, whiteouts: this.snapshots.whiteoutMode, expectDiffId: diffId,
          ...(this.options.maxLayerBytes ? { maxBytes: this.options.maxLayerBytes } : {}),
        }).catch((err: Error) => { throw new Error(`layer ${i} (${blob}) of image ${img.id}: ${err.message}`); }));
      op?.layer(chain, res.created);
      if (!res.created && blob !== diffId && op) {
        // The snapshot exists already; still prove this blob holds that layer before keeping it.
        const actual = await uncompressedDigest(this.content.readStream(blob));
        if (actual.digest !== diffId) {
          throw new Error(`layer ${i} (${blob}) of image ${img.id}: content does not match diff ID ${diffId} (got ${actual.digest})`);
        }
      }
      if (!this.db.view.Layers[chain]) {
        const usage = await this.snapshots.usage(chain);
        const tarSize = res.result?.size;
        const size = this.snapshots.driver === 'overlay' ? usage.size : (tarSize ?? usage.size);
        sizes[chain] = { diffId, size, ...(tarSize !== undefined ? { tarSize } : {}) };
      }
    }
    if (Object.keys(sizes).length > 0) await this.db.update((d) => { Object.assign(d.Layers, sizes); }, opts);
    return chains.length ? chains[chains.length - 1]! : null;
  }

  /** Docker's image Size: sum of the unpacked sizes of its layers. */
  imageSize(img: Image): number {
    const layers = this.db.view.Layers;
    return chainIdsOfConfig(img.config).reduce((n, c) => n + (layers[c]?.size ?? 0), 0);
  }

  // ---- views and removal (in their own files) ----

  list(opts: views.ListOptions = {}) { return views.list(this, opts); }
  inspect(refOrId: string) { return views.inspect(this, refOrId); }
  history(refOrId: string) { return views.history(this, refOrId); }
  remove(refOrId: string, opts: removal.RemoveOptions = {}) { return removal.remove(this, refOrId, opts); }
  prune(opts: removal.PruneOptions = {}) { return removal.prune(this, opts); }

  /** Drops cached config/manifest of a deleted image (memory only: byId never serves a stale entry). */
  forget(id: string): void {
    this.cache.delete(id);
  }
}
