/** changes() and diffTar() of a modified container, for both drivers; the tar re-applied shows the same. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { applyLayer, changes, chainIds, diffTar, sha256Digest, Snapshotter, type DriverName } from '../../../src/storage/index.js';
import { TarReader } from '../../../src/storage/tar-reader.js';
import { buildTar, stream, tmpDir, umountQuiet, mountedUnder } from './helpers.js';

const baseTar = buildTar([
  { name: 'etc', type: 'dir', mode: 0o755 }, { name: 'etc/a', data: 'a' }, { name: 'etc/b', data: 'b' },
  { name: 'opq', type: 'dir', mode: 0o755 }, { name: 'opq/old', data: 'old' },
  { name: 'del', type: 'dir', mode: 0o755 }, { name: 'del/x', data: 'x' },
  { name: 'keep', data: 'keep' }, { name: 'suid', data: 'bin', mode: 0o4755 },
]);

async function collect(r: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function tarNames(tar: Buffer): string[] {
  const names: string[] = [];
  const r = new TarReader({ onEntry: (h) => names.push(h.type === 'link' ? `${h.name}->${h.linkname}` : h.name), onData() {}, onEntryEnd() {} });
  r.push(tar);
  r.finish();
  return names;
}

for (const driver of ['overlay', 'vfs'] as DriverName[]) {
  test(`${driver}: container changes, layer tar with whiteouts, and the tar re-applied shows the same`, async () => {
    const root = tmpDir('diff');
    const t1 = path.join(root, 'm1'), t2 = path.join(root, 'm2');
    fs.mkdirSync(t1); fs.mkdirSync(t2);
    try {
      const snaps = await Snapshotter.open(root, { driver });
      const d0 = sha256Digest(baseTar);
      await snaps.ensureLayer(d0, null, (dir) => applyLayer(stream(baseTar), dir, { whiteouts: snaps.whiteoutMode, inPlace: true }));
      await snaps.prepare('c1', d0);
      await snaps.mount('c1', t1);
      try {
        fs.writeFileSync(path.join(t1, 'etc/a'), 'A2');
        fs.writeFileSync(path.join(t1, 'new'), 'new file');
        fs.linkSync(path.join(t1, 'new'), path.join(t1, 'newlink'));
        fs.rmSync(path.join(t1, 'keep'));
        fs.rmSync(path.join(t1, 'del'), { recursive: true });
        fs.rmSync(path.join(t1, 'opq'), { recursive: true });
        fs.mkdirSync(path.join(t1, 'opq'));
        fs.writeFileSync(path.join(t1, 'opq/new'), 'n');
        fs.mkdirSync(path.join(t1, 'added/deep'), { recursive: true });
        execFileSync('mkfifo', [path.join(t1, 'added/deep/fifo')]);
      } finally {
        await snaps.unmount(t1);
      }
      const got = (await changes(snaps, 'c1')).map((c) => `${'CAD'[c.Kind]} ${c.Path}`);
      assert.deepEqual(got, [
        'A /added', 'A /added/deep', 'A /added/deep/fifo', 'D /del', 'C /etc', 'C /etc/a', 'D /keep',
        'A /new', 'A /newlink', 'C /opq', 'A /opq/new', 'D /opq/old',
      ]);
      const tar = await collect(diffTar(snaps, 'c1'));
      assert.deepEqual(await collect(diffTar(snaps, 'c1')), tar, 'deterministic');
      const names = tarNames(tar);
      assert.ok(names.includes('.wh.del') && names.includes('.wh.keep'), names.join(' '));
      assert.ok(names.includes('newlink->new'), 'hard link kept as a link');
      if (driver === 'overlay') {
        assert.deepEqual(names.slice(names.indexOf('opq/'), names.indexOf('opq/') + 3), ['opq/', 'opq/.wh..wh..opq', 'opq/new']);
      } else {
        assert.ok(names.includes('opq/.wh.old'));
      }
      // The diff as a new layer: a container on it sees what c1 saw.
      const ids = chainIds([d0, sha256Digest(tar)]);
      await snaps.ensureLayer(ids[1]!, d0, (dir) => applyLayer(stream(tar), dir, { whiteouts: snaps.whiteoutMode, inPlace: true }));
      await snaps.prepare('c2', ids[1]!);
      await snaps.mount('c2', t2);
      try {
        const p = (x: string) => path.join(t2, x);
        assert.equal(fs.readFileSync(p('etc/a'), 'utf8'), 'A2');
        assert.equal(fs.readFileSync(p('etc/b'), 'utf8'), 'b');
        assert.equal(fs.existsSync(p('keep')), false);
        assert.equal(fs.existsSync(p('del')), false);
        assert.deepEqual(fs.readdirSync(p('opq')), ['new']);
        assert.equal(fs.statSync(p('newlink')).ino, fs.statSync(p('new')).ino);
        assert.ok(fs.lstatSync(p('added/deep/fifo')).isFIFO());
        assert.equal(fs.statSync(p('suid')).mode & 0o7777, 0o4755);
      } finally {
        await snaps.unmount(t2);
      }
      assert.deepEqual(await changes(snaps, 'c2'), []);
    } finally {
      umountQuiet(t1); umountQuiet(t2);
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
}

test('no mounts left behind', () => {
  assert.deepEqual(mountedUnder('/tmp/wharf-st-'), []);
});
