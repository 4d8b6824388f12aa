/**
 * Content-addressed blob store: <root>/blobs/sha256/<hex>.
 * Blobs are written to <root>/tmp/ingest-*, hashed while written, verified, fsynced and only
 * then renamed into place: a blob visible under a digest always has that digest.
 */
import * as fs from 'node:fs/promises';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, writeFileSync, type ReadStream } from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { type Digest, digestHex, isDigest } from './digest.js';
import { fsyncDir } from './atomic.js';

/** What the caller knows about the blob before ingesting it; each given field is checked. */
export interface IngestExpect {
  /** Expected digest (`sha256:<hex>`): mismatch rejects the blob with DigestMismatchError. */
  digest?: Digest;
  /** Expected exact size in bytes. */
  size?: number;
  /** Upper bound on size in bytes (stops reading as soon as it is exceeded). */
  maxSize?: number;
}

export interface IngestResult { digest: Digest; size: number }

/** Thrown when ingested content does not hash to the expected digest. */
export class DigestMismatchError extends Error {
  constructor(readonly expected: Digest, readonly actual: Digest) {
    super(`digest mismatch: expected ${expected}, got ${actual}`);
    this.name = 'DigestMismatchError';
  }
}

const TMP_PREFIX = 'ingest-';

export class ContentStore {
  readonly blobDir: string;
  readonly tmpDir: string;

  /** `root` is the data root (e.g. /var/lib/wharf); blobs live under <root>/blobs/sha256. */
  constructor(readonly root: string) {
    this.blobDir = path.join(root, 'blobs', 'sha256');
    this.tmpDir = path.join(root, 'tmp');
  }

  /**
   * Store bytes or a stream; resolves with its digest and size once it is durable and visible.
   * Rejects (and stores nothing) on digest/size mismatch or a stream error.
   * `durable: false` skips the fsyncs: the caller makes the blob durable (syncPaths of path()
   * and blobDir) before anything durable refers to it, e.g. several blobs at one sync point.
   */
  async ingest(src: Readable | AsyncIterable<Uint8Array> | Uint8Array | string, expect: IngestExpect = {}, opts: { durable?: boolean } = {}): Promise<IngestResult> {
    const durable = opts.durable !== false;
    if (expect.digest !== undefined) digestHex(expect.digest, 'expected digest');
    if (!durable && (typeof src === 'string' || src instanceof Uint8Array)) return this.ingestBytes(Buffer.from(src), expect);
    await fs.mkdir(this.tmpDir, { recursive: true });
    await fs.mkdir(this.blobDir, { recursive: true });
    const tmp = path.join(this.tmpDir, TMP_PREFIX + randomBytes(8).toString('hex'));
    const fh = await fs.open(tmp, 'wx', 0o644);
    const hash = createHash('sha256');
    let size = 0;
    const limit = Math.min(expect.size ?? Infinity, expect.maxSize ?? Infinity);
    try {
      try {
        const chunks = typeof src === 'string' || src instanceof Uint8Array ? [Buffer.from(src)] : src;
        for await (const c of chunks as AsyncIterable<Uint8Array>) {
          const buf = typeof c === 'string' ? Buffer.from(c) : c;
          size += buf.length;
          if (size > limit) {
            throw new Error(expect.size !== undefined && size > expect.size
              ? `size mismatch: expected ${expect.size} bytes, got more${expect.digest ? ` (${expect.digest})` : ''}`
              : `blob exceeds the size limit of ${expect.maxSize} bytes`);
          }
          hash.update(buf);
          await writeAll(fh, buf);
        }
      } catch (err) {
        if (src instanceof Readable) src.destroy();
        throw err;
      }
      const digest = 'sha256:' + hash.digest('hex');
      if (expect.size !== undefined && size !== expect.size) {
        throw new Error(`size mismatch: expected ${expect.size} bytes, got ${size}${expect.digest ? ` (${expect.digest})` : ''}`);
      }
      if (expect.digest !== undefined && digest !== expect.digest) throw new DigestMismatchError(expect.digest, digest);
      if (durable) await fh.sync();
      await fh.close();
      // Never replace a (durable) stored blob with a not yet durable copy of it.
      if (!durable && (await this.has(digest))) { await fs.rm(tmp, { force: true }); return { digest, size }; }
      await fs.rename(tmp, this.path(digest));
      if (durable) await fsyncDir(this.blobDir);
      return { digest, size };
    } catch (err) {
      await fh.close().catch(() => {});
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  /**
   * ingest() of bytes in memory without fsyncs (configs, manifests): the same checks, temp file
   * and rename, done with synchronous calls, which for a few kB cost far less than a series of
   * thread-pool round trips.
   */
  private ingestBytes(buf: Buffer, expect: IngestExpect): IngestResult {
    const digest = ('sha256:' + createHash('sha256').update(buf).digest('hex')) as Digest;
    if (buf.length > Math.min(expect.size ?? Infinity, expect.maxSize ?? Infinity)) {
      throw new Error(expect.size !== undefined && buf.length > expect.size
        ? `size mismatch: expected ${expect.size} bytes, got more${expect.digest ? ` (${expect.digest})` : ''}`
        : `blob exceeds the size limit of ${expect.maxSize} bytes`);
    }
    if (expect.size !== undefined && buf.length !== expect.size) {
      throw new Error(`size mismatch: expected ${expect.size} bytes, got ${buf.length}${expect.digest ? ` (${expect.digest})` : ''}`);
    }
    if (expect.digest !== undefined && digest !== expect.digest) throw new DigestMismatchError(expect.digest, digest);
    const dest = this.path(digest);
    // Never replace a (durable) stored blob with a not yet durable copy of it.
    if (existsSync(dest)) return { digest, size: buf.length };
    mkdirSync(this.tmpDir, { recursive: true });
    mkdirSync(this.blobDir, { recursive: true });
    const tmp = path.join(this.tmpDir, TMP_PREFIX + randomBytes(8).toString('hex'));
    try {
      writeFileSync(tmp, buf, { mode: 0o644, flag: 'wx' });
      renameSync(tmp, dest);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    return { digest, size: buf.length };
  }

  /** Filesystem path of a blob (whether or not it exists). */
  path(d: Digest): string {
    return path.join(this.blobDir, digestHex(d));
  }

  async has(d: Digest): Promise<boolean> {
    try { await fs.access(this.path(d)); return true; } catch { return false; }
  }

  /** Size in bytes; throws a not-found error naming the digest when absent. */
  async size(d: Digest): Promise<number> {
    return (await this.statBlob(d)).size;
  }

  async read(d: Digest): Promise<Buffer> {
    await this.statBlob(d);
    return fs.readFile(this.path(d));
  }

  /** A stream of the blob's bytes (errors with ENOENT on the stream when absent). */
  readStream(d: Digest): ReadStream {
    return createReadStream(this.path(d), { highWaterMark: 1 << 20 });
  }

  /** Delete a blob; returns false if it was not there. */
  async delete(d: Digest): Promise<boolean> {
    try {
      await fs.unlink(this.path(d));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    await fsyncDir(this.blobDir);
    return true;
  }

  /** All stored digests with their sizes. */
  async list(): Promise<IngestResult[]> {
    let names: string[];
    try { names = await fs.readdir(this.blobDir); } catch { return []; }
    const out: IngestResult[] = [];
    for (const n of names) {
      const digest = 'sha256:' + n;
      if (!isDigest(digest)) continue;
      const st = await fs.stat(path.join(this.blobDir, n)).catch(() => null);
      if (st) out.push({ digest, size: st.size });
    }
    return out;
  }

  /** Remove ingest leftovers of a crashed process. Call at start, before any ingest runs. */
  async cleanupTmp(): Promise<number> {
    let names: string[];
    try { names = await fs.readdir(this.tmpDir); } catch { return 0; }
    let n = 0;
    for (const name of names) {
      if (!name.startsWith(TMP_PREFIX)) continue;
      await fs.rm(path.join(this.tmpDir, name), { force: true });
      n++;
    }
    return n;
  }

  private async statBlob(d: Digest) {
    try {
      return await fs.stat(this.path(d));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw Object.assign(new Error(`blob ${d} not found`), { code: 'ENOENT' });
      throw err;
    }
  }
}

async function writeAll(fh: fs.FileHandle, buf: Uint8Array): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off);
    off += bytesWritten;
  }
}
