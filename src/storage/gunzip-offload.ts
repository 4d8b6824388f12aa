/**
 * Gunzip (and sha256 of the output) in a worker thread (gunzip-worker.ts), so a layer's
 * decompression and diff ID cost the main thread only message handling: on a 2-core host the
 * main thread writes files while the worker and zlib's thread inflate. Idle workers are kept
 * (unref'd) for the next layer; a worker that saw an error or an abandoned stream is terminated.
 * Without the compiled worker file (e.g. a bundle) it returns null and callers gunzip in-thread.
 */
import { WorkerPool, type Slot } from './worker-pool.js';

/** Compressed bytes handed to the worker and not yet consumed by zlib before feeding pauses. */
const IN_WINDOW = 4 << 20;
/** Idle workers kept for reuse. */
const MAX_IDLE = 2;

type OutMsg = { id: number } & (
  | { t: 'in-ack'; n: number }
  | { t: 'out'; b: Uint8Array }
  | { t: 'done'; digest: string; size: number }
  | { t: 'err'; message: string });

const workerUrl = new URL('./gunzip-worker.js', import.meta.url);
const pool = new WorkerPool<OutMsg>(workerUrl, 'gunzip', MAX_IDLE);
let lastId = 0;

/** Starts an idle gunzip worker ahead of the first stream (see WorkerPool.prewarm). */
export function prewarmGunzip(): void {
  pool.prewarm();
}

/** The result of a gunzip stream, known once its chunks have all been read. */
export interface GunzipResult { digest?: string; size?: number }

/**
 * Yields the gunzipped bytes of `src` (compressed chunks; ownership passes to this function);
 * when the iteration completes, `result` holds the sha256 digest and size of the output.
 * Returns null when no worker can be started (the caller gunzips itself).
 */
export function gunzipOffloaded(src: AsyncIterable<Buffer>, result: GunzipResult): AsyncGenerator<Buffer> | null {
  const slot = pool.acquire();
  if (!slot) return null;
  return run(slot, src, result);
}

async function* run(slot: Slot<OutMsg>, src: AsyncIterable<Buffer>, result: GunzipResult): AsyncGenerator<Buffer> {
  const w = slot.w;
  w.ref();
  const id = ++lastId;
  w.postMessage({ t: 'start', id });
  const out: Buffer[] = [];
  let failure: Error | null = null;
  let finished = false;
  let inFlight = 0;
  let wake: (() => void) | null = null;
  let wakeFeeder: (() => void) | null = null;
  const notify = () => { const f = wake; wake = null; f?.(); };
  const notifyFeeder = () => { const f = wakeFeeder; wakeFeeder = null; f?.(); };
  const fail = (err: Error) => { failure ??= err; notify(); notifyFeeder(); };
  slot.onMessage = (m: OutMsg) => {
    if (m.id !== id) return;
    if (m.t === 'in-ack') { inFlight -= m.n; if (inFlight < IN_WINDOW) notifyFeeder(); return; }
    if (m.t === 'out') out.push(Buffer.from(m.b.buffer, m.b.byteOffset, m.b.byteLength));
    else if (m.t === 'done') { result.digest = m.digest; result.size = m.size; finished = true; }
    else fail(new Error(`corrupt or truncated gzip data: ${m.message}`));
    notify();
  };
  slot.onFail = fail;
  let stopFeeding = false;
  const feeding = (async () => {
    for await (const chunk of src) {
      if (stopFeeding || failure) return;
      // Transfer when the chunk owns its memory; pooled or shared chunks are copied.
      const own = chunk.byteOffset === 0 && chunk.length === chunk.buffer.byteLength && !(chunk.buffer instanceof SharedArrayBuffer);
      const b = own ? chunk : Buffer.from(chunk);
      inFlight += b.length;
      w.postMessage({ t: 'in', id, b: new Uint8Array(b.buffer, b.byteOffset, b.length) }, [b.buffer as ArrayBuffer]);
      while (inFlight >= IN_WINDOW && !failure && !stopFeeding) await new Promise<void>((r) => { wakeFeeder = r; });
    }
    if (!stopFeeding && !failure) w.postMessage({ t: 'end', id });
  })().catch((err: Error) => fail(err));
  let clean = false;
  try {
    for (;;) {
      const c = out.shift();
      if (c) {
        yield c;
        if (!finished) w.postMessage({ t: 'ack', id, n: c.length });
        continue;
      }
      if (failure) throw failure;
      if (finished) break;
      await new Promise<void>((r) => { wake = r; });
    }
    clean = true;
  } finally {
    stopFeeding = true;
    notifyFeeder();
    // The feeder may wait on the source (which the caller destroys): never wait for it here. The
    // worker ignores what it still sends (stale stream id).
    pool.release(slot, clean && !failure);
  }
}
