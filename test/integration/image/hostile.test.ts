// Hostile and broken archives fail with a clear error and leave the store exactly as it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { loadImages, ImageStore } from '../../../src/image/index.js';
import { openTempStore, fixture, readTar, writeTar, storeContents, tempDir, cleanupDir, type TarFile } from './helpers.js';

let store: ImageStore;
let close: () => Promise<void>;
let busybox: TarFile[];
let oci: TarFile[];

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

before(async () => {
  ({ store, close } = await openTempStore());
  busybox = await readTar(fixture('busybox-docker-save.tar'));
  oci = await readTar(fixture('layers-oci-gzip.tar'));
});
after(async () => { await close(); });

const clone = (files: TarFile[]) => files.map((f) => ({ header: { ...f.header }, data: Buffer.from(f.data) }));
const find = (files: TarFile[], pred: (n: string) => boolean) => files.find((f) => pred(f.header.name))!;
const manifestOf = (files: TarFile[]) => JSON.parse(find(files, (n) => n === 'manifest.json').data.toString());
const setManifest = (files: TarFile[], m: unknown) => { find(files, (n) => n === 'manifest.json').data = Buffer.from(JSON.stringify(m)); };

async function expectRejected(archive: Buffer, re: RegExp, s: ImageStore = store) {
  await assert.rejects(loadImages(s, Readable.from([archive])), (e: Error) => {
    assert.match(e.message, re);
    return true;
  });
  assert.deepEqual(await storeContents(s), { images: [], blobs: [], snapshots: [], ops: [] }, 'nothing kept');
}

test('a layer path outside the archive (.. or absolute) is refused', async () => {
  for (const bad of ['../../../etc/passwd', '/etc/passwd', 'x/../../etc/shadow']) {
    const files = clone(busybox);
    const m = manifestOf(files);
    m[0].Layers = [bad];
    setManifest(files, m);
    await expectRejected(await writeTar(files), new RegExp(`Layers\\[0\\] "${bad.replace(/[./]/g, '\\$&')}" points outside the archive`));
  }
});

test('a config path outside the archive or a missing layer is refused', async () => {
  let files = clone(busybox);
  let m = manifestOf(files);
  m[0].Config = '../config.json';
  setManifest(files, m);
  await expectRejected(await writeTar(files), /Config "\.\.\/config\.json" points outside the archive/);
  files = clone(busybox);
  m = manifestOf(files);
  m[0].Layers = ['nope/layer.tar'];
  setManifest(files, m);
  await expectRejected(await writeTar(files), /Layers\[0\] "nope\/layer\.tar" is missing from the archive/);
});

test('a tampered layer fails its diff ID check; a tampered config its digest', async () => {
  let files = clone(busybox);
  const layer = find(files, (n) => n.endsWith('/layer.tar'));
  layer.data[1 << 20] ^= 0xff; // inside /bin/busybox's content
  await expectRejected(await writeTar(files), /diff ID mismatch/);
  files = clone(busybox);
  const cfg = find(files, (n) => n.endsWith('.json') && n !== 'manifest.json');
  cfg.data = Buffer.concat([cfg.data, Buffer.from(' ')]);
  await expectRejected(await writeTar(files), /Config .*\.json: content does not match its digest/);
});

test('an OCI blob whose content does not match its name is refused', async () => {
  const files = clone(oci);
  const big = files.filter((f) => f.header.name.includes('blobs/sha256/')).sort((a, b) => b.data.length - a.data.length)[0]!;
  big.data[1000] ^= 0x01;
  await expectRejected(await writeTar(files), /blobs\/sha256\/[0-9a-f]{64}: content does not match its digest/);
});

test('truncated archives and truncated gzip layers are refused', async () => {
  const whole = await writeTar(clone(busybox));
  await expectRejected(whole.subarray(0, 1_500_000), /truncated or corrupt/);
  const files = clone(busybox);
  const layer = find(files, (n) => n.endsWith('/layer.tar'));
  const gz = gzipSync(layer.data);
  layer.data = gz.subarray(0, gz.length >> 1);
  await expectRejected(await writeTar(files), /gzip/);
  await expectRejected(randomBytes(4096), /archive/);
});

test('a layer entry escaping the root writes nothing outside', async () => {
  const outside = tempDir('wharf-imgescape-');
  try {
    const target = path.join(outside, 'pwned');
    const evil = await writeTar([{ header: { name: `../../../../../../../..${target}`, mode: 0o644 }, data: Buffer.from('x') }]);
    const files = clone(busybox);
    const layer = find(files, (n) => n.endsWith('/layer.tar'));
    layer.data = evil;
    // Keep the archive self-consistent (right diff ID and config name) so only the escape is wrong.
    const cfgFile = find(files, (n) => n.endsWith('.json') && n !== 'manifest.json');
    const cfg = JSON.parse(cfgFile.data.toString());
    cfg.rootfs.diff_ids = [`sha256:${sha(evil)}`];
    cfgFile.data = Buffer.from(JSON.stringify(cfg));
    cfgFile.header.name = `${sha(cfgFile.data)}.json`;
    const m = manifestOf(files);
    m[0].Config = cfgFile.header.name;
    setManifest(files, m);
    await expectRejected(await writeTar(files), /\.\.|escape|outside/);
    assert.ok(!fs.existsSync(target));
  } finally {
    await cleanupDir(outside);
  }
});

test('a layer beyond the uncompressed size limit (decompression bomb guard) is refused', async () => {
  const root = tempDir('wharf-imgroot-');
  try {
    const limited = await ImageStore.open(root, { maxLayerBytes: 1 << 20 });
    await expectRejected(fs.readFileSync(fixture('busybox-docker-save.tar')), /size limit/, limited);
  } finally {
    await cleanupDir(root);
  }
});

test('after all that, a good archive still loads into the same store', async () => {
  const res = await loadImages(store, fs.createReadStream(fixture('busybox-docker-save.tar')));
  assert.deepEqual(res.messages, ['Loaded image: bb:latest']);
});
