/** Snapshotter: layer sharing, reference counting, 120-layer overlay mounts, concurrency, crash recovery. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { applyLayer, chainIds, sha256Digest, Snapshotter, SnapshotInUseError, type DriverName } from '../../../src/storage/index.js';
import { buildTar, stream, tmpDir, umountQuiet, mountedUnder } from './helpers.js';

/** Creates `n` layers, layer i adding /files/f<i> and replacing /top with its index. */
async function makeLayers(snaps: Snapshotter, n: number): Promise<string[]> {
  const tars = Array.from({ length: n }, (_, i) => buildTar([
    { name: 'files', type: 'dir', mode: 0o755 }, { name: `files/f${i}`, data: String(i) }, { name: 'top', data: String(i) },
  ]));
  const ids = chainIds(tars.map((t) => sha256Digest(t)));
  for (let i = 0; i < n; i++) {
    await snaps.ensureLayer(ids[i]!, i ? ids[i - 1]! : null, (dir) =>
      applyLayer(stream(tars[i]!), dir, { whiteouts: snaps.whiteoutMode, inPlace: true, expectDiffId: sha256Digest(tars[i]!) }));
  }
  return ids;
}

for (const driver of ['overlay', 'vfs'] as DriverName[]) {
  test(`${driver}: containers share layers, writes stay in the container, in-use layers cannot be removed`, async () => {
    const root = tmpDir('snap');
    const t1 = path.join(root, 'm1'), t2 = path.join(root, 'm2');
    fs.mkdirSync(t1); fs.mkdirSync(t2);
    try {
      const snaps = await Snapshotter.open(root, { driver });
      assert.equal(snaps.driver, driver);
      const ids = await makeLayers(snaps, 3);
      const again = await snaps.ensureLayer(ids[2]!, ids[1]!, async () => { throw new Error('must not unpack twice'); });
      assert.equal(again.created, false);
      const mounts = await snaps.prepare('c1', ids[2]!);
      assert.equal(mounts[0]!.type, driver === 'overlay' ? 'overlay' : 'bind');
      await snaps.prepare('c2', ids[2]!);
      await snaps.mount('c1', t1);
      await snaps.mount('c2', t2);
      try {
        assert.equal(fs.readFileSync(path.join(t1, 'top'), 'utf8'), '2');
        assert.deepEqual(fs.readdirSync(path.join(t1, 'files')).sort(), ['f0', 'f1', 'f2']);
        fs.writeFileSync(path.join(t1, 'top'), 'changed');
        assert.equal(fs.readFileSync(path.join(t2, 'top'), 'utf8'), '2', 'the other container does not see it');
        assert.equal(fs.readFileSync(path.join(snaps.layerDir(ids[2]!), 'top'), 'utf8'), '2', 'the layer is unchanged');
      } finally {
        await snaps.unmount(t1);
        await snaps.unmount(t2);
      }
      assert.ok((await snaps.usage('c1')).size >= 'changed'.length);
      assert.deepEqual((await snaps.users(ids[2]!)).sort(), ['c1', 'c2']);
      await assert.rejects(snaps.remove(ids[2]!), (e: Error) => e instanceof SnapshotInUseError && /in use by c1, c2|in use by c2, c1/.test(e.message));
      await assert.rejects(snaps.remove(ids[0]!), new RegExp(`snapshot ${ids[0]} is in use by ${ids[1]}`));
      await snaps.remove('c1');
      await snaps.remove('c2');
      for (const id of [...ids].reverse()) await snaps.remove(id);
      assert.deepEqual(await snaps.list(), []);
      assert.deepEqual(fs.readdirSync(path.join(root, 'l')), []);
      await assert.rejects(snaps.prepare('c3', ids[0]!), /not found/);
      await assert.rejects(snaps.prepare('bad/key', null), /invalid snapshot key "bad\/key"/);
    } finally {
      umountQuiet(t1); umountQuiet(t2);
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
}

test('overlay: an image with 120 layers mounts and shows every layer', async () => {
  const root = tmpDir('snap120');
  const target = path.join(root, 'm');
  fs.mkdirSync(target);
  try {
    const snaps = await Snapshotter.open(root, { driver: 'overlay' });
    const ids = await makeLayers(snaps, 120);
    const [m] = await snaps.prepare('big', ids[119]!);
    assert.ok(m!.options.join(',').length < 4096);
    assert.equal(m!.cwd, root, 'this long root needs relative lowerdirs');
    await snaps.mount('big', target);
    try {
      assert.equal(fs.readdirSync(path.join(target, 'files')).length, 120);
      assert.equal(fs.readFileSync(path.join(target, 'top'), 'utf8'), '119');
    } finally {
      await snaps.unmount(target);
    }
  } finally {
    umountQuiet(target);
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('concurrent ensureLayer of one chain unpacks once', async () => {
  const root = tmpDir('snapconc');
  try {
    const snaps = await Snapshotter.open(root);
    const tar = buildTar([{ name: 'f', data: 'x' }]);
    const id = sha256Digest(tar);
    let runs = 0;
    const apply = async (dir: string) => { runs++; await new Promise((r) => setTimeout(r, 50)); return applyLayer(stream(tar), dir, { whiteouts: snaps.whiteoutMode, inPlace: true }); };
    const results = await Promise.all(Array.from({ length: 5 }, () => snaps.ensureLayer(id, null, apply)));
    assert.equal(runs, 1);
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.equal(fs.readFileSync(path.join(snaps.layerDir(id), 'f'), 'utf8'), 'x');
    // A failed unpack leaves nothing and a later call can succeed.
    const id2 = sha256Digest('other');
    await assert.rejects(snaps.ensureLayer(id2, null, async () => { throw new Error('boom'); }), /boom/);
    assert.equal(await snaps.hasLayer(id2), false);
    assert.deepEqual(fs.readdirSync(path.join(root, 'tmp')), []);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('an unpack killed with -9 leaves no layer visible and recover() cleans its leftovers', async () => {
  const root = tmpDir('snapkill');
  const storage = fileURLToPath(new URL('../../../src/storage/index.js', import.meta.url));
  const script = `
    import { Snapshotter, applyLayer } from ${JSON.stringify(storage)};
    import { Readable } from 'node:stream';
    const snaps = await Snapshotter.open(process.argv[1]);
    async function* slow() {
      const { buildTar } = await import(${JSON.stringify(fileURLToPath(new URL('./helpers.js', import.meta.url)))});
      yield buildTar(Array.from({ length: 200 }, (_, i) => ({ name: 'f' + i, data: 'x'.repeat(1000) })), false);
      process.stdout.write('started\\n');
      await new Promise(() => {}); // hang mid-archive
    }
    await snaps.ensureLayer('sha256:${'a'.repeat(64)}', null, (dir) => applyLayer(Readable.from(slow()), dir, { whiteouts: snaps.whiteoutMode, inPlace: true }));
  `;
  try {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, root], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('started')) resolve(); });
      child.on('exit', (c) => reject(new Error(`child exited early with ${c}`)));
    });
    const leftovers = () => fs.readdirSync(path.join(root, 'tmp')).filter((n) => n.startsWith('snap-'));
    // The entries are being written in the temp dir, not under snapshots/.
    const deadline = Date.now() + 5000;
    while (!(leftovers().length && fs.readdirSync(path.join(root, 'tmp', leftovers()[0]!, 'fs')).length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.equal(leftovers().length, 1);
    const snaps = await Snapshotter.open(root);
    assert.deepEqual(leftovers(), []);
    assert.equal(await snaps.hasLayer('sha256:' + 'a'.repeat(64)), false);
    assert.deepEqual(await snaps.list(), []);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('no mounts left behind', () => {
  assert.deepEqual(mountedUnder('/tmp/wharf-st-'), []);
});
