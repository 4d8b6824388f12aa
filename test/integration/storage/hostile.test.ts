/** Hostile and broken layers fail with clear errors, write nothing outside and keep nothing half-applied. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync, createGzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { applyLayer, type WhiteoutMode } from '../../../src/storage/index.js';
import { buildTar, stream, tmpDir, type E } from './helpers.js';
import { encodeTarHeader } from '../../../src/storage/tar-writer.js';

/** A work dir with a sentinel dir beside the target; asserts after `fn` that the sentinel is untouched. */
async function withSentinel(fn: (ctx: { base: string; target: string; sentinel: string }) => Promise<void>): Promise<void> {
  const base = tmpDir('hostile');
  const sentinel = path.join(base, 'sentinel');
  fs.mkdirSync(sentinel);
  fs.writeFileSync(path.join(sentinel, 'file'), 'sentinel');
  try {
    await fn({ base, target: path.join(base, 'layers', 'target'), sentinel });
    assert.deepEqual(fs.readdirSync(sentinel), ['file'], 'nothing created in the sentinel dir');
    assert.equal(fs.readFileSync(path.join(sentinel, 'file'), 'utf8'), 'sentinel');
    assert.equal(fs.lstatSync(path.join(sentinel, 'file')).nlink, 1, 'sentinel file not hard-linked');
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

async function expectRejected(entries: (s: string) => E[], msg: RegExp, whiteouts: WhiteoutMode = 'overlay'): Promise<void> {
  await withSentinel(async ({ target, sentinel }) => {
    fs.mkdirSync(path.dirname(target));
    await assert.rejects(applyLayer(stream(buildTar(entries(sentinel))), target, { whiteouts }), msg);
    assert.deepEqual(fs.readdirSync(path.dirname(target)), [], 'no target and no temp dir kept');
  });
}

test('absolute entry names are refused', async () => {
  await expectRejected((s) => [{ name: path.join(s, 'pwned'), data: 'x' }], /absolute path not allowed/);
});

test('.. escapes are refused (file, whiteout, hard link target)', async () => {
  await expectRejected(() => [{ name: '../../sentinel/pwned', data: 'x' }], /path escapes the layer root/);
  await expectRejected(() => [{ name: 'a/../../../sentinel/.wh.file' }], /path escapes the layer root/, 'delete');
  await expectRejected(() => [{ name: 'h', type: 'link', linkname: '../../sentinel/file' }], /path escapes the layer root/);
  await expectRejected(() => [{ name: 'd', type: 'dir' }, { name: 'd/.wh...' }], /invalid whiteout name/);
});

test('writing through a symlink from the archive is refused', async () => {
  await expectRejected((s) => [{ name: 'evil', type: 'symlink', linkname: s }, { name: 'evil/pwned', data: 'x' }],
    /layer entry "evil\/pwned": path goes through a symlink \(evil\)/);
  await expectRejected((s) => [{ name: 'evil', type: 'symlink', linkname: s }, { name: 'evil/.wh.file' }], /path goes through a symlink/, 'delete');
  await expectRejected((s) => [{ name: 'evil', type: 'symlink', linkname: s }, { name: 'evil/.wh..wh..opq' }], /path goes through a symlink/, 'delete');
  await expectRejected(() => [{ name: 'up', type: 'symlink', linkname: '..' }, { name: 'up/sentinel/pwned', data: 'x' }], /path goes through a symlink/);
});

test('hard links through symlinks or to missing targets are refused', async () => {
  await expectRejected((s) => [{ name: 'evil', type: 'symlink', linkname: s }, { name: 'h', type: 'link', linkname: 'evil/file' }],
    /hard link target "evil\/file" is not inside the layer/);
  await expectRejected(() => [{ name: 'h', type: 'link', linkname: 'nowhere' }], /does not exist in the layer/);
});

test('a symlink swapped in for a directory mid-archive is not followed', async () => {
  await expectRejected((s) => [
    { name: 'd', type: 'dir' }, { name: 'd/a', data: 'a' },
    { name: 'd', type: 'symlink', linkname: s }, { name: 'd/pwned', data: 'x' },
  ], /path goes through a symlink \(d\)/);
});

test('an entry replacing a symlink replaces the link itself, never its target', async () => {
  await withSentinel(async ({ target, sentinel }) => {
    fs.mkdirSync(path.dirname(target));
    const tar = buildTar([
      { name: 'x', type: 'symlink', linkname: path.join(sentinel, 'file') },
      { name: 'x', data: 'replaced' },
      { name: 's', type: 'symlink', linkname: path.join(sentinel, 'file') },
      { name: 'h', type: 'link', linkname: 's' },
      { name: 'h', data: 'also replaced', mode: 0o600 },
      { name: 'p', type: 'symlink', linkname: path.join(sentinel, 'file') },
      { name: 'p', type: 'fifo' },
    ]);
    await applyLayer(stream(tar), target, { whiteouts: 'overlay' });
    assert.equal(fs.readFileSync(path.join(target, 'x'), 'utf8'), 'replaced');
    assert.equal(fs.readFileSync(path.join(target, 'h'), 'utf8'), 'also replaced');
    assert.ok(fs.lstatSync(path.join(target, 's')).isSymbolicLink());
    assert.ok(fs.lstatSync(path.join(target, 'p')).isFIFO());
  });
});

test('in delete mode a parent-layer symlink on the path is replaced by a directory, not followed', async () => {
  await withSentinel(async ({ target, sentinel }) => {
    fs.mkdirSync(target, { recursive: true });
    fs.symlinkSync(sentinel, path.join(target, 'lnk')); // as if copied from the parent layer
    await applyLayer(stream(buildTar([{ name: 'lnk/.wh.file' }, { name: 'lnk/new', data: 'n' }])), target, { whiteouts: 'delete', inPlace: true });
    assert.ok(fs.lstatSync(path.join(target, 'lnk')).isDirectory());
    assert.deepEqual(fs.readdirSync(path.join(target, 'lnk')), ['new']);
  });
});

test('a decompression bomb stops at maxBytes with a clear error', async () => {
  await withSentinel(async ({ target }) => {
    fs.mkdirSync(path.dirname(target));
    // 64 MiB of zeros in one file entry compresses to ~64 KiB.
    async function* big() {
      yield encodeTarHeader({ name: 'zeros', type: 'file', size: 64 << 20, mode: 0o644, uid: 0, gid: 0, mtime: 0 });
      for (let i = 0; i < 64; i++) yield Buffer.alloc(1 << 20);
      yield Buffer.alloc(1024);
    }
    const gz = Readable.from(big()).pipe(createGzip());
    await assert.rejects(applyLayer(gz, target, { whiteouts: 'overlay', maxBytes: 8 << 20 }),
      /layer exceeds the size limit: more than 8388608 uncompressed bytes/);
    assert.deepEqual(fs.readdirSync(path.dirname(target)), []);
  });
});

test('truncated gzip, corrupt tar header and diff ID mismatch keep nothing', async () => {
  await withSentinel(async ({ target }) => {
    fs.mkdirSync(path.dirname(target));
    const tar = buildTar([{ name: 'd', type: 'dir' }, { name: 'd/f', data: Buffer.alloc(200000, 'a') }, { name: 'g', data: 'g' }]);
    const gz = gzipSync(tar);
    await assert.rejects(applyLayer(stream(gz.subarray(0, gz.length - 100)), target, { whiteouts: 'overlay' }), /corrupt or truncated gzip data/);
    const corrupt = Buffer.from(tar);
    corrupt[tar.length - 1024 - 1024 + 5] ^= 0xff; // name field of the last header ('g')
    await assert.rejects(applyLayer(stream(corrupt), target, { whiteouts: 'overlay' }), /invalid tar header checksum/);
    await assert.rejects(applyLayer(stream(tar.subarray(0, 3000)), target, { whiteouts: 'overlay' }), /truncated tar archive in entry "d\/f"/);
    const wrong = 'sha256:' + '0'.repeat(64);
    await assert.rejects(applyLayer(stream(gz), target, { whiteouts: 'overlay', expectDiffId: wrong }),
      new RegExp(`layer diff ID mismatch: expected ${wrong}, got sha256:[0-9a-f]{64}`));
    assert.deepEqual(fs.readdirSync(path.dirname(target)), []);
    const ok = await applyLayer(stream(gz), target, { whiteouts: 'overlay' });
    assert.equal(ok.size, tar.length);
    assert.equal(fs.readFileSync(path.join(target, 'g'), 'utf8'), 'g');
  });
});

test('a truncated zstd layer is rejected', async () => {
  await withSentinel(async ({ target }) => {
    fs.mkdirSync(path.dirname(target));
    const { execFileSync } = await import('node:child_process');
    const zst = execFileSync('zstd', ['-q', '-c'], { input: buildTar([{ name: 'f', data: Buffer.alloc(300000, 'z') }]) });
    await assert.rejects(applyLayer(stream(zst.subarray(0, zst.length - 50)), target, { whiteouts: 'overlay' }), /corrupt or truncated zstd data/);
    assert.deepEqual(fs.readdirSync(path.dirname(target)), []);
  });
});
