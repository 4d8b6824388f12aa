// Lookup, tag/untag, list sizes, inspect, remove and prune, as Docker behaves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { loadImages, ImageStore, AmbiguousImageError, ImageNotFoundError, ImageConflictError } from '../../../src/image/index.js';
import { chainIds } from '../../../src/storage/index.js';
import { openTempStore, fixture } from './helpers.js';

let store: ImageStore;
let close: () => Promise<void>;
const BB = 'sha256:cafc882322024466e0b295f26ae525ad7f9843ef1dad2ff20de59995f54d0668';
const LAYERS = 'sha256:0b9f54a5f91b48a2c6d40beb1683a99c9366a7642cc43a5bb5c2b7da5d1493bf';
const OCI = 'sha256:ceb8bb82e0630948aa538daf67da66588531572a50079e23946cede0576a0103';

async function loadAll() {
  await loadImages(store, fs.createReadStream(fixture('busybox-docker-save.tar')));
  await loadImages(store, fs.createReadStream(fixture('layers-docker-save.tar')));
  await loadImages(store, fs.createReadStream(fixture('layers-oci-gzip.tar')), { repository: 'oci/layers' });
}

before(async () => { ({ store, close } = await openTempStore()); await loadAll(); });
after(async () => { await close(); });

const summary = async (id: string) => (await store.list()).find((s) => s.Id === id)!;
const blobsOf = async (id: string) => {
  const img = await store.byId(id);
  return [id, img.manifestDigest, ...img.manifest.layers.map((l) => l.digest)];
};

test('lookup by reference, full ID, short prefix; ambiguous prefixes and unknown names fail', async () => {
  assert.equal((await store.get('bb')).id, BB);
  assert.equal((await store.get('docker.io/library/bb:latest')).id, BB);
  assert.equal((await store.get(BB)).id, BB);
  assert.equal((await store.get(BB.slice(7))).id, BB);
  assert.equal((await store.get('cafc88')).id, BB);
  assert.equal((await store.get('sha256:0b9f')).id, LAYERS);
  await assert.rejects(store.get('c'), (e: Error) => e instanceof AmbiguousImageError && /"c" is ambiguous: it matches 2 images/.test(e.message));
  await assert.rejects(store.get('nothere:1'), (e: Error) => e instanceof ImageNotFoundError && e.message === 'No such image: nothere:1');
  await assert.rejects(store.get('Upper'), /must be lowercase/);
});

test('list: sizes, and SharedSize counts layers used by several images', async () => {
  const bb = await summary(BB);
  const layers = await summary(LAYERS);
  const oci = await summary(OCI);
  assert.deepEqual(bb.RepoTags, ['bb:latest']);
  assert.ok(bb.Size > 1_900_000, 'busybox layer is ~2 MB unpacked');
  // The layers image is FROM the busybox fixture: its first layer is bb's only layer.
  assert.equal((await store.byId(LAYERS)).config.rootfs.diff_ids[0], (await store.byId(BB)).config.rootfs.diff_ids[0]);
  assert.ok(layers.Size > bb.Size + 1_900_000, 'plus a second busybox copy (suidbox)');
  assert.equal(bb.SharedSize, bb.Size, 'its only layer is shared');
  assert.equal(layers.SharedSize, layers.Size, 'the docker and OCI copies share all five layers');
  assert.equal(oci.Size, layers.Size);
  assert.equal(layers.Created, Math.floor(Date.parse('2026-11-23T07:37:25.577081216Z') / 1000));
  assert.deepEqual(layers.Labels, { 'org.example.fixture': 'layers' });
  assert.deepEqual((await store.list({ reference: 'bb' })).map((s) => s.Id), [BB]);
});

test('inspect is shaped like Docker ImageInspect', async () => {
  const i = await store.inspect('wharf-fixture/layers:1.0') as Record<string, any>;
  assert.equal(i.Id, LAYERS);
  assert.deepEqual(i.RepoTags, ['wharf-fixture/layers:1.0']);
  assert.equal(i.Os, 'linux');
  assert.equal(i.Architecture, 'amd64');
  assert.equal(i.Created, '2026-11-23T07:37:25.577081216Z');
  assert.equal(i.DockerVersion, '20.10.24+dfsg1');
  assert.deepEqual(i.Config.Cmd, ['cat /srv/hello.txt']);
  assert.equal(i.Config.Tty, false);
  assert.equal(i.RootFS.Type, 'layers');
  assert.equal(i.RootFS.Layers.length, 5);
  assert.equal(i.Size, (await summary(LAYERS)).Size);
  if (i.GraphDriver.Name === 'overlay') {
    assert.ok(fs.existsSync(i.GraphDriver.Data.UpperDir + '/srv/tree/sub/b'), 'UpperDir is the top layer (COPY tree)');
    assert.ok(!fs.existsSync(i.GraphDriver.Data.UpperDir + '/srv/hello.txt'), 'the layer below is not in it');
    assert.equal(i.GraphDriver.Data.LowerDir.split(':').length, 4);
  }
  assert.ok(Date.parse(i.Metadata.LastTagTime) > Date.now() - 600_000);
});

test('tag and untag', async () => {
  await store.tag('bb', 'example.com/team/bb:v1');
  await store.tag(BB.slice(7, 19), 'bb2');
  const img = await store.get('example.com/team/bb:v1');
  assert.equal(img.id, BB);
  assert.deepEqual(img.repoTags.sort(), ['bb2:latest', 'bb:latest', 'example.com/team/bb:v1']);
  await assert.rejects(store.tag('bb', 'bad tag'), /invalid reference format/);
  await assert.rejects(store.tag('nope', 'x:1'), /No such image: nope/);
  assert.equal(await store.untag('example.com/team/bb:v1'), BB);
  await assert.rejects(store.get('example.com/team/bb:v1'), /No such image/);
  await assert.rejects(store.untag('example.com/team/bb:v1'), /No such image/);
});

test('remove: untag first, conflicts unless forced, then delete image, blobs and unshared layers', async () => {
  // bb has tags bb:latest and bb2:latest (two repositories).
  await assert.rejects(store.remove(BB), (e: Error) => e instanceof ImageConflictError && /referenced in multiple repositories/.test(e.message));
  assert.deepEqual(await store.remove('bb2'), [{ Untagged: 'bb2:latest' }]);
  assert.ok(store.has(BB));
  // The last reference, while a container uses the image.
  await assert.rejects(store.remove('bb', { inUse: (id) => id === BB }), /must force/);
  await assert.rejects(store.remove(BB, { inUse: (id) => id === BB }), /must be forced/);
  await assert.rejects(store.remove(BB, { force: true, inUse: () => true, running: () => true }), /cannot be forced/);
  const blobs = await blobsOf(BB);
  const items = await store.remove('bb', { force: true, inUse: (id) => id === BB });
  assert.deepEqual(items, [{ Untagged: 'bb:latest' }, { Deleted: BB }], 'its layer stays: the layers images use it');
  assert.ok(!store.has(BB));
  assert.ok(!(await store.content.has(BB)), 'config blob deleted');
  // The layer blob is a different blob from those of the other images (docker-save layer.tar).
  const kept = new Set((await Promise.all(store.ids().map(blobsOf))).flat());
  for (const b of blobs) assert.equal(await store.content.has(b), kept.has(b), b);
  assert.equal((await summary(LAYERS)).SharedSize, (await summary(LAYERS)).Size, 'still shared with the OCI copy');
});

test('removing an image deletes the layer snapshots no other image uses', async () => {
  const img = await store.byId(OCI);
  const chains = chainIds(img.config.rootfs.diff_ids);
  const items = await store.remove('oci/layers:layers-1.0');
  assert.deepEqual(items, [{ Untagged: 'oci/layers:layers-1.0' }, { Deleted: OCI }]);
  assert.equal((await summary(LAYERS)).SharedSize, 0, 'nothing shared any more');
  const snaps = new Set((await store.snapshots.list()).map((s) => s.key));
  for (const c of chains) assert.ok(snaps.has(c), 'the docker copy still uses all five layers');
});

test('prune: dangling images only by default, in-use ones kept, space reclaimed reported', async () => {
  await loadAll(); // bb, layers, oci again
  const untagged = await store.untag('oci/layers:layers-1.0');
  assert.equal(untagged, OCI);
  const ociBlobBytes = (await Promise.all((await blobsOf(OCI)).map((b) => store.content.size(b)))).reduce((a, b) => a + b, 0);
  // Layers are shared with the docker copy, so pruning the OCI copy frees only its blobs.
  const kept = await store.prune({ inUse: (id) => id === OCI });
  assert.deepEqual(kept.ImagesDeleted, []);
  assert.equal(kept.SpaceReclaimed, 0);
  const r = await store.prune();
  assert.deepEqual(r.ImagesDeleted, [{ Deleted: OCI }]);
  assert.equal(r.SpaceReclaimed, ociBlobBytes);
  assert.ok(store.has(BB) && store.has(LAYERS), 'tagged images stay');

  // prune -a: every image no container uses; the busybox one is "in use".
  const layersSize = (await summary(LAYERS)).Size;
  const bbSize = (await summary(BB)).Size;
  // Its first layer.tar is byte-identical to bb's (same blob): that one stays.
  const bbBlobs = new Set(await blobsOf(BB));
  const ownBlobs = (await blobsOf(LAYERS)).filter((b) => !bbBlobs.has(b));
  assert.equal(ownBlobs.length, 6, 'config, manifest and four layers');
  const layersBlobs = (await Promise.all(ownBlobs.map((b) => store.content.size(b)))).reduce((a, b) => a + b, 0);
  const all = await store.prune({ dangling: false, inUse: (id) => id === BB });
  assert.deepEqual(store.ids(), [BB]);
  assert.deepEqual(all.ImagesDeleted[0], { Untagged: 'wharf-fixture/layers:1.0' });
  assert.ok(all.ImagesDeleted.some((d) => 'Deleted' in d && d.Deleted === LAYERS));
  assert.equal(all.ImagesDeleted.filter((d) => 'Deleted' in d && d.Deleted !== LAYERS).length, 4, 'four unshared layers');
  assert.equal(all.SpaceReclaimed, layersSize - bbSize + layersBlobs);
  const snaps = (await store.snapshots.list()).map((s) => s.key);
  assert.deepEqual(snaps, chainIds((await store.byId(BB)).config.rootfs.diff_ids));
  for (const b of ownBlobs) assert.ok(!(await store.content.has(b)), `blob ${b} deleted`);
  assert.ok(await store.content.has((await store.byId(BB)).manifest.layers[0]!.digest));
});
