/**
 * Worker thread entry (see gunzip-offload.ts): gunzips one stream at a time and hashes its output
 * (the diff ID), so neither costs the main thread, which is busy writing the files. Output goes
 * back in zlib's own 1 MiB output buffers, whose memory is transferred, not copied, once zlib has
 * moved on to a new one; the main thread acks what it consumed and the worker pauses while more
 * than OUT_WINDOW bytes are unacked.
 *
 * Messages in:  {t:'start'} | {t:'in', b} compressed bytes | {t:'end'} | {t:'ack', n} output
 *               bytes consumed. Each stream has an id that every message carries; messages in
 *               that arrive after a stream ended (a source with trailing bytes) are ignored.
 * Messages out: {t:'in-ack', n} compressed bytes consumed | {t:'out', b} | {t:'done', digest, size}
 *               | {t:'err', message}
 */
import { parentPort } from 'node:worker_threads';
import { createGunzip, type Gunzip, type ZlibOptions } from 'node:zlib';
import { createHash, type Hash } from 'node:crypto';

/** zlib's output buffer size: the unit of output messages. */
const OUT_CHUNK = 1 << 20;
/** Output bytes sent but not yet consumed before the worker pauses. */
const OUT_WINDOW = 16 << 20;

type InMsg = { id: number } & ({ t: 'start' } | { t: 'in'; b: Uint8Array } | { t: 'end' } | { t: 'ack'; n: number });

interface Job {
  id: number;
  gz: Gunzip;
  hash: Hash;
  size: number;
  /** Output not sent yet: [start, end) of `held`, a view of all of zlib's current output buffer. */
  held: Buffer | null;
  start: number;
  end: number;
  unacked: number;
}

const port = parentPort!;
let job: Job | null = null;

function post(j: Job, msg: Record<string, unknown>, transfer?: ArrayBuffer[]): void {
  port.postMessage({ ...msg, id: j.id }, transfer);
}

/**
 * Sends the held output. `retired`: zlib writes no more into that buffer (it allocated a new
 * one), so its memory is handed over; otherwise (the stream's last bytes) they are copied.
 */
function flush(j: Job, retired: boolean): void {
  const held = j.held;
  j.held = null;
  if (!held || j.end === j.start) return;
  const n = j.end - j.start;
  j.unacked += n;
  const ab = held.buffer as ArrayBuffer;
  if (retired && held.byteLength === ab.byteLength) post(j, { t: 'out', b: new Uint8Array(ab, j.start, n) }, [ab]);
  else post(j, { t: 'out', b: new Uint8Array(held.subarray(j.start, j.end)) });
  if (j.unacked > OUT_WINDOW) j.gz.pause();
}

function start(id: number): Job {
  const gz = createGunzip({ chunkSize: OUT_CHUNK } as ZlibOptions);
  const j: Job = { id, gz, hash: createHash('sha256'), size: 0, held: null, start: 0, end: 0, unacked: 0 };
  gz.on('data', (c: Buffer) => {
    j.hash.update(c);
    j.size += c.length;
    // Each chunk is a slice of zlib's output buffer right after the previous one; a chunk in
    // another buffer means zlib is done with the previous buffer.
    if (j.held && (c.buffer !== j.held.buffer || c.byteOffset !== j.end)) flush(j, c.buffer !== j.held.buffer);
    if (!j.held) {
      j.held = Buffer.from(c.buffer, 0, c.buffer.byteLength);
      j.start = c.byteOffset;
    }
    j.end = c.byteOffset + c.length;
  });
  gz.on('end', () => {
    flush(j, false);
    post(j, { t: 'done', digest: 'sha256:' + j.hash.digest('hex'), size: j.size });
    if (job === j) job = null;
  });
  gz.on('error', (err: Error) => {
    post(j, { t: 'err', message: err.message });
    if (job === j) job = null;
  });
  return j;
}

port.on('message', (m: InMsg) => {
  if (m.t === 'start') {
    job?.gz.destroy();
    job = start(m.id);
    return;
  }
  const j = job;
  if (!j || j.id !== m.id) return;
  if (m.t === 'in') {
    const n = m.b.byteLength;
    j.gz.write(Buffer.from(m.b.buffer, m.b.byteOffset, n), () => post(j, { t: 'in-ack', n }));
  } else if (m.t === 'end') {
    j.gz.end();
  } else if (m.t === 'ack') {
    j.unacked -= m.n;
    if (j.unacked <= OUT_WINDOW && j.gz.isPaused()) j.gz.resume();
  }
});
