/**
 * Runs the unpack of a gzip layer in a worker thread (layer-worker.ts): on a 2-core host the
 * main thread goes on downloading (and serving the API) while the worker makes the files, and
 * zlib's thread and the gunzip worker decompress and hash. Other inputs (plain tar, zstd), or
 * no compiled worker file (a bundle), unpack in this thread as before. The caller's directory is
 * only touched by the worker until its answer: on every outcome this waits for it.
 */
import { WorkerPool, type Slot } from './worker-pool.js';
import { Readable } from 'node:stream';
import { detectCompression, readHead } from './decompress.js';
import { unpackHere, type ApplyOptions, type ApplyResult } from './layer-unpack.js';

/** Compressed bytes handed to the worker and not yet taken by its unpack before feeding pauses. */
const IN_WINDOW = 8 << 20;
const MAX_IDLE = 1;

type OutMsg = { id: number } & (
  | { t: 'in-ack'; n: number }
  | { t: 'done'; result: ApplyResult }
  | { t: 'err'; message: string });

const workerUrl = new URL('./layer-worker.js', import.meta.url);
const pool = new WorkerPool<OutMsg>(workerUrl, 'layer unpack', MAX_IDLE);
let lastId = 0;

/**
 * Starts the unpack worker (which starts its gunzip worker at once) ahead of a layer that is
 * about to download, so that neither thread's start-up is waited for when the first bytes come.
 */
export function prewarmLayerUnpack(): void {
  pool.prewarm();
}

/** Thread IDs of the idle unpack workers (for tests). */
export function idleLayerWorkers(): number[] {
  return pool.idleThreads;
}

/** Unpack `input` into the existing directory `dir`: in a worker for gzip, else in this thread. */
export async function unpackLayer(input: Readable, dir: string, opts: ApplyOptions): Promise<ApplyResult> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head: Buffer[];
  let done: boolean;
  try {
    ({ head, done } = await readHead(it, 4));
  } catch (err) {
    input.destroy();
    throw err;
  }
  async function* all(): AsyncGenerator<Buffer> {
    yield* head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    }
  }
  const gzip = detectCompression(Buffer.concat(head)) === 'gzip';
  const slot = gzip ? pool.acquire() : null;
  if (!slot) {
    const rest = Readable.from(all(), { objectMode: false });
    rest.once('close', () => input.destroy()); // unpackHere destroys what it reads on failure
    return unpackHere(rest, dir, opts);
  }
  return inWorker(slot, all(), input, dir, opts);
}

async function inWorker(slot: Slot<OutMsg>, src: AsyncGenerator<Buffer>, input: Readable, dir: string, opts: ApplyOptions): Promise<ApplyResult> {
  const w = slot.w;
  w.ref();
  const id = ++lastId;
  let inFlight = 0;
  let wakeFeeder: (() => void) | null = null;
  const notifyFeeder = () => { const f = wakeFeeder; wakeFeeder = null; f?.(); };
  let stop = false;
  // The worker's answer (or its death): only then is `dir` no longer being written.
  const answer = new Promise<ApplyResult>((resolve, reject) => {
    slot.onMessage = (m) => {
      if (m.id !== id) return;
      if (m.t === 'in-ack') { inFlight -= m.n; if (inFlight < IN_WINDOW) notifyFeeder(); }
      else if (m.t === 'done') resolve(m.result);
      else reject(new Error(m.message));
    };
    slot.onFail = reject;
  });
  let workerFailed = false;
  answer.then(() => {}, () => {
    workerFailed = true;
    input.destroy(); // as in this thread: a failed unpack stops the source
  }).finally(() => { stop = true; notifyFeeder(); });
  w.postMessage({ t: 'start', id, dir, opts });
  let sourceError: Error | null = null;
  try {
    for await (const chunk of src) {
      if (stop) break;
      // Transfer when the chunk owns its memory; pooled or shared chunks are copied.
      const own = chunk.byteOffset === 0 && chunk.length === chunk.buffer.byteLength && !(chunk.buffer instanceof SharedArrayBuffer);
      const b = own ? chunk : Buffer.from(chunk);
      inFlight += b.length;
      w.postMessage({ t: 'in', id, b: new Uint8Array(b.buffer, b.byteOffset, b.length) }, [b.buffer as ArrayBuffer]);
      while (inFlight >= IN_WINDOW && !stop) await new Promise<void>((r) => { wakeFeeder = r; });
    }
    if (!stop) w.postMessage({ t: 'end', id });
  } catch (err) {
    if (!workerFailed) {
      sourceError = err as Error;
      w.postMessage({ t: 'abort', id, message: sourceError.message });
    }
  }
  try {
    const result = await answer;
    pool.release(slot, true);
    return result;
  } catch (err) {
    pool.release(slot, false);
    input.destroy();
    throw sourceError ?? err;
  }
}
