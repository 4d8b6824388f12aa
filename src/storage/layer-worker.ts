/**
 * Worker thread entry (see layer-offload.ts): unpacks one gzip layer at a time into a directory
 * with unpackHere, so the extraction's system calls run beside the main thread, which keeps
 * downloading. Its gunzip and diff ID run in one more worker (gunzip-offload.ts).
 *
 * Messages in:  {t:'start', id, dir, opts} | {t:'in', id, b} compressed bytes | {t:'end', id}
 *               | {t:'abort', id, message} (the source failed)
 * Messages out: {t:'in-ack', id, n} bytes taken by the unpack | {t:'done', id, result}
 *               | {t:'err', id, message}
 */
import { parentPort } from 'node:worker_threads';
import { Readable } from 'node:stream';
import { unpackHere, type ApplyOptions } from './layer-unpack.js';
import { prewarmGunzip } from './gunzip-offload.js';

type InMsg =
  | { t: 'start'; id: number; dir: string; opts: ApplyOptions }
  | { t: 'in'; id: number; b: Uint8Array }
  | { t: 'end'; id: number }
  | { t: 'abort'; id: number; message: string };

interface Job {
  id: number;
  queue: Buffer[];
  ended: boolean;
  failure: Error | null;
  wake: (() => void) | null;
}

const port = parentPort!;
let job: Job | null = null;
// Every job gunzips: its worker starts with this one, not when the first bytes arrive.
prewarmGunzip();

/** The compressed bytes as main sends them; each chunk taken is acknowledged (flow control). */
async function* source(j: Job): AsyncGenerator<Buffer> {
  for (;;) {
    if (j.failure) throw j.failure;
    const b = j.queue.shift();
    if (b) {
      port.postMessage({ t: 'in-ack', id: j.id, n: b.length });
      yield b;
      continue;
    }
    if (j.ended) return;
    await new Promise<void>((r) => { j.wake = r; });
  }
}

function wake(j: Job): void {
  const f = j.wake;
  j.wake = null;
  f?.();
}

port.on('message', (m: InMsg) => {
  if (m.t === 'start') {
    const j: Job = { id: m.id, queue: [], ended: false, failure: null, wake: null };
    job = j;
    unpackHere(Readable.from(source(j), { objectMode: false }), m.dir, m.opts).then(
      (result) => port.postMessage({ t: 'done', id: j.id, result }),
      (err: Error) => port.postMessage({ t: 'err', id: j.id, message: err.message }),
    ).finally(() => { if (job === j) job = null; });
    return;
  }
  const j = job;
  if (!j || j.id !== m.id) return;
  if (m.t === 'in') j.queue.push(Buffer.from(m.b.buffer, m.b.byteOffset, m.b.byteLength));
  else if (m.t === 'end') j.ended = true;
  else j.failure = new Error(m.message);
  wake(j);
});
