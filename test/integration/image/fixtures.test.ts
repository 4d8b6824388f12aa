// Images written by Docker and skopeo load, and their root filesystem shows what the fixture README lists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadImages, ImageStore } from '../../../src/image/index.js';
import { openTempStore, fixture, mountImage, tempDir, cleanupDir } from './helpers.js';

let store: ImageStore;
let close: () => Promise<void>;

before(async () => { ({ store, close } = await openTempStore()); });
after(async () => { await close(); });

const LAYERS_FIXTURES: Array<[string, string]> = [
  ['layers-docker-save.tar', 'wharf-fixture/layers:1.0'],
  ['layers-oci-gzip.tar', 'oci-gzip/layers:layers-1.0'],
  ['layers-oci-zstd.tar', 'oci-zstd/layers:layers-1.0'],
];

function checkRootfs(dir: string, label: string) {
  const p = (x: string) => path.join(dir, x);
  assert.equal(fs.readFileSync(p('data/keep/f'), 'utf8'), 'keep\n', label);
  assert.equal(fs.readlinkSync(p('data/link')), '/data/keep/f', label);
  const a = fs.statSync(p('data/keep/f'));
  const b = fs.statSync(p('data/hardlink'));
  assert.equal(b.ino, a.ino, `${label}: hardlink shares the inode`);
  assert.equal(a.nlink, 2, label);
  assert.ok(fs.lstatSync(p('data/fifo')).isFIFO(), `${label}: fifo`);
  assert.equal(fs.statSync(p('usr/local/bin/suidbox')).mode & 0o7777, 0o4755, `${label}: setuid kept`);
  assert.ok(!fs.existsSync(p('data/gone')), `${label}: whiteout of a dir`);
  assert.ok(!fs.existsSync(p('data/file-to-delete')), `${label}: whiteout of a file`);
  assert.deepEqual(fs.readdirSync(p('opq')), ['new'], `${label}: opaque dir`);
  assert.equal(fs.readFileSync(p('srv/hello.txt'), 'utf8'), 'hello from the build context\n', label);
  assert.equal(fs.readFileSync(p('srv/tree/a'), 'utf8'), 'a\n', label);
  assert.equal(fs.readFileSync(p('srv/tree/sub/b'), 'utf8'), 'b\n', label);
  // The image runs as Docker runs it: entrypoint + cmd prints the build-context file.
  const out = execFileSync('chroot', [dir, '/bin/sh', '-c', 'cat /srv/hello.txt'], { encoding: 'utf8' });
  assert.equal(out, 'hello from the build context\n', label);
}

for (const [file, name] of LAYERS_FIXTURES) {
  test(`${file} loads with the config of the Dockerfile and the rootfs the README lists`, async () => {
    const repository = name.split(':')[0]!;
    const res = await loadImages(store, fs.createReadStream(fixture(file)), { repository });
    assert.deepEqual(res.messages, [`Loaded image: ${name}`]);
    const img = await store.get(name);
    const c = img.config.config!;
    assert.deepEqual(c.Env, ['PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', 'GREETING=hello']);
    assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c']);
    assert.deepEqual(c.Cmd, ['cat /srv/hello.txt']);
    assert.equal(c.WorkingDir, '/srv');
    assert.equal(c.User, 'root');
    assert.deepEqual(c.ExposedPorts, { '8080/tcp': {} });
    assert.deepEqual(c.Volumes, { '/data/vol': {} });
    assert.deepEqual(c.Labels, { 'org.example.fixture': 'layers' });
    assert.equal(img.config.rootfs.diff_ids.length, 5);

    const hist = await store.history(name);
    assert.equal(hist.length, 13);
    assert.equal(hist[0]!.Id, img.id);
    assert.ok(hist[0]!.Tags?.includes(name), 'top entry carries the tags');
    assert.ok(hist.slice(1).every((h) => h.Id === '<missing>'));
    assert.equal(hist.filter((h) => h.Size > 0).length, 5, 'one sized entry per layer');
    assert.equal(hist[hist.length - 1]!.Comment, 'Imported from -');

    const m = await mountImage(store, name);
    try {
      checkRootfs(m.dir, file);
    } finally {
      await m.release();
    }
  });
}

test('the three formats give the same layers (diff IDs) and share their snapshots', async () => {
  const ids = LAYERS_FIXTURES.map(([, n]) => n);
  const imgs = await Promise.all(ids.map((n) => store.get(n)));
  assert.deepEqual(imgs[1]!.config.rootfs.diff_ids, imgs[0]!.config.rootfs.diff_ids);
  assert.deepEqual(imgs[2]!.config.rootfs.diff_ids, imgs[0]!.config.rootfs.diff_ids);
  // skopeo rewrote the config for OCI: same ID for both OCI copies, another for docker's.
  assert.equal(imgs[1]!.id, imgs[2]!.id);
  assert.notEqual(imgs[0]!.id, imgs[1]!.id);
  const layers = (await store.snapshots.list()).filter((s) => s.kind === 'layer');
  assert.equal(layers.length, 5, 'each layer unpacked once');
});

test('busybox docker-save fixture loads and runs its shell', async () => {
  const res = await loadImages(store, fs.createReadStream(fixture('busybox-docker-save.tar')));
  assert.deepEqual(res.messages, ['Loaded image: bb:latest']);
  const img = await store.get('bb');
  assert.equal(img.id, 'sha256:cafc882322024466e0b295f26ae525ad7f9843ef1dad2ff20de59995f54d0668');
  assert.deepEqual(img.config.config?.Cmd, ['/bin/sh']);
  const m = await mountImage(store, 'bb');
  try {
    assert.equal(execFileSync('chroot', [m.dir, '/bin/sh', '-c', 'echo ok'], { encoding: 'utf8' }), 'ok\n');
  } finally {
    await m.release();
  }
});

test('with the vfs snapshotter (full copies, whiteouts applied as deletions) the rootfs is the same', async () => {
  const root = tempDir('wharf-imgroot-');
  try {
    const vfs = await ImageStore.open(root, { snapshotter: { driver: 'vfs' } });
    assert.equal(vfs.snapshots.driver, 'vfs');
    await loadImages(vfs, fs.createReadStream(fixture('layers-oci-zstd.tar')), { repository: 'v/layers' });
    const m = await mountImage(vfs, 'v/layers:layers-1.0');
    try {
      checkRootfs(m.dir, 'vfs');
    } finally {
      await m.release();
    }
    assert.ok((await vfs.list())[0]!.Size > 3_900_000);
  } finally {
    await cleanupDir(root);
  }
});
