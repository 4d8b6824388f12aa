/**
 * commitActive (overlay): a container snapshot's upper dir becomes a layer as it is; a container
 * on that layer sees what the source container saw, exactly as one on the layer unpacked from the
 * snapshot's diff tar; bad calls change nothing; a crash mid-way leaves nothing behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyLayer, changes, chainIds, diffTar, sha256Digest, Snapshotter } from '../../../src/storage/index.js';
import { buildTar, stream, tmpDir, umountQuiet, mountedUnder } from './helpers.js';

const baseTar = buildTar([
  { name: 'etc', type: 'dir', mode: 0o755 }, { name: 'etc/a', data: 'a' }, { name: 'etc/b', data: 'b' },
  { name: 'opq', type: 'dir', mode: 0o755 }, { name: 'opq/old', data: 'old' },
  { name: 'keep', data: 'keep' },
]);

async function collect(r: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** What a container on `key` sees: path -> content ('dir' for directories). */
async function view(snaps: Snapshotter, key: string, target: string): Promise<Record<string, string>> {
  await snaps.mount(key, target);
  try {
    const out: Record<string, string> = {};
    const walk = (rel: string): void => {
      for (const name of fs.readdirSync(path.join(target, rel)).sort()) {
        const p = path.join(rel, name);
        const st = fs.lstatSync(path.join(target, p));
        out[p] = st.isDirectory() ? 'dir' : `${fs.readFileSync(path.join(target, p), 'utf8')} ${(st.mode & 0o7777).toString(8)}`;
        if (st.isDirectory()) walk(p);
      }
    };
    walk('');
    return out;
  } finally {
    await snaps.unmount(target);
  }
}

test('overlay: an upper dir committed in place equals the layer unpacked from its diff tar', async (t) => {
  const root = tmpDir('commit-active');
  const m = path.join(root, 'm');
  fs.mkdirSync(m);
  try {
    const snaps = await Snapshotter.open(root, { driver: 'auto' });
    if (snaps.driver !== 'overlay') { t.skip('overlay not supported here'); return; }
    const d0 = sha256Digest(baseTar);
    await snaps.ensureLayer(d0, null, (dir) => applyLayer(stream(baseTar), dir, { whiteouts: 'overlay', inPlace: true }));
    await snaps.prepare('c1', d0, { durable: false });
    await snaps.mount('c1', m);
    try {
      fs.writeFileSync(path.join(m, 'etc/a'), 'A2');
      fs.rmSync(path.join(m, 'keep'));
      fs.rmSync(path.join(m, 'opq'), { recursive: true });
      fs.mkdirSync(path.join(m, 'opq'));
      fs.writeFileSync(path.join(m, 'opq/new'), 'n', { mode: 0o640 });
    } finally {
      await snaps.unmount(m);
    }
    const expected = await view(snaps, 'c1', m);
    assert.equal(expected['keep'], undefined);
    assert.deepEqual(Object.keys(expected).filter((p) => p.startsWith('opq/')), ['opq/new']);

    const tar = await collect(diffTar(snaps, 'c1'));
    const [, top] = chainIds([d0, sha256Digest(tar)]);
    // Bad calls: wrong parent, unknown key, not a digest. Nothing changes.
    await assert.rejects(snaps.commitActive('c1', top!, null), /not on no layer/);
    await assert.rejects(snaps.commitActive('nope', top!, d0), { name: 'SnapshotNotFoundError' });
    await assert.rejects(snaps.commitActive('c1', 'sha256:xyz' as never, d0), /chain ID/);
    assert.equal(await snaps.hasLayer(top!), false);

    assert.equal(await snaps.commitActive('c1', top!, d0), true);
    assert.equal(await snaps.describe('c1'), null, 'the container snapshot became the layer');
    assert.deepEqual((await snaps.stat(top!)).parent, d0);
    assert.deepEqual(fs.readdirSync(path.join(root, 'tmp')).filter((n) => n.startsWith('snap-')), []);

    // A container on the moved layer sees what c1 saw, and has no changes of its own.
    await snaps.prepare('c2', top!);
    assert.deepEqual(await view(snaps, 'c2', m), expected);
    assert.deepEqual(await changes(snaps, 'c2'), []);
    // The same tar unpacked into a fresh store gives the same view: the upper dir was the layer.
    const other = await Snapshotter.open(path.join(root, 'other'), { driver: 'overlay' });
    await other.ensureLayer(d0, null, (dir) => applyLayer(stream(baseTar), dir, { whiteouts: 'overlay', inPlace: true }));
    await other.ensureLayer(top!, d0, (dir) => applyLayer(stream(tar), dir, { whiteouts: 'overlay', inPlace: true }));
    await other.prepare('c3', top!);
    assert.deepEqual(await view(other, 'c3', m), expected);
    // Committing another container to an existing layer changes neither.
    await snaps.prepare('c4', d0);
    assert.equal(await snaps.commitActive('c4', top!, d0), false, 'an existing layer is kept');
    assert.deepEqual(await snaps.describe('c4'), { kind: 'active', parent: d0 });

    // A crash after the move but before publishing leaves a tmp dir that the next open removes.
    fs.mkdirSync(path.join(root, 'tmp', 'snap-crashed', 'fs'), { recursive: true });
    const reopened = await Snapshotter.open(root);
    assert.equal(fs.existsSync(path.join(root, 'tmp', 'snap-crashed')), false);
    assert.equal(await reopened.hasLayer(top!), true);
  } finally {
    umountQuiet(m);
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('vfs: commitActive is refused (the upper dir is a full copy, not a diff)', async () => {
  const root = tmpDir('commit-active-vfs');
  try {
    const snaps = await Snapshotter.open(root, { driver: 'vfs' });
    await snaps.prepare('c1', null);
    await assert.rejects(snaps.commitActive('c1', sha256Digest('x'), null), /needs the overlay driver/);
    assert.deepEqual(await snaps.describe('c1'), { kind: 'active', parent: null });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('no mounts left behind', () => {
  assert.deepEqual(mountedUnder('/tmp/wharf-st-'), []);
});
