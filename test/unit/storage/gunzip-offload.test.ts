/**
 * Gunzip in a worker thread: the bytes and the sha256 digest match zlib's and crypto's in this
 * thread, corrupt and truncated data fail clearly, a stream abandoned midway releases its worker,
 * and streams run one after another and side by side.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { decompressed, type DecompressedDigest } from '../../../src/storage/decompress.js';

const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');

/** Compressible but not trivial data: random words repeated. */
function sample(bytes: number): Buffer {
  const words = Array.from({ length: 500 }, () => randomBytes(1 + (Math.random() * 12 | 0)).toString('hex'));
  const out: string[] = [];
  let n = 0;
  while (n < bytes) { const w = words[Math.random() * words.length | 0]!; out.push(w); n += w.length + 1; }
  return Buffer.from(out.join(' ')).subarray(0, bytes);
}

/** `b` in chunks of `size` (each its own memory, as a reader hands them over). */
function chunks(b: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) parts.push(Buffer.from(b.subarray(i, i + size)));
  return Readable.from(parts);
}

async function gunzipAll(input: Readable): Promise<{ out: Buffer; d: DecompressedDigest }> {
  const d: DecompressedDigest = {};
  const parts: Buffer[] = [];
  for await (const c of decompressed(input, d)) parts.push(c);
  return { out: Buffer.concat(parts), d };
}

test('output and digest equal the plain ones, for small and multi-MiB streams, one after another', async () => {
  for (const [size, chunk] of [[0, 1], [1000, 7], [5 << 20, 65_536], [9 << 20, 1 << 20]] as const) {
    const raw = sample(size);
    const { out, d } = await gunzipAll(chunks(gzipSync(raw), chunk));
    assert.equal(d.offloaded, true, 'gunzipped in the worker');
    assert.equal(out.length, raw.length);
    assert.ok(out.equals(raw), `content of ${size} bytes`);
    assert.equal(d.digest, sha(raw));
  }
});

test('streams side by side get their own bytes and digests', async () => {
  const raws = [sample(3 << 20), sample(2 << 20), sample(4 << 20)];
  const res = await Promise.all(raws.map((r) => gunzipAll(chunks(gzipSync(r), 100_000))));
  res.forEach(({ out, d }, i) => {
    assert.ok(out.equals(raws[i]!), `stream ${i}`);
    assert.equal(d.digest, sha(raws[i]!));
  });
});

test('corrupt and truncated data fail with a clear error, and the next stream still works', async () => {
  const gz = gzipSync(sample(2 << 20));
  const corrupt = Buffer.from(gz);
  corrupt[Math.floor(gz.length / 2)] ^= 0xff;
  await assert.rejects(gunzipAll(chunks(corrupt, 50_000)), /corrupt or truncated gzip data/);
  await assert.rejects(gunzipAll(chunks(gz.subarray(0, gz.length - 100), 50_000)), /corrupt or truncated gzip data/);
  const raw = sample(100_000);
  const { out, d } = await gunzipAll(chunks(gzipSync(raw), 4096));
  assert.ok(out.equals(raw));
  assert.equal(d.digest, sha(raw));
});

test('a stream abandoned midway, or whose source fails, ends cleanly', async () => {
  const gz = gzipSync(sample(8 << 20));
  const input = chunks(gz, 65_536);
  let got = 0;
  for await (const c of decompressed(input, {})) {
    got += c.length;
    if (got > 1 << 20) break;
  }
  assert.ok(input.destroyed, 'the input is released');
  const failing = new Readable({
    read() { this.push(gz.subarray(0, 1000)); this.destroy(new Error('connection reset by test')); },
  });
  await assert.rejects(gunzipAll(failing), /connection reset by test/);
  const raw = sample(300_000);
  assert.ok((await gunzipAll(chunks(gzipSync(raw), 10_000))).out.equals(raw));
});
