import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ContentStore, DigestMismatchError, chainId, chainIds, writeJsonAtomic } from '../../../src/storage/index.js';

const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

function tmpRoot(): string { return fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cs-')); }

test('ingest stores a stream under its digest, readable back; nothing left in tmp', async () => {
  const root = tmpRoot();
  try {
    const cs = new ContentStore(root);
    const data = Buffer.alloc(3 << 20, 7);
    const r = await cs.ingest(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), { digest: sha(data), size: data.length });
    assert.deepEqual(r, { digest: sha(data), size: data.length });
    assert.ok(await cs.has(r.digest));
    assert.equal(fs.readFileSync(path.join(root, 'blobs/sha256', r.digest.slice(7))).equals(data), true);
    assert.equal((await cs.read(r.digest)).length, data.length);
    assert.deepEqual(await cs.list(), [r]);
    assert.deepEqual(fs.readdirSync(path.join(root, 'tmp')), []);
    assert.equal(await cs.delete(r.digest), true);
    assert.equal(await cs.has(r.digest), false);
    await assert.rejects(cs.read(r.digest), /blob sha256:[0-9a-f]{64} not found/);
  } finally { fs.rmSync(root, { recursive: true, force: true }); }
});

test('digest or size mismatch and maxSize reject the blob and leave nothing visible', async () => {
  const root = tmpRoot();
  try {
    const cs = new ContentStore(root);
    const wrong = sha('other');
    await assert.rejects(cs.ingest(Buffer.from('content'), { digest: wrong }), (e: Error) =>
      e instanceof DigestMismatchError && e.message === `digest mismatch: expected ${wrong}, got ${sha('content')}`);
    await assert.rejects(cs.ingest(Buffer.from('content'), { size: 3 }), /size mismatch: expected 3 bytes/);
    await assert.rejects(cs.ingest(Buffer.from('content'), { size: 30 }), /size mismatch: expected 30 bytes, got 7/);
    await assert.rejects(cs.ingest(Readable.from([Buffer.alloc(10), Buffer.alloc(10)]), { maxSize: 15 }), /exceeds the size limit of 15 bytes/);
    await assert.rejects(cs.ingest(Buffer.from('x'), { digest: 'sha256:XYZ' }), /invalid expected digest "sha256:XYZ"/);
    assert.deepEqual(await cs.list(), []);
    assert.deepEqual(fs.readdirSync(path.join(root, 'tmp')), []);
    assert.equal(await cs.has(sha('content')), false);
  } finally { fs.rmSync(root, { recursive: true, force: true }); }
});

test('a failing source stream stores nothing; cleanupTmp removes crash leftovers only', async () => {
  const root = tmpRoot();
  try {
    const cs = new ContentStore(root);
    const failing = new Readable({ read() { this.push(Buffer.alloc(100)); this.destroy(new Error('network reset')); } });
    await assert.rejects(cs.ingest(failing), /network reset/);
    assert.deepEqual(await cs.list(), []);
    fs.writeFileSync(path.join(root, 'tmp', 'ingest-deadbeef'), 'partial');
    fs.writeFileSync(path.join(root, 'tmp', 'other-owner'), 'x');
    assert.equal(await cs.cleanupTmp(), 1);
    assert.deepEqual(fs.readdirSync(path.join(root, 'tmp')), ['other-owner']);
  } finally { fs.rmSync(root, { recursive: true, force: true }); }
});

test('chainId follows the image-spec definition', () => {
  const a = sha('a'), b = sha('b'), c = sha('c');
  assert.equal(chainId([a]), a);
  const ab = sha(a + ' ' + b);
  assert.equal(chainId([a, b]), ab);
  assert.equal(chainId([a, b, c]), sha(ab + ' ' + c));
  assert.deepEqual(chainIds([a, b, c]), [a, ab, sha(ab + ' ' + c)]);
  assert.throws(() => chainId([a, 'sha256:nothex']), /invalid diff ID "sha256:nothex"/);
  assert.throws(() => chainId([]), /at least one/);
});

test('writeJsonAtomic replaces the file whole and leaves no temp file', async () => {
  const root = tmpRoot();
  try {
    const f = path.join(root, 'state.json');
    await writeJsonAtomic(f, { a: 1 });
    await writeJsonAtomic(f, { a: 2 });
    assert.deepEqual(JSON.parse(fs.readFileSync(f, 'utf8')), { a: 2 });
    assert.deepEqual(fs.readdirSync(root), ['state.json']);
  } finally { fs.rmSync(root, { recursive: true, force: true }); }
});
