/**
 * Shortcuts of layer apply keep its results: device nodes created in one batch are there (with
 * owner, mode, mtime) before any later entry looks at them; owner and mode given at creation
 * instead of by chown/chmod are still exact (setgid parents, umask-affected modes); the usage
 * counted while extracting equals what a walk of the layer finds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { applyLayer, chainIds, Snapshotter, removeTree } from '../../../src/storage/index.js';
import { buildTar, stream, tmpDir, umountQuiet, type E } from './helpers.js';

const major = (rdev: number) => (rdev >> 8) & 0xfff;
const minor = (rdev: number) => (rdev & 0xff) | ((rdev >> 12) & 0xfff00);

test('device nodes and FIFOs: batched, yet there for later links, replacements and whiteouts', async () => {
  const base = tmpDir('nodes');
  try {
    const entries: E[] = [
      { name: 'dev', type: 'dir', mode: 0o755 },
      { name: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 },
      { name: 'dev/zero', type: 'char', mode: 0o640, uid: 12, gid: 34, devmajor: 1, devminor: 5, mtime: 1500000000 },
      { name: 'dev/fifo', type: 'fifo', mode: 0o620 },
      { name: 'dev/fd', type: 'symlink', linkname: '/proc/self/fd' },
      { name: 'dev/null2', type: 'link', linkname: 'dev/null' },
      { name: 'dev/tty', type: 'char', mode: 0o666, devmajor: 5, devminor: 0 },
      { name: 'dev/tty', data: 'now a file', mode: 0o644 },
      { name: 'dev/loop', type: 'block', mode: 0o660, devmajor: 7, devminor: 300 },
      { name: 'dev/.wh.loop', data: '' }, // created by this archive: the whiteout leaves it
      { name: 'dev/pts', type: 'dir', mode: 0o755 },
      { name: 'dev/pts/ptmx', type: 'char', mode: 0o666, devmajor: 5, devminor: 2 },
      { name: 'etc/hostname', data: 'x' },
    ];
    const target = path.join(base, 'layer');
    await applyLayer(stream(buildTar(entries)), target, { whiteouts: 'overlay' });
    const st = (n: string) => fs.lstatSync(path.join(target, n));
    assert.ok(st('dev/null').isCharacterDevice());
    assert.deepEqual([major(st('dev/null').rdev), minor(st('dev/null').rdev), st('dev/null').mode & 0o7777], [1, 3, 0o666]);
    const zero = st('dev/zero');
    assert.deepEqual([major(zero.rdev), minor(zero.rdev), zero.mode & 0o7777, zero.uid, zero.gid, zero.mtimeMs], [1, 5, 0o640, 12, 34, 1500000000 * 1000]);
    assert.ok(st('dev/fifo').isFIFO());
    assert.equal(st('dev/fifo').mode & 0o7777, 0o620);
    assert.equal(st('dev/null2').ino, st('dev/null').ino, 'the hard link found the batched node');
    assert.ok(st('dev/tty').isFile());
    assert.equal(fs.readFileSync(path.join(target, 'dev/tty'), 'utf8'), 'now a file');
    assert.ok(st('dev/loop').isBlockDevice());
    assert.deepEqual([major(st('dev/loop').rdev), minor(st('dev/loop').rdev)], [7, 300]);
    assert.ok(st('dev/pts/ptmx').isCharacterDevice());
    assert.equal(fs.readlinkSync(path.join(target, 'dev/fd')), '/proc/self/fd');
    // A later entry that needs a queued node's path as a directory is refused, as without batching.
    await assert.rejects(
      applyLayer(stream(buildTar([{ name: 'd/node', type: 'char', mode: 0o600, devmajor: 1, devminor: 3 }, { name: 'd/node/x', data: 'x' }])),
        path.join(base, 'bad'), { whiteouts: 'overlay' }),
      /non-directory/);
    assert.ok(!fs.existsSync(path.join(base, 'bad')));
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('owner and mode are exact without chown/chmod calls: setgid parents, umask-affected modes', async () => {
  const base = tmpDir('owner');
  try {
    // In place (as for vfs, over a parent layer's copy) in a root and a dir that are setgid.
    const root = path.join(base, 'root');
    fs.mkdirSync(path.join(root, 'shared'), { recursive: true });
    for (const d of [root, path.join(root, 'shared')]) { fs.chownSync(d, 0, 1234); fs.chmodSync(d, 0o2775); }
    const entries: E[] = [
      { name: 'top', data: 'a', mode: 0o644 },
      { name: 'shared/f', data: 'b', mode: 0o644 },
      { name: 'shared/d', type: 'dir', mode: 0o755 },
      { name: 'shared/d/f', data: 'c', mode: 0o777 },
      { name: 'shared/l', type: 'symlink', linkname: 'f' },
      { name: 'modes/rwx', data: 'x', mode: 0o777 },
      { name: 'modes/rw', data: 'x', mode: 0o666 },
      { name: 'modes/none', data: 'x', mode: 0o000 },
      { name: 'modes/suid', data: 'x', mode: 0o4755, uid: 0, gid: 0 },
      { name: 'modes/sgid-other', data: 'x', mode: 0o2755, uid: 5, gid: 6 },
      { name: 'modes/sticky', type: 'dir', mode: 0o1777 },
      { name: 'modes/big', data: Buffer.alloc(100_000, 1), mode: 0o775 },
    ];
    await applyLayer(stream(buildTar(entries)), root, { whiteouts: 'overlay', inPlace: true });
    for (const n of ['top', 'shared/f', 'shared/d', 'shared/d/f', 'shared/l']) {
      const s = fs.lstatSync(path.join(root, n));
      assert.deepEqual([n, s.uid, s.gid], [n, 0, 0], `${n} keeps the archive's group, not the setgid parent's`);
    }
    const mode = (n: string) => fs.lstatSync(path.join(root, n)).mode & 0o7777;
    assert.deepEqual(
      ['rwx', 'rw', 'none', 'suid', 'sgid-other', 'sticky', 'big'].map((n) => mode('modes/' + n)),
      [0o777, 0o666, 0o000, 0o4755, 0o2755, 0o1777, 0o775]);
    const other = fs.statSync(path.join(root, 'modes/sgid-other'));
    assert.deepEqual([other.uid, other.gid], [5, 6]);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('a layer\'s usage as counted while unpacking equals a walk of it', async () => {
  const base = tmpDir('usage');
  try {
    const layers: E[][] = [
      [
        { name: 'bin', type: 'dir', mode: 0o755 },
        { name: 'bin/a', data: Buffer.alloc(70_000, 2) },
        { name: 'bin/b', type: 'link', linkname: 'bin/a' },
        { name: 'bin/c', type: 'symlink', linkname: 'a-target-of-some-length' },
        { name: 'bin/ünï', type: 'symlink', linkname: 'cöde' },
        { name: 'deep/er/file', data: 'hello' },
        { name: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 },
        { name: 'dev/fifo', type: 'fifo', mode: 0o600 },
      ],
      [
        { name: 'bin/.wh.c', data: '' },
        { name: 'etc/x', data: Buffer.alloc(5000, 3) },
      ],
      [
        { name: 'usr/lib/one', data: Buffer.alloc(12_345, 4) },
        { name: 'usr/lib/two', type: 'link', linkname: 'usr/lib/one' },
      ],
      [
        { name: 'bin/a2', data: 'small' },
        { name: 'bin/a2', data: 'replaced by a longer one' }, // a removal: counted by a walk instead
      ],
    ];
    for (const driver of ['overlay', 'vfs'] as const) {
      const root = path.join(base, driver);
      const snaps = await Snapshotter.open(root, { driver });
      const tars = layers.map((l) => gzipSync(buildTar(l)));
      const diffIds: string[] = [];
      for (const [i, t] of tars.entries()) {
        // The diff ID is only known after unpacking: apply once outside to learn it.
        const probe = path.join(base, `probe-${driver}-${i}`);
        diffIds.push((await applyLayer(Readable.from([t]), probe, { whiteouts: 'delete' })).diffId);
        await removeTree(probe);
      }
      const chains = chainIds(diffIds);
      for (const [i, t] of tars.entries()) {
        await snaps.ensureLayer(chains[i]!, i ? chains[i - 1]! : null, (dir) =>
          applyLayer(Readable.from([t]), dir, { inPlace: true, whiteouts: snaps.whiteoutMode, expectDiffId: diffIds[i]! }));
      }
      const walked = await Snapshotter.open(root, { driver }); // a new instance knows nothing: it walks
      for (const c of chains) assert.deepEqual(await snaps.usage(c), await walked.usage(c), `${driver} layer ${c}`);
      for (const c of [...chains].reverse()) await snaps.remove(c);
      for (const m of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
        const p = m.split(' ')[4];
        if (p?.startsWith(root)) umountQuiet(p);
      }
    }
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});
