// Streaming decompression of layer blobs (plain tar, gzip, zstd), detected from magic bytes.
// zstd uses the system `zstd` binary: Node 20's zlib has no zstd and the tool streams fast.
import { spawn } from 'node:child_process';
import { createGunzip } from 'node:zlib';
import { createHash } from 'node:crypto';
import { PassThrough, Readable, Transform, pipeline } from 'node:stream';
import type { Compression } from './types.js';

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** Compression of a blob from its first bytes. */
export function detectCompression(head: Buffer): Compression {
  if (head.subarray(0, 2).equals(GZIP_MAGIC)) return 'gzip';
  if (head.subarray(0, 4).equals(ZSTD_MAGIC)) return 'zstd';
  return 'none';
}

/** Reads the first bytes of a stream and returns them with a stream that still yields everything. */
async function peek(input: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let len = 0;
  const it = input[Symbol.asyncIterator]();
  let done = false;
  while (len < n) {
    const r = await it.next();
    if (r.done) { done = true; break; }
    const b = Buffer.from(r.value as Uint8Array);
    chunks.push(b);
    len += b.length;
  }
  const head = Buffer.concat(chunks);
  async function* rest() {
    try {
      if (head.length > 0) yield head;
      while (!done) {
        const r = await it.next();
        if (r.done) { done = true; return; }
        yield r.value as Buffer;
      }
    } finally {
      // Consumer stopped early (error/destroy): release the source too.
      if (!done) await it.return?.();
    }
  }
  return { head, stream: Readable.from(rest(), { objectMode: false }) };
}

function zstdDecompress(input: Readable): Readable {
  const child = spawn('zstd', ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = new PassThrough();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  let failed = false;
  const fail = (err: Error) => { if (!failed) { failed = true; out.destroy(err); child.kill('SIGKILL'); } };
  child.on('error', (e) => fail(new Error(`zstd decompression: cannot run zstd: ${e.message}`)));
  pipeline(input, child.stdin, (err) => {
    // EPIPE when zstd exits early on bad data; the exit status gives the real reason.
    if (err && (err as NodeJS.ErrnoException).code !== 'EPIPE') fail(err);
  });
  child.stdout.pipe(out, { end: false });
  let stdoutDone = false;
  let exitCode: number | null | undefined;
  const finish = () => {
    if (!stdoutDone || exitCode === undefined || failed) return;
    if (exitCode === 0) out.end();
    else fail(new Error(`zstd decompression failed: ${stderr.trim() || `exit ${exitCode}`}`));
  };
  child.stdout.on('end', () => { stdoutDone = true; finish(); });
  child.on('close', (code) => { exitCode = code; finish(); });
  out.on('close', () => { if (exitCode === undefined) child.kill('SIGKILL'); });
  return out;
}

/** Decompresses `input` according to its magic bytes; plain tar passes through. */
export async function decompressStream(input: Readable): Promise<{ compression: Compression; stream: Readable }> {
  const { head, stream } = await peek(input, 4);
  const compression = detectCompression(head);
  if (compression === 'none') return { compression, stream };
  if (compression === 'gzip') {
    const gunzip = createGunzip();
    const out = new PassThrough();
    pipeline(stream, gunzip, out, () => {});
    return { compression, stream: out };
  }
  return { compression, stream: zstdDecompress(stream) };
}

/** A pass-through that hashes (sha256) and counts what flows through it. */
export class HashingStream extends Transform {
  private readonly hash = createHash('sha256');
  size = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    this.push(chunk);
    cb();
  }
  /** The digest; valid once the stream has ended. */
  digest(): string {
    return 'sha256:' + this.hash.digest('hex');
  }
}

/** sha256 digest and size of the uncompressed content of a (possibly compressed) stream. */
export async function uncompressedDigest(input: Readable): Promise<{ digest: string; size: number }> {
  const { stream } = await decompressStream(input);
  const h = createHash('sha256');
  let size = 0;
  for await (const c of stream) { h.update(c as Buffer); size += (c as Buffer).length; }
  return { digest: 'sha256:' + h.digest('hex'), size };
}
