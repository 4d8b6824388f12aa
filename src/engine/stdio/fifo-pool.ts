// Spare named pipes made ahead of time, so starting a container does not spawn mkfifo(1)
// (Node has no mkfifo, and each spawn blocks the event loop for 10+ ms). One mkfifo call makes
// a whole batch; a start renames spares into place and the pool refills in the background.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface FifoPoolOptions {
  /** Fifos made per refill. */
  batch?: number;
  /** Refill starts when fewer spares than this remain. */
  low?: number;
}

export class FifoPool {
  private spares: string[] = [];
  private refilling: Promise<void> | null = null;
  private seq = 0;
  private closed = false;
  private readonly batch: number;
  private readonly low: number;

  constructor(readonly dir: string, opts: FifoPoolOptions = {}) {
    this.batch = opts.batch ?? 64;
    this.low = opts.low ?? 16;
  }

  /** Removes what a previous daemon left and makes the first batch. */
  async open(): Promise<void> {
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.closed = false;
    await this.refill();
  }

  get available(): number { return this.spares.length; }

  /** Moves a spare fifo (mode 0600) to `dest`; false when none is left (the caller makes one). */
  take(dest: string): boolean {
    while (this.spares.length) {
      const spare = this.spares.pop()!;
      try {
        fs.renameSync(spare, dest);
        this.refillIfLow();
        return true;
      } catch (err) {
        // A spare that vanished is skipped; any other failure (dest dir gone...) is the caller's.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !fs.existsSync(path.dirname(dest))) {
          this.spares.push(spare);
          throw err;
        }
      }
    }
    this.refillIfLow();
    return false;
  }

  /** Waits for any refill and removes the pool directory with its spares. */
  async close(): Promise<void> {
    this.closed = true;
    await this.refilling;
    this.spares = [];
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private refillIfLow(): void {
    if (this.spares.length < this.low) void this.refill().catch(() => { /* next take retries */ });
  }

  /** One mkfifo(1) call for a whole batch; concurrent callers share the refill in flight. */
  private refill(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (!this.refilling) {
      const names = Array.from({ length: this.batch }, () => path.join(this.dir, `f${process.pid}-${this.seq++}`));
      this.refilling = execFileP('mkfifo', ['-m', '600', ...names])
        .then(() => {
          if (this.closed) return;
          this.spares.push(...names);
        })
        .finally(() => { this.refilling = null; });
    }
    return this.refilling;
  }
}
