// A prune killed with -9 (while writing the database, after unregistering an image, between blob
// deletions, in the middle of removing a layer tree) leaves no half image: at the next open the
// images it did not get to are whole, what it unregistered is gone entirely, and a second prune
// removes and reports the rest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ImageStore, buildBusyboxImage, importImage } from '../../../src/image/index.js';
import { tempDir, cleanupDir, names, tmpLeftovers, imagesOnDisk, runAndKill, reopenSound, makeRootfsTar } from './helpers.js';

let root: string;
let work: string;
let keepTar: string;
const kept: { busybox: string; keep: string } = { busybox: '', keep: '' };
/** Dangling images and the marker file each one's root holds. */
const dangling = new Map<string, string>();

before(async () => {
  root = tempDir('wharf-prunecrash-');
  work = tempDir('wharf-prunecrash-work-');
  const store = await ImageStore.open(root);
  kept.busybox = (await buildBusyboxImage(store)).id;
  keepTar = path.join(work, 'keep.tar');
  makeRootfsTar(path.join(work, 'rootfs'), keepTar, { files: 300, extra: { 'keep-marker': 'keep\n' } });
  kept.keep = (await importImage(store, keepTar, { tag: 'keep:1' })).id;
  // A dangling image sharing keep:1's layer: pruning it must leave that layer alone.
  dangling.set((await importImage(store, keepTar, { message: 'shares keep:1 layer' })).id, 'keep-marker');
  for (let i = 0; i < 5; i++) {
    const tar = path.join(work, `d${i}.tar`);
    makeRootfsTar(path.join(work, 'rootfs'), tar, { files: 300, extra: { [`d${i}-marker`]: `${i}\n`, 'blob.bin': randomBytes(1 << 20) } });
    dangling.set((await importImage(store, tar)).id, `d${i}-marker`);
  }
});
after(async () => {
  await cleanupDir(root);
  await cleanupDir(work);
});

/**
 * After a kill: the store is sound, the kept images are untouched, and the images gone are
 * dangling ones. Returns the IDs gone since `before`.
 */
async function expectSoundAfterKill(before: string[]): Promise<string[]> {
  const { store, ls } = await reopenSound(root);
  const ids = store.ids();
  assert.ok(ids.includes(kept.busybox) && ids.includes(kept.keep), 'kept images are listed');
  assert.ok(ls.get(kept.keep)!.includes('keep-marker') && ls.get(kept.keep)!.includes('many'), 'keep:1 content');
  assert.ok(ls.get(kept.busybox)!.includes('bin'), 'busybox content');
  assert.equal(store.resolve('keep:1'), kept.keep);
  for (const id of ids) if (dangling.has(id)) assert.ok(ls.get(id)!.includes(dangling.get(id)!), `content of ${id}`);
  const gone = before.filter((id) => !ids.includes(id));
  for (const id of gone) assert.ok(dangling.has(id), `only dangling images were pruned (${id})`);
  assert.deepEqual(ids.filter((id) => !before.includes(id)), [], 'no image appeared');
  return gone;
}

const blobCount = () => names(path.join(root, 'blobs/sha256')).length;

test('killed with the first removal written to a temp database file, before its rename', async () => {
  const before = imagesOnDisk(root);
  await runAndKill({
    script: 'prune-child.js',
    args: [root, 'db-write'],
    until: 'FROZEN',
    inFlight: () => {
      assert.ok(names(path.join(root, 'images')).some((n) => n.startsWith('.repositories.json.tmp-')), 'the new database is in its temp file');
      assert.deepEqual(imagesOnDisk(root), before, 'the old database is still in place');
    },
  });
  assert.deepEqual(await expectSoundAfterKill(before), [], 'nothing was pruned');
});

test('killed after unregistering an image, before deleting any of its blobs', async () => {
  const before = imagesOnDisk(root);
  const blobs = blobCount();
  await runAndKill({
    script: 'prune-child.js',
    args: [root, 'untagged'],
    until: 'FROZEN',
    inFlight: () => {
      assert.equal(imagesOnDisk(root).length, before.length - 1, 'one image unregistered');
      assert.equal(blobCount(), blobs, 'no blob deleted yet');
    },
  });
  assert.equal((await expectSoundAfterKill(before)).length, 1);
});

test('killed between blob deletions', async () => {
  const before = imagesOnDisk(root);
  const blobs = blobCount();
  await runAndKill({
    script: 'prune-child.js',
    args: [root, 'blobs'],
    until: 'FROZEN',
    inFlight: () => assert.equal(blobCount(), blobs - 1, 'one blob deleted'),
  });
  assert.equal((await expectSoundAfterKill(before)).length, 1);
});

test('killed while a layer snapshot tree is being removed', async () => {
  const before = imagesOnDisk(root);
  await runAndKill({
    script: 'prune-child.js',
    args: [root, 'snapshots'],
    until: 'FROZEN',
    inFlight: () => {
      const trash = tmpLeftovers(root).filter((n) => n.startsWith('snap-del-'));
      assert.equal(trash.length, 1, 'a layer is in the trash');
      const left = names(path.join(root, 'tmp', trash[0]!, 'fs/many')).length;
      assert.ok(left > 0 && left < 300, `the layer is half deleted (${left} files left)`);
    },
  });
  assert.ok((await expectSoundAfterKill(before)).length >= 1);
});

test('a second prune removes and reports the rest; a fresh prune then works', async () => {
  let store = await ImageStore.open(root);
  const rest = store.ids().filter((id) => dangling.has(id));
  assert.ok(rest.length >= 2, 'some dangling images survived the kills');
  const report = await store.prune({});
  const deleted = report.ImagesDeleted.flatMap((d) => ('Deleted' in d ? [d.Deleted] : []));
  assert.deepEqual(deleted.filter((d) => dangling.has(d)).sort(), rest.sort(), 'every remaining dangling image reported');
  assert.ok(report.SpaceReclaimed > 0);
  const { store: reopened, ls } = await reopenSound(root);
  assert.deepEqual(reopened.ids(), [kept.busybox, kept.keep].sort());
  assert.ok(ls.get(kept.keep)!.includes('keep-marker'));

  // The store works normally afterwards: a new dangling image is pruned, the rest stays.
  store = reopened;
  const { id } = await importImage(store, keepTar, { message: 'fresh dangling' });
  const again = await store.prune({});
  assert.deepEqual(again.ImagesDeleted, [{ Deleted: id }], 'only the new image (its layer is shared with keep:1)');
  assert.deepEqual((await reopenSound(root)).store.ids(), [kept.busybox, kept.keep].sort());
});
