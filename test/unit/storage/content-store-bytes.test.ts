// ContentStore.ingest of bytes without fsyncs (durable: false, how image configs and manifests
// are written during a build) keeps every rule of the streaming path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { ContentStore, DigestMismatchError } from '../../../src/storage/index.js';

const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const ND = { durable: false };

test('non-durable bytes: stored under their digest, checked like a stream, an existing blob never replaced', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cs-'));
  try {
    const cs = new ContentStore(root);
    const r = await cs.ingest('{"config":true}', { digest: sha('{"config":true}') }, ND);
    assert.deepEqual(r, { digest: sha('{"config":true}'), size: 15 });
    assert.equal((await cs.read(r.digest)).toString(), '{"config":true}');
    const wrong = sha('other');
    await assert.rejects(cs.ingest(Buffer.from('content'), { digest: wrong }, ND), (e: Error) =>
      e instanceof DigestMismatchError && e.message === `digest mismatch: expected ${wrong}, got ${sha('content')}`);
    await assert.rejects(cs.ingest(Buffer.from('content'), { size: 3 }, ND), /size mismatch: expected 3 bytes, got more/);
    await assert.rejects(cs.ingest(Buffer.from('content'), { size: 30 }, ND), /size mismatch: expected 30 bytes, got 7/);
    await assert.rejects(cs.ingest(Buffer.alloc(20), { maxSize: 15 }, ND), /exceeds the size limit of 15 bytes/);
    assert.equal(await cs.has(sha('content')), false);
    // The same content again: the stored file stays (same inode), nothing is left in tmp.
    const ino = fs.statSync(cs.path(r.digest)).ino;
    assert.deepEqual(await cs.ingest(Buffer.from('{"config":true}'), {}, ND), r);
    assert.equal(fs.statSync(cs.path(r.digest)).ino, ino);
    assert.deepEqual(await cs.list(), [r]);
    assert.deepEqual(fs.readdirSync(path.join(root, 'tmp')), []);
  } finally { fs.rmSync(root, { recursive: true, force: true }); }
});
