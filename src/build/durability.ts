// A build commits its steps without fsyncs (createImage durable: false: blobs and layers written,
// the registration kept in memory) and makes them durable once, at its end: flush() syncs every
// blob and layer the build wrote, then writes the image database naming them, in that order, so
// the file on disk never names content a crash could lose.
// One store operation spans the build (its steps record what they write into it): after a crash
// mid-build, the next store open collects what was never registered on disk (half-written layers
// included, before any later build could reuse them by chain ID); its end collects what failed
// steps left.
import { chainIdsOfConfig } from '../image/chain.js';
import type { ImageStore, Operation } from '../image/index.js';
import { syncPaths } from '../storage/index.js';
import { syncFs } from '../storage/sys.js';

export class BuildCommits {
  /** Images steps created, not durable yet. */
  private readonly pending: string[] = [];
  private op?: Promise<Operation>;
  private unhook?: () => void;
  /** Steps between createOptions() and add(), and whether anything registered may be unsynced. */
  private inFlight = 0;
  private unsynced = false;
  private ended?: Promise<void>;

  constructor(private readonly store: ImageStore) {}

  /**
   * createImage options of a step: no fsyncs, recorded in the build's operation, begun by the
   * first step that commits (a fully cached build writes nothing). Its marker is not fsynced: a
   * journaling filesystem commits metadata in order, so the marker is on disk whenever anything
   * the build published after it is.
   */
  async createOptions(): Promise<{ durable: false; operation: Operation }> {
    // Another update of the image database writes our deferred registrations too, maybe of a
    // step still between its registration and add(): it first syncs the whole filesystem (rare).
    this.unhook ??= this.store.db.addSyncHook(async () => { if (this.unsynced) await syncFs(this.store.root); });
    this.inFlight++;
    this.unsynced = true;
    this.op ??= this.store.beginOperation('build', { durable: false });
    return { durable: false, operation: await this.op };
  }

  /** An image a step created (not durable yet). */
  add(id: string): void {
    this.pending.push(id);
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /**
   * Syncs the pending images' blobs and layers, all at once (the filesystem's journal commits
   * them together), then (with `db`) writes the database durably.
   */
  async flush(opts: { db: boolean }): Promise<void> {
    if (this.pending.length === 0) return;
    await this.syncPending();
    if (opts.db) await this.store.db.flush();
  }

  /** Syncs the pending images' blobs and layers, all at once. */
  private async syncPending(): Promise<void> {
    const ids = this.pending.splice(0);
    if (ids.length === 0) return;
    const blobs = new Set<string>();
    const layers = new Set<string>();
    for (const id of ids) {
      const img = await this.store.byId(id).catch(() => null); // removed meanwhile: nothing to sync
      if (!img) continue;
      blobs.add(id).add(img.manifestDigest);
      if (img.config.history?.at(-1)?.empty_layer) continue;
      const layer = img.manifest.layers.at(-1);
      const chain = chainIdsOfConfig(img.config).at(-1);
      if (layer) blobs.add(layer.digest);
      if (chain) layers.add(chain);
    }
    await Promise.all([
      syncPaths([...blobs].map((d) => this.store.content.path(d)), [this.store.content.blobDir]),
      ...[...layers].map((c) => this.store.snapshots.syncLayer(c)),
    ]);
    this.unsynced = this.inFlight > 0 || this.pending.length > 0;
  }

  /**
   * Ends the build: flushes what is left (a failed build keeps its steps, as Docker's cache) and
   * drops the marker. Once: later calls get the same promise.
   */
  end(): Promise<void> {
    this.ended ??= (async () => {
      try {
        await this.flush({ db: true });
      } finally {
        this.unhook?.();
        const op = await this.op?.catch(() => null); // a marker that failed to be written failed its step
        await op?.end();
      }
    })();
    this.ended.catch(() => {}); // reported to whoever awaits end()
    return this.ended;
  }
}
