/** Detect gzip / zstd / plain from magic bytes and yield the uncompressed bytes. */
import { Readable, pipeline } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { spawn } from 'node:child_process';
import { gunzipOffloaded, type GunzipResult } from './gunzip-offload.js';

export type Compression = 'gzip' | 'zstd' | 'none';

export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** Filled by decompressed() when a worker thread gunzipped and hashed the stream. */
export interface DecompressedDigest {
  /** True (set before the first chunk) when `digest` will hold the sha256 of the output. */
  offloaded?: boolean;
  /** sha256 of the uncompressed bytes, once the iteration completed. */
  digest?: string;
}

/**
 * The uncompressed bytes of `input`. Errors (truncated or corrupt compressed data) surface as
 * rejections of the iteration; breaking out of it releases the decompressor (and zstd process).
 * With `digest`, gzip is inflated and hashed in a worker thread (see gunzip-offload.ts) when it
 * can be, and `digest` says so; chunks from the input must then not be reused by its producer.
 */
/** The first chunks of `it`, at least `n` bytes unless it ends first (`done`): enough to sniff a format. */
export async function readHead(it: AsyncIterator<Buffer>, n: number): Promise<{ head: Buffer[]; done: boolean }> {
  const head: Buffer[] = [];
  let len = 0;
  while (len < n) {
    const r = await it.next();
    if (r.done) return { head, done: true };
    const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    head.push(b);
    len += b.length;
  }
  return { head, done: false };
}

export async function* decompressed(input: Readable, digest?: DecompressedDigest): AsyncGenerator<Buffer> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const { head, done } = await readHead(it, 4);
  const first = Buffer.concat(head);
  const kind = detectCompression(first);
  async function* rest(): AsyncGenerator<Buffer> {
    if (first.length) yield first;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  if (kind === 'none') { yield* rest(); return; }
  if (kind === 'gzip' && digest) {
    const res: GunzipResult = {};
    const off = gunzipOffloaded(rest(), res);
    if (off) {
      digest.offloaded = true;
      try {
        yield* off;
        digest.digest = res.digest;
      } finally {
        input.destroy();
      }
      return;
    }
  }
  if (kind === 'gzip') {
    // Big chunks and a deep buffer: inflate (on the thread pool) runs ahead of the consumer instead
    // of in lock step with it, so decompression overlaps the tar extraction on the main thread.
    const gz = createGunzip({ chunkSize: 256 * 1024, highWaterMark: 8 << 20 } as ZlibOptions);
    const src = Readable.from(rest(), { objectMode: false, highWaterMark: 1 << 20 });
    pipeline(src, gz, () => {});
    try {
      for await (const c of gz) yield c as Buffer;
    } catch (err) {
      throw new Error(`corrupt or truncated gzip data: ${(err as Error).message}`);
    } finally {
      gz.destroy(); src.destroy(); input.destroy();
    }
    return;
  }
  yield* zstdDecompress(rest(), input);
}

async function* zstdDecompress(src: AsyncGenerator<Buffer>, input: Readable): AsyncGenerator<Buffer> {
  const child = spawn('zstd', ['-d', '-c', '-q', '--no-progress'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < 4096) stderr += d; });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', (e) => reject((e as NodeJS.ErrnoException).code === 'ENOENT'
      ? new Error('zstd layer: the zstd program is not installed') : e));
    child.on('close', (code) => resolve(code));
  });
  exited.catch(() => {});
  const feeder = Readable.from(src, { objectMode: false });
  child.stdin.on('error', () => {}); // EPIPE when zstd fails early; reported through its exit status
  pipeline(feeder, child.stdin, () => {});
  let ok = false;
  try {
    for await (const c of child.stdout) yield c as Buffer;
    const code = await exited;
    if (code !== 0) throw new Error(`corrupt or truncated zstd data: ${stderr.trim() || `zstd exited with ${code}`}`);
    ok = true;
  } finally {
    if (!ok) { child.kill('SIGKILL'); feeder.destroy(); input.destroy(); }
  }
}
