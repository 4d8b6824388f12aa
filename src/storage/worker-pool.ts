// A small pool of worker threads for the layer offloads (layer-offload.ts, gunzip-offload.ts).
// Idle workers are kept, unref'd, for the next layer of a pull, and end after IDLE_MS so a daemon
// that pulled once does not keep their heaps; one that saw an error is terminated at once.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const IDLE_MS = 30_000;

/** A worker and the stream it serves now (its listeners are set once: see release). */
export interface Slot<M> {
  w: Worker;
  onMessage: ((m: M) => void) | null;
  onFail: ((err: Error) => void) | null;
  idleTimer?: NodeJS.Timeout;
}

export class WorkerPool<M> {
  private available: boolean | undefined;
  private readonly idle: Slot<M>[] = [];

  constructor(private readonly url: URL, private readonly what: string, private readonly maxIdle: number) {}

  /** A worker, or null when the compiled worker file is not there (e.g. in a bundle). */
  acquire(): Slot<M> | null {
    this.available ??= this.url.protocol === 'file:' && existsSync(fileURLToPath(this.url));
    if (!this.available) return null;
    const reused = this.idle.pop();
    if (reused) {
      clearTimeout(reused.idleTimer);
      reused.w.ref();
      return reused;
    }
    // No inherited Node options: some (--input-type, -e) make a worker fail to start.
    const slot: Slot<M> = { w: new Worker(this.url, { execArgv: [] }), onMessage: null, onFail: null };
    slot.w.on('message', (m: M) => slot.onMessage?.(m));
    slot.w.on('error', (err) => slot.onFail?.(err));
    slot.w.on('exit', () => {
      clearTimeout(slot.idleTimer);
      const i = this.idle.indexOf(slot);
      if (i >= 0) this.idle.splice(i, 1);
      slot.onFail?.(new Error(`${this.what} worker exited`));
    });
    return slot;
  }

  /**
   * Starts a worker now and keeps it idle (as after release), so that the next acquire() finds
   * it started: its thread and module loading then overlap whatever the caller does meanwhile.
   */
  prewarm(): void {
    if (this.idle.length > 0) return;
    const slot = this.acquire();
    if (slot) this.release(slot, true);
  }

  /** Thread IDs of the idle workers kept now (for tests). */
  get idleThreads(): number[] { return this.idle.map((s) => s.w.threadId); }

  release(slot: Slot<M>, reuse: boolean): void {
    slot.onMessage = slot.onFail = null;
    if (!reuse || this.idle.length >= this.maxIdle) { void slot.w.terminate(); return; }
    slot.w.unref(); // an idle worker never keeps the process alive
    slot.idleTimer = setTimeout(() => { void slot.w.terminate(); }, IDLE_MS).unref();
    this.idle.push(slot);
  }
}
