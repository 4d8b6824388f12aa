/** Fixture images (docker save, OCI gzip, OCI zstd) unpack and mount as the fixtures README lists. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { applyLayer, chainIds, Snapshotter, type DriverName } from '../../../src/storage/index.js';
import { FIXTURES, fixtureLayers, stream, tmpDir, umountQuiet, mountedUnder } from './helpers.js';

async function unpackAndMount(file: string, driver: DriverName, check: (rootfs: string) => void): Promise<void> {
  const root = tmpDir('fx');
  const target = path.join(root, 'rootfs');
  fs.mkdirSync(target);
  try {
    const snaps = await Snapshotter.open(root, { driver });
    assert.equal(snaps.driver, driver);
    const { blobs, diffIds } = await fixtureLayers(path.join(FIXTURES, file));
    const ids = chainIds(diffIds);
    for (const [i, blob] of blobs.entries()) {
      const r = await snaps.ensureLayer(ids[i]!, i ? ids[i - 1]! : null, (dir) =>
        applyLayer(stream(blob), dir, { whiteouts: snaps.whiteoutMode, inPlace: true, expectDiffId: diffIds[i] }));
      assert.equal(r.created, true);
      assert.equal(r.result?.diffId, diffIds[i]);
    }
    await snaps.prepare('ctr1', ids.at(-1)!);
    await snaps.mount('ctr1', target);
    try {
      check(target);
    } finally {
      await snaps.unmount(target);
    }
    await snaps.remove('ctr1');
  } finally {
    umountQuiet(target);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function checkLayersImage(r: string): void {
  const p = (x: string) => path.join(r, x);
  assert.equal(fs.readFileSync(p('data/keep/f'), 'utf8'), 'keep\n');
  assert.equal(fs.readlinkSync(p('data/link')), '/data/keep/f');
  assert.equal(fs.statSync(p('data/hardlink')).ino, fs.statSync(p('data/keep/f')).ino);
  assert.ok(fs.lstatSync(p('data/fifo')).isFIFO());
  assert.equal(fs.statSync(p('usr/local/bin/suidbox')).mode & 0o7777, 0o4755);
  assert.equal(fs.existsSync(p('data/gone')), false);
  assert.equal(fs.existsSync(p('data/file-to-delete')), false);
  assert.deepEqual(fs.readdirSync(p('opq')), ['new']);
  assert.equal(fs.readFileSync(p('opq/new'), 'utf8'), 'new\n');
  assert.equal(fs.readFileSync(p('srv/hello.txt'), 'utf8').trim(), 'hello from the build context');
  assert.equal(fs.readFileSync(p('srv/tree/a'), 'utf8').trim(), 'a');
  assert.equal(fs.readFileSync(p('srv/tree/sub/b'), 'utf8').trim(), 'b');
  assert.equal(createHash('sha256').update(fs.readFileSync(p('bin/busybox'))).digest('hex'),
    createHash('sha256').update(fs.readFileSync(p('usr/local/bin/suidbox'))).digest('hex'));
}

for (const driver of ['overlay', 'vfs'] as const) {
  for (const file of ['layers-docker-save.tar', 'layers-oci-gzip.tar', 'layers-oci-zstd.tar']) {
    test(`${file} unpacks with the ${driver} driver and shows what the README lists`, async () => {
      await unpackAndMount(file, driver, checkLayersImage);
    });
  }
}

test('busybox-docker-save.tar unpacks into a runnable-looking rootfs', async () => {
  await unpackAndMount('busybox-docker-save.tar', 'overlay', (r) => {
    assert.ok(fs.statSync(path.join(r, 'bin/busybox')).mode & 0o111);
    assert.equal(fs.readlinkSync(path.join(r, 'bin/sh')), '/bin/busybox');
  });
});

test('no mounts left behind', () => {
  assert.deepEqual(mountedUnder('/tmp/wharf-st-'), []);
});
