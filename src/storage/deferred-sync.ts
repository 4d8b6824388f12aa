// Layers published before their content reached the disk (pulled layers: waiting for a syncfs of
// a ~200 MB layer made a pull a quarter slower, and Docker never syncs layers at all).
//
// Such a layer carries a marker file naming the boot it was written in, created before the layer
// is published (journaled filesystems commit the two in that order). Within that boot the page
// cache holds the content, so a daemon crash loses nothing; a syncfs soon after, when the store is
// quiet, makes it durable and the marker is removed. A layer still marked from another boot may
// have lost content in a machine crash: Snapshotter.recover() drops it, and it is unpacked again
// from its blob (which is durable before any image names it) when an image or container needs it.
import * as fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { syncFs } from './sys.js';
import { BackgroundWork } from '../common/background-work.js';

/** The marker's name inside a layer dir (beside fs/ and meta.json). */
export const UNSYNCED_MARKER = 'unsynced';

let bootId: string | undefined;

/** This boot's ID (Linux: /proc/sys/kernel/random/boot_id). */
export function currentBootId(): string {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = '';
    }
  }
  return bootId;
}

/** What a layer dir's marker says: 'durable' (none), 'this-boot' (content in the page cache), 'stale'. */
export async function markerState(layerDir: string): Promise<'durable' | 'this-boot' | 'stale'> {
  let text: string;
  try {
    text = await fs.readFile(path.join(layerDir, UNSYNCED_MARKER), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'durable';
    return 'stale';
  }
  // A torn marker (empty after a crash) counts as another boot's.
  const id = currentBootId();
  return id !== '' && text.trim() === id ? 'this-boot' : 'stale';
}

export class DeferredSync {
  /** Layer dirs published unsynced, waiting for the next syncfs. */
  private readonly waiting = new Set<string>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly work = new BackgroundWork();

  /**
   * `fsPath` is on the filesystem to sync; `busy()` says a layer is being written now (the sync
   * waits: it would slow that write and the fsyncs that follow it). `delayMs`: quiet time first.
   */
  constructor(private readonly fsPath: string, private readonly busy: () => boolean, private readonly delayMs = 1000) {}

  /** Writes the marker into a layer dir that is about to be published. */
  async mark(layerDir: string): Promise<void> {
    await fs.writeFile(path.join(layerDir, UNSYNCED_MARKER), currentBootId() + '\n', { mode: 0o644 });
  }

  /** The published layer dir waits for the next sync. */
  add(layerDir: string): void {
    this.waiting.add(layerDir);
    this.arm();
  }

  private arm(): void {
    if (this.timer || this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.busy()) return this.arm();
      this.work.add(this.syncNow());
    }, this.delayMs);
    this.timer.unref();
  }

  /** Syncs the filesystem, then removes the markers of the layers that were waiting. */
  private syncNow(): Promise<void> {
    if (this.running) return this.running;
    const batch = [...this.waiting];
    this.waiting.clear();
    this.running = (async () => {
      if (batch.length === 0) return;
      try {
        await syncFs(this.fsPath);
      } catch {
        // Not synced (the store is gone, or sync failed): the markers stay; recover() decides.
        return;
      }
      // Removing a marker needs no fsync: if a crash loses the removal, the layer is unpacked again.
      await Promise.all(batch.map((d) => fs.rm(path.join(d, UNSYNCED_MARKER), { force: true }).catch(() => {})));
    })().finally(() => {
      this.running = undefined;
      if (this.waiting.size > 0) this.arm();
    });
    return this.running;
  }

  /** Syncs what waits now, without the quiet time (shutdown), and waits for it. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.running || this.waiting.size > 0) await this.syncNow();
    await this.work.settle();
  }
}
