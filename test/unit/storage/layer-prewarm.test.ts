/**
 * A prewarmed unpack worker is the one that unpacks the next gzip layer (its start-up is not
 * waited for again), prewarming twice starts one worker, and the layer comes out whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { idleLayerWorkers, prewarmLayerUnpack, unpackLayer } from '../../../src/storage/layer-offload.js';

test('the prewarmed worker unpacks the next gzip layer', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-prewarm-'));
  try {
    const src = path.join(tmp, 'src');
    fs.mkdirSync(path.join(src, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(src, 'etc', 'motd'), 'hello from a layer\n');
    const layer = execFileSync('tar', ['-cz', '-C', src, '.']);

    assert.deepEqual(idleLayerWorkers(), []);
    prewarmLayerUnpack();
    prewarmLayerUnpack();
    const warm = idleLayerWorkers();
    assert.equal(warm.length, 1, 'one worker started, however often prewarmed');

    const dir = path.join(tmp, 'dir');
    fs.mkdirSync(dir);
    let idleDuring: number[] | undefined;
    async function* source(): AsyncGenerator<Buffer> {
      yield layer.subarray(0, 10);
      // Readable.from reads ahead: wait (with a deadline) until the unpack has taken a worker.
      const deadline = Date.now() + 2000;
      while (idleLayerWorkers().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      idleDuring = idleLayerWorkers();
      yield layer.subarray(10);
    }
    const res = await unpackLayer(Readable.from(source()), dir, { whiteouts: 'overlay', inPlace: true });
    assert.deepEqual(idleDuring, [], 'the idle worker was taken for the unpack');
    assert.equal(fs.readFileSync(path.join(dir, 'etc', 'motd'), 'utf8'), 'hello from a layer\n');
    assert.match(res.diffId, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(idleLayerWorkers(), warm, 'the same thread did the unpack and is idle again');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
