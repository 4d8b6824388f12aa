// An import killed with -9 (body half streamed in, layer half unpacked, everything stored but not
// registered) leaves no image visible, and the next ImageStore.open removes what it left behind
// while the images already there stay whole and mountable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { ImageStore, buildBusyboxImage, importImage } from '../../../src/image/index.js';
import { tempDir, cleanupDir, names, tmpLeftovers, imagesOnDisk, runAndKill, reopenSound, makeRootfsTar } from './helpers.js';

let root: string;
let work: string;
let baseTar: string;
let bigTar: string;
let bigTgz: string;
let ids: { busybox: string; base: string };

before(async () => {
  root = tempDir('wharf-impcrash-');
  work = tempDir('wharf-impcrash-work-');
  baseTar = path.join(work, 'base.tar');
  makeRootfsTar(path.join(work, 'base'), baseTar, { files: 200, extra: { 'base-marker': 'base\n' } });
  bigTar = path.join(work, 'big.tar');
  makeRootfsTar(path.join(work, 'big'), bigTar, { files: 300, extra: { 'big-marker': 'big\n', 'big.bin': randomBytes(8 << 20) } });
  bigTgz = bigTar + '.gz';
  execFileSync('sh', ['-c', 'gzip -1 -c "$1" > "$2"', 'sh', bigTar, bigTgz]);
  const store = await ImageStore.open(root);
  ids = {
    busybox: (await buildBusyboxImage(store)).id,
    base: (await importImage(store, baseTar, { tag: 'base:1' })).id,
  };
});
after(async () => {
  await cleanupDir(root);
  await cleanupDir(work);
});

/** After a kill: only the images from before, whole and mountable, and nothing else left. */
async function expectOnlyOriginalImages(): Promise<ImageStore> {
  const { store, ls } = await reopenSound(root);
  assert.deepEqual(store.ids(), [ids.busybox, ids.base].sort());
  assert.throws(() => store.resolve('crashed:1'), /crashed:1/);
  assert.ok(ls.get(ids.base)!.includes('base-marker'), 'base image content');
  assert.ok(ls.get(ids.busybox)!.includes('bin'), 'busybox image content');
  return store;
}

const layerDirs = () => names(path.join(root, 'snapshots')).filter((n) => /^[0-9a-f]{64}$/.test(n));

for (const [label, file] of [['plain', () => bigTar], ['gzip', () => bigTgz]] as const) {
  test(`killed while a ${label} body is half streamed in`, async () => {
    const body = fs.readFileSync(file());
    const blobsBefore = names(path.join(root, 'blobs/sha256')).length;
    const ingested = () => tmpLeftovers(root).filter((n) => n.startsWith('ingest-'))
      .reduce((n, f) => n + (fs.statSync(path.join(root, 'tmp', f), { throwIfNoEntry: false })?.size ?? 0), 0);
    await runAndKill({
      script: 'import-child.js',
      args: [root, '-', 'stream'],
      feed: (child) => { child.stdin!.write(body.subarray(0, body.length >> 1)); }, // and never the rest
      until: () => ingested() >= 1 << 20,
      inFlight: () => {
        assert.equal(names(path.join(root, 'images/ops')).length, 1, 'the import is marked in flight');
        assert.equal(names(path.join(root, 'blobs/sha256')).length, blobsBefore, 'no blob of the import is visible');
        assert.deepEqual(imagesOnDisk(root), [ids.busybox, ids.base].sort());
      },
    });
    await expectOnlyOriginalImages();
  });
}

test('killed with the layer unpacked into a temp dir, not yet published', async () => {
  const layersBefore = layerDirs().length;
  await runAndKill({
    script: 'import-child.js',
    args: [root, bigTar, 'unpacking'],
    until: 'FROZEN',
    inFlight: () => {
      assert.ok(tmpLeftovers(root).some((n) => n.startsWith('snap-')), 'a layer is being unpacked');
      assert.equal(layerDirs().length, layersBefore, 'not published');
      assert.equal(names(path.join(root, 'images/ops')).length, 1, 'the import is marked in flight');
    },
  });
  await expectOnlyOriginalImages();
});

test('killed with blobs and the layer snapshot stored, before registering', async () => {
  const layersBefore = layerDirs().length;
  const blobsBefore = names(path.join(root, 'blobs/sha256')).length;
  await runAndKill({
    script: 'import-child.js',
    args: [root, bigTar, 'before-register'],
    until: 'FROZEN',
    inFlight: () => {
      assert.equal(layerDirs().length, layersBefore + 1, 'the new layer was published');
      assert.equal(names(path.join(root, 'blobs/sha256')).length, blobsBefore + 3, 'layer, config and manifest blobs stored');
      assert.deepEqual(imagesOnDisk(root), [ids.busybox, ids.base].sort(), 'nothing registered');
    },
  });
  await expectOnlyOriginalImages();
});

test('killed before registering an import whose layer an existing image already has', async () => {
  const layersBefore = layerDirs().length;
  const blobsBefore = names(path.join(root, 'blobs/sha256')).length;
  await runAndKill({
    script: 'import-child.js',
    args: [root, baseTar, 'before-register'],
    until: 'FROZEN',
    inFlight: () => {
      assert.equal(layerDirs().length, layersBefore, 'the layer is shared');
      assert.equal(names(path.join(root, 'blobs/sha256')).length, blobsBefore + 2, 'only a new config and manifest');
    },
  });
  // The shared layer blob and snapshot survive the cleanup: base:1 is checked whole and mountable.
  await expectOnlyOriginalImages();
});

test('after the crashes a fresh import works', async () => {
  const store = await ImageStore.open(root);
  const { id } = await importImage(store, fs.createReadStream(bigTgz), { tag: 'fresh:1' });
  const { store: reopened, ls } = await reopenSound(root);
  assert.equal(reopened.resolve('fresh:1'), id);
  assert.deepEqual(ls.get(id), ['big-marker', 'big.bin', 'many']);
  assert.deepEqual(reopened.ids(), [ids.busybox, ids.base, id].sort());
});
