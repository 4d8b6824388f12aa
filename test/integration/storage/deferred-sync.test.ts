// Layers published before their content is synced (Snapshotter.ensureLayer deferSync, used by
// pulls): synced soon after, kept when the daemon restarts in the same boot, and dropped at open
// when still unsynced from another boot (a machine crash may have torn them), then made again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyLayer, chainIds, sha256Digest, Snapshotter, type DriverName } from '../../../src/storage/index.js';
import { UNSYNCED_MARKER, currentBootId } from '../../../src/storage/deferred-sync.js';
import { buildTar, stream, tmpDir } from './helpers.js';

const TARS = [
  buildTar([{ name: 'etc', type: 'dir', mode: 0o755 }, { name: 'etc/base', data: 'base layer' }]),
  buildTar([{ name: 'etc/app', data: 'app layer' }]),
];
const IDS = chainIds(TARS.map((t) => sha256Digest(t)));

async function ensure(snaps: Snapshotter, i: number, deferSync: boolean): Promise<boolean> {
  const r = await snaps.ensureLayer(IDS[i]!, i ? IDS[i - 1]! : null, (dir) =>
    applyLayer(stream(TARS[i]!), dir, { whiteouts: snaps.whiteoutMode, inPlace: true, expectDiffId: sha256Digest(TARS[i]!), earlySync: !deferSync }), { deferSync });
  return r.created;
}

const marker = (snaps: Snapshotter, i: number) => path.join(path.dirname(snaps.layerDir(IDS[i]!)), UNSYNCED_MARKER);

for (const driver of ['overlay', 'vfs'] as DriverName[]) {
  test(`${driver}: a deferred layer is marked with this boot until synced, then durable like any other`, async () => {
    const root = tmpDir('defer');
    try {
      const snaps = await Snapshotter.open(root, { driver });
      await ensure(snaps, 0, true);
      assert.equal(fs.readFileSync(marker(snaps, 0), 'utf8').trim(), currentBootId());
      assert.equal(fs.readFileSync(path.join(snaps.layerDir(IDS[0]!), 'etc/base'), 'utf8'), 'base layer');
      await ensure(snaps, 1, false);
      assert.equal(fs.existsSync(marker(snaps, 1)), false, 'a layer synced before publishing has no marker');
      await snaps.settle(); // shutdown: what waits is synced now
      assert.equal(fs.existsSync(marker(snaps, 0)), false);
      const again = await Snapshotter.open(root, { driver });
      assert.deepEqual(again.droppedLayers, []);
      assert.ok(await again.hasLayer(IDS[1]!));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test(`${driver}: restarted in the same boot the layer is kept (and synced); after a reboot it is dropped and made again`, async () => {
    const root = tmpDir('defer-crash');
    const target = path.join(root, 'mnt');
    fs.mkdirSync(target);
    try {
      const snaps = await Snapshotter.open(root, { driver });
      await ensure(snaps, 0, true);
      await ensure(snaps, 1, true);
      await snaps.prepare('c1', IDS[1]!);
      // The daemon dies before the background sync: the page cache still holds the content.
      const same = await Snapshotter.open(root, { driver });
      assert.deepEqual(same.droppedLayers, []);
      assert.ok(await same.hasLayer(IDS[0]!));
      await same.settle();
      assert.equal(fs.existsSync(marker(same, 0)), false, 'the restarted store synced it');

      // Unsynced layers from an earlier boot (as after a machine crash): both are dropped.
      for (const i of [0, 1]) fs.writeFileSync(marker(same, i), '00000000-0000-0000-0000-000000000000\n');
      fs.writeFileSync(path.join(same.layerDir(IDS[1]!), 'etc/app'), ''); // torn content
      const rebooted = await Snapshotter.open(root, { driver });
      assert.deepEqual([...rebooted.droppedLayers].sort(), [...IDS].sort());
      assert.equal(await rebooted.hasLayer(IDS[0]!), false);
      assert.equal(await rebooted.hasLayer(IDS[1]!), false);
      if (driver === 'overlay') assert.deepEqual(fs.readdirSync(path.join(root, 'l')), [], 'no dangling short links');
      // Made again in order; the container snapshot on top works as before.
      assert.equal(await ensure(rebooted, 0, false), true);
      assert.equal(await ensure(rebooted, 1, false), true);
      await rebooted.mount('c1', target);
      try {
        assert.equal(fs.readFileSync(path.join(target, 'etc/app'), 'utf8'), 'app layer');
        assert.equal(fs.readFileSync(path.join(target, 'etc/base'), 'utf8'), 'base layer');
      } finally {
        await rebooted.unmount(target);
      }
      await rebooted.remove('c1');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test(`${driver}: a torn (empty) marker counts as another boot's`, async () => {
    const root = tmpDir('defer-torn');
    try {
      const snaps = await Snapshotter.open(root, { driver });
      await ensure(snaps, 0, true);
      fs.writeFileSync(marker(snaps, 0), '');
      const again = await Snapshotter.open(root, { driver });
      assert.deepEqual(again.droppedLayers, [IDS[0]]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
}
