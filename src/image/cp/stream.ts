// A tar stream produced lazily by a generator, whose resources are released exactly once: when
// the archive ends, fails, or the consumer destroys the stream (even before reading anything).
import { Readable } from 'node:stream';
import { TAR_END } from '../../storage/index.js';

export function tarStream(body: () => AsyncGenerator<Buffer>, release: () => void | Promise<void>): Readable {
  let released: Promise<void> | null = null;
  const releaseOnce = () => (released ??= Promise.resolve().then(release));
  async function* generate(): AsyncGenerator<Buffer> {
    try {
      yield* body();
      yield TAR_END;
    } finally {
      await releaseOnce();
    }
  }
  const stream = Readable.from(generate(), { objectMode: false, highWaterMark: 1 << 20 });
  // Destroyed before the generator ever ran: its finally never will, so release here.
  stream.once('close', () => { releaseOnce().catch(() => undefined); });
  return stream;
}
