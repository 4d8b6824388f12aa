// ImageStore caches parsed configs and manifests by image ID: an image that comes to point at
// another manifest (a pull of the same config under a different manifest, or a re-register) must
// show that manifest, through register() and through any other update of the database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { loadImages, ImageStore } from '../../../src/image/index.js';
import { openTempStore, fixture } from './helpers.js';

let store: ImageStore;
let close: () => Promise<void>;

before(async () => {
  ({ store, close } = await openTempStore());
  await loadImages(store, fs.createReadStream(fixture('busybox-docker-save.tar')));
});
after(async () => { await close(); });

/** Stores a second manifest for the image: the same config and layers, plus an annotation. */
async function otherManifest(id: string, note: string): Promise<string> {
  const img = await store.byId(id);
  const bytes = Buffer.from(JSON.stringify({ ...img.manifest, annotations: { 'org.example.note': note } }));
  const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
  await store.content.ingest(bytes, { digest });
  return digest;
}

test('byId shows the manifest register() points an image at, not the one cached before', async () => {
  const id = store.resolve('bb');
  const first = await store.byId(id); // caches the loaded manifest
  assert.equal(first.manifest.annotations?.['org.example.note'], undefined);
  const m2 = await otherManifest(id, 'second');
  assert.notEqual(m2, first.manifestDigest);
  await store.register([{ id, manifestDigest: m2, tags: [] }]);
  const now = await store.byId(id);
  assert.equal(now.manifestDigest, m2);
  assert.equal(now.manifest.annotations?.['org.example.note'], 'second');
  assert.deepEqual(now.repoTags, ['bb:latest'], 'tags are kept');

  // A database change that bypasses register() (another code path) is seen as well.
  await store.db.update((d) => { d.Images[id]!.manifest = first.manifestDigest; });
  const back = await store.byId(id);
  assert.equal(back.manifestDigest, first.manifestDigest);
  assert.equal(back.manifest.annotations?.['org.example.note'], undefined);
});
