/**
 * The layer-apply fast paths keep the results of the plain ones: large files written in the
 * background, entries created optimistically over existing ones, whiteouts sharing one inode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { applyLayer } from '../../../src/storage/index.js';
import { buildTar, stream, tmpDir, umountQuiet, mountedUnder, type E } from './helpers.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const openFds = () => fs.readdirSync('/proc/self/fd').length;

/** Feeds `b` in odd-sized chunks so file data spans many pushes. */
function chunked(b: Buffer, size = 100_003): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) parts.push(b.subarray(i, i + size));
  return Readable.from(parts);
}

test('large files: content, owner, setuid mode, mtime, hard links and same-archive replacement', async () => {
  const base = tmpDir('fast');
  try {
    const big = randomBytes(5 << 20);
    const big2 = randomBytes(3 << 20);
    const mid = randomBytes(40 << 10);
    const entries: E[] = [
      { name: 'bin', type: 'dir', mode: 0o755 },
      { name: 'bin/big', data: big, mode: 0o4755, uid: 1234, gid: 5678, mtime: 1600000000 },
      { name: 'bin/hard', type: 'link', linkname: 'bin/big' },
      { name: 'bin/mid', data: mid, mode: 0o640, mtime: 1500000000 },
      { name: 'bin/small', data: 'small', mode: 0o600 },
      { name: 'bin/mid', data: big2, mode: 0o2711, mtime: 1400000000 }, // replaces the earlier bin/mid
    ];
    const fds = openFds();
    const target = path.join(base, 'layer');
    await applyLayer(chunked(buildTar(entries)), target, { whiteouts: 'overlay' });
    assert.equal(openFds(), fds, 'no descriptor left open');
    const st = fs.statSync(path.join(target, 'bin/big'));
    assert.equal(sha(fs.readFileSync(path.join(target, 'bin/big'))), sha(big));
    assert.equal(st.mode & 0o7777, 0o4755);
    assert.deepEqual([st.uid, st.gid, st.mtimeMs, st.nlink], [1234, 5678, 1600000000 * 1000, 2]);
    assert.equal(fs.statSync(path.join(target, 'bin/hard')).ino, st.ino);
    const mst = fs.statSync(path.join(target, 'bin/mid'));
    assert.equal(sha(fs.readFileSync(path.join(target, 'bin/mid'))), sha(big2), 'the later entry wins');
    assert.deepEqual([mst.mode & 0o7777, mst.mtimeMs, mst.size], [0o2711, 1400000000 * 1000, big2.length]);
    assert.equal(fs.readFileSync(path.join(target, 'bin/small'), 'utf8'), 'small');
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('a layer cut short inside a large file keeps nothing and leaks no descriptor', async () => {
  const base = tmpDir('fast');
  try {
    const tarBuf = buildTar([{ name: 'a', data: randomBytes(1 << 20) }, { name: 'b', data: randomBytes(4 << 20) }]);
    const fds = openFds();
    const target = path.join(base, 'layer');
    await assert.rejects(applyLayer(chunked(tarBuf.subarray(0, (3 << 20)), 65536), target, { whiteouts: 'overlay' }), /truncated tar archive in entry "b"/);
    assert.deepEqual(fs.readdirSync(base), [], 'no target and no temp dir kept');
    assert.equal(openFds(), fds, 'no descriptor left open');
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('entries over existing ones: dir kept, file/dir/symlink replaced, in-place (vfs) too', async () => {
  const base = tmpDir('fast');
  try {
    const target = path.join(base, 'layer');
    fs.mkdirSync(target);
    fs.mkdirSync(path.join(target, 'keep'));
    fs.writeFileSync(path.join(target, 'keep/old'), 'parent');
    fs.mkdirSync(path.join(target, 'dir2file'));
    fs.writeFileSync(path.join(target, 'dir2file/x'), 'x');
    fs.writeFileSync(path.join(target, 'file2dir'), 'f');
    fs.symlinkSync('/etc', path.join(target, 'link2file'));
    await applyLayer(stream(buildTar([
      { name: 'keep', type: 'dir', mode: 0o711 },
      { name: 'keep/new', data: 'n' },
      { name: 'dir2file', data: 'now a file' },
      { name: 'file2dir', type: 'dir' },
      { name: 'file2dir/in', data: 'in' },
      { name: 'link2file', data: 'not through the link' },
      { name: 'keep/new', type: 'symlink', linkname: 'old' },
    ])), target, { whiteouts: 'delete', inPlace: true });
    assert.deepEqual(fs.readdirSync(path.join(target, 'keep')).sort(), ['new', 'old']);
    assert.equal(fs.statSync(path.join(target, 'keep')).mode & 0o7777, 0o711);
    assert.equal(fs.readlinkSync(path.join(target, 'keep/new')), 'old');
    assert.equal(fs.readFileSync(path.join(target, 'dir2file'), 'utf8'), 'now a file');
    assert.equal(fs.readFileSync(path.join(target, 'file2dir/in'), 'utf8'), 'in');
    assert.ok(fs.lstatSync(path.join(target, 'link2file')).isFile());
    assert.equal(fs.existsSync('/etc/link2file'), false);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('overlay whiteouts share one inode, never one of a later non-whiteout entry, and hide the lower files', async () => {
  const base = tmpDir('fast');
  const merged = path.join(base, 'merged');
  try {
    const names = Array.from({ length: 40 }, (_, i) => `f${i}`);
    const lower = path.join(base, 'lower');
    await applyLayer(stream(buildTar([{ name: 'd', type: 'dir' }, ...names.map((n) => ({ name: `d/${n}`, data: n })), { name: 'z', data: 'z' }])), lower, { whiteouts: 'overlay' });
    const upper = path.join(base, 'upper');
    await applyLayer(stream(buildTar([
      { name: '.wh.z' },
      { name: 'z', data: 'replaced whiteout' }, // a real entry where the first whiteout was
      ...names.map((n) => ({ name: `d/.wh.${n}` })),
    ])), upper, { whiteouts: 'overlay' });
    assert.equal(fs.readFileSync(path.join(upper, 'z'), 'utf8'), 'replaced whiteout');
    assert.equal(fs.statSync(path.join(upper, 'z')).nlink, 1, 'the file is not linked to a whiteout');
    const inos = new Set<number>();
    for (const n of names) {
      const st = fs.lstatSync(path.join(upper, 'd', n));
      assert.ok(st.isCharacterDevice() && st.rdev === 0 && st.uid === 0, `${n} is a 0/0 whiteout`);
      inos.add(st.ino);
    }
    assert.equal(inos.size, 1, 'one shared whiteout inode');
    fs.mkdirSync(merged);
    fs.mkdirSync(path.join(base, 'work'));
    fs.mkdirSync(path.join(base, 'cupper'));
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${upper}:${lower},upperdir=${base}/cupper,workdir=${base}/work`, merged]);
    assert.deepEqual(fs.readdirSync(path.join(merged, 'd')), []);
    assert.equal(fs.readFileSync(path.join(merged, 'z'), 'utf8'), 'replaced whiteout');
  } finally {
    umountQuiet(merged);
    fs.rmSync(base, { recursive: true, force: true });
  }
  assert.deepEqual(mountedUnder(base), []);
});
