// A download spool: the downloader appends to a temp file while a reader follows behind (waiting
// at the end for more), so a layer is unpacked while it downloads and its bytes land in the
// content store by a rename at the end. The reader only sees the end once the writer has
// verified the digest; on failure it gets the error.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Bytes gathered before one write to the spool file. */
const WRITE_BATCH = 1 << 20;

export class Spool {
  private written = 0;
  private batch: Buffer[] = [];
  private batchLen = 0;
  private done = false;
  private error?: Error;
  private waiters: Array<() => void> = [];
  private fh?: fs.FileHandle;

  private constructor(readonly file: string) {}

  /** A new spool file in `dir` (named ingest-* so ContentStore.cleanupTmp removes crash leftovers). */
  static async create(dir: string): Promise<Spool> {
    await fs.mkdir(dir, { recursive: true });
    const s = new Spool(path.join(dir, `ingest-pull-${randomBytes(8).toString('hex')}`));
    s.fh = await fs.open(s.file, 'wx', 0o644);
    return s;
  }

  /** Bytes written so far (readers see no more than this). */
  get size(): number { return this.written; }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /**
   * Appends `chunk`. Network chunks are small (16-64 KiB): they are gathered and written (and shown
   * to the reader) WRITE_BATCH bytes at a time, one writev each, so a 60 MB layer costs ~60 writes.
   * The caller must not reuse `chunk`.
   */
  async write(chunk: Buffer): Promise<void> {
    this.batch.push(chunk);
    this.batchLen += chunk.length;
    if (this.batchLen >= WRITE_BATCH) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.batchLen === 0) return;
    let bufs = this.batch;
    const len = this.batchLen;
    this.batch = [];
    this.batchLen = 0;
    let pos = this.written;
    for (;;) {
      let n = (await this.fh!.writev(bufs, pos)).bytesWritten;
      pos += n;
      if (pos === this.written + len) break;
      // Short write (rare): continue with what is left.
      const rest: Buffer[] = [];
      for (const b of bufs) {
        if (n >= b.length) { n -= b.length; continue; }
        rest.push(n > 0 ? b.subarray(n) : b);
        n = 0;
      }
      bufs = rest;
    }
    this.written += len;
    this.wake();
  }

  /** Marks the content complete and verified (fsynced: it is about to become a blob). */
  async finish(): Promise<void> {
    await this.flush();
    await this.fh!.sync();
    await this.fh!.close();
    this.fh = undefined;
    this.done = true;
    this.wake();
  }

  fail(err: Error): void {
    if (this.done || this.error) return;
    this.error = err;
    this.wake();
  }

  /** Follows the file from the start; `onRead` gets the running byte count. */
  async *reader(onRead?: (n: number) => void): AsyncGenerator<Buffer> {
    const fh = await fs.open(this.file, 'r');
    let pos = 0;
    try {
      for (;;) {
        if (this.error) throw this.error;
        if (pos < this.written) {
          const want = Math.min(this.written - pos, 1 << 20);
          const buf = Buffer.allocUnsafe(want);
          const { bytesRead } = await fh.read(buf, 0, want, pos);
          pos += bytesRead;
          onRead?.(pos);
          yield buf.subarray(0, bytesRead);
          continue;
        }
        if (this.done) return;
        await new Promise<void>((r) => this.waiters.push(r));
      }
    } finally {
      await fh.close();
    }
  }

  /** Removes the file (after a failure, or when it was not needed). */
  async discard(): Promise<void> {
    await this.fh?.close().catch(() => {});
    this.fh = undefined;
    await fs.rm(this.file, { force: true });
  }
}

/** Runs at most `limit` tasks at a time; `waiting` is told when a task must queue. */
export class Limiter {
  private active = 0;
  private queue: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>, waiting?: () => void): Promise<T> {
    if (this.active >= this.limit) {
      waiting?.();
      await new Promise<void>((r) => this.queue.push(r)); // the finishing task hands its slot over
    } else {
      this.active++;
    }
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next(); else this.active--;
    }
  }
}
