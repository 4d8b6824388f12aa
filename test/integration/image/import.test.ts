// docker import (file, stream, URL) with --change and -m; the offline busybox image.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { importImage, buildBusyboxImage, isStaticElf, saveImages, loadImages, type ImageStore } from '../../../src/image/index.js';
import { openTempStore, tempDir, cleanupDir, mountImage, storeContents } from './helpers.js';

let store: ImageStore;
let close: () => Promise<void>;
let work: string;
let rootfsTar: string;

before(async () => {
  ({ store, close } = await openTempStore());
  work = tempDir('wharf-imgimport-');
  const src = path.join(work, 'rootfs');
  fs.mkdirSync(path.join(src, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(src, 'opt/app'), { recursive: true });
  fs.writeFileSync(path.join(src, 'etc/motd'), 'imported\n');
  fs.writeFileSync(path.join(src, 'opt/app/run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
  fs.symlinkSync('run.sh', path.join(src, 'opt/app/start'));
  rootfsTar = path.join(work, 'rootfs.tar');
  execFileSync('tar', ['-C', src, '--numeric-owner', '-cf', rootfsTar, '.']);
});
after(async () => { await close(); await cleanupDir(work); });

test('import a file with changes, message and tag', async () => {
  const res = await importImage(store, rootfsTar, {
    tag: 'imported/app:v1',
    message: 'my import',
    changes: ['ENV A=1 B="x y"', 'CMD ["/opt/app/run.sh"]', 'EXPOSE 80/udp', 'WORKDIR /opt/app', 'LABEL k=v', 'USER nobody', 'VOLUME /data', 'STOPSIGNAL SIGTERM', 'ENTRYPOINT ["/bin/sh"]'],
  });
  assert.deepEqual(res.tags, ['imported/app:v1']);
  const img = await store.get('imported/app:v1');
  assert.equal(img.id, res.id);
  const c = img.config.config!;
  assert.deepEqual(c.Env, ['A=1', 'B=x y']);
  assert.deepEqual(c.Cmd, ['/opt/app/run.sh']);
  assert.deepEqual(c.Entrypoint, ['/bin/sh']);
  assert.deepEqual(c.ExposedPorts, { '80/udp': {} });
  assert.equal(c.WorkingDir, '/opt/app');
  assert.deepEqual(c.Labels, { k: 'v' });
  assert.equal(c.User, 'nobody');
  assert.deepEqual(c.Volumes, { '/data': {} });
  assert.equal(c.StopSignal, 'SIGTERM');
  const hist = await store.history(res.id);
  assert.equal(hist.length, 1);
  assert.equal(hist[0]!.Comment, 'my import');
  assert.ok(hist[0]!.Size > 0);
  assert.equal((await store.inspect(res.id) as { Comment: string }).Comment, 'my import');
  const m = await mountImage(store, res.id);
  try {
    assert.equal(fs.readFileSync(path.join(m.dir, 'etc/motd'), 'utf8'), 'imported\n');
    assert.equal(fs.statSync(path.join(m.dir, 'opt/app/run.sh')).mode & 0o777, 0o755);
    assert.equal(fs.readlinkSync(path.join(m.dir, 'opt/app/start')), 'run.sh');
  } finally {
    await m.release();
  }
});

test('import from a gzip stream and from an http URL gives the same layer; default message', async () => {
  const tarBytes = fs.readFileSync(rootfsTar);
  const fromStream = await importImage(store, Readable.from([gzipSync(tarBytes)]));
  const a = await store.byId(fromStream.id);
  assert.equal(a.config.history![0]!.comment, 'Imported from -');
  assert.deepEqual(a.repoTags, []);

  const server = http.createServer((req, res) => {
    if (req.url === '/rootfs.tar') { res.writeHead(200); res.end(tarBytes); } else { res.writeHead(404); res.end('no'); }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const fromUrl = await importImage(store, `${base}/rootfs.tar`, { tag: 'fromurl' });
    const b = await store.byId(fromUrl.id);
    assert.equal(b.config.history![0]!.comment, `Imported from ${base}/rootfs.tar`);
    assert.deepEqual(b.config.rootfs.diff_ids, a.config.rootfs.diff_ids, 'same rootfs, same diff ID');
    await assert.rejects(importImage(store, `${base}/missing.tar`), /import: GET .*\/missing\.tar returned HTTP 404/);
  } finally {
    server.close();
  }
});

test('bad input fails clearly and changes nothing', async () => {
  const before = await storeContents(store);
  await assert.rejects(importImage(store, rootfsTar, { changes: ['RUN rm -rf /'] }), /invalid change "RUN rm -rf \/": RUN is not a valid change command/);
  await assert.rejects(importImage(store, rootfsTar, { tag: 'Bad:tag' }), /must be lowercase/);
  await assert.rejects(importImage(store, path.join(work, 'nope.tar')), /import: cannot read .*nope\.tar: no such file/);
  await assert.rejects(importImage(store, Readable.from([Buffer.from('not a tar at all'.repeat(64))])), /tar|archive|invalid/i);
  assert.deepEqual(await storeContents(store), before);
});

test('busybox image: static binary, deterministic, runs a shell', async () => {
  assert.equal(await isStaticElf('/bin/busybox'), true);
  assert.equal(await isStaticElf(process.execPath), false, 'node is dynamically linked');
  const first = await buildBusyboxImage(store);
  const again = await buildBusyboxImage(store, 'busybox:again');
  assert.equal(again.id, first.id, 'same digest when built twice');
  const other = await openTempStore();
  try {
    assert.equal((await buildBusyboxImage(other.store)).id, first.id, 'same digest in another store');
  } finally {
    await other.close();
  }
  const img = await store.get('busybox');
  assert.deepEqual(img.config.config?.Cmd, ['sh']);
  assert.deepEqual(img.repoTags.sort(), ['busybox:again', 'busybox:latest']);
  const m = await mountImage(store, 'busybox');
  try {
    const p = (x: string) => path.join(m.dir, x);
    assert.equal(fs.readlinkSync(p('bin/sh')), '/bin/busybox');
    assert.equal(fs.statSync(p('tmp')).mode & 0o7777, 0o1777);
    assert.match(fs.readFileSync(p('etc/passwd'), 'utf8'), /^root:x:0:0:.*\nnobody:x:65534:65534:/);
    assert.match(fs.readFileSync(p('etc/group'), 'utf8'), /^root:x:0:/);
    const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).trim().split('\n');
    const out = execFileSync('chroot', [m.dir, '/bin/sh', '-c', 'echo hello from $(whoami); for a in "$@"; do command -v $a >/dev/null || echo missing $a; done', 'sh', ...applets], { encoding: 'utf8' });
    assert.equal(out, 'hello from root\n', 'every applet is on PATH');
  } finally {
    await m.release();
  }
  // And it survives a save/load round trip unchanged.
  const file = path.join(work, 'busybox.tar');
  await saveImages(store, ['busybox:latest'], fs.createWriteStream(file));
  const dst = await openTempStore();
  try {
    await loadImages(dst.store, fs.createReadStream(file));
    assert.equal((await dst.store.get('busybox')).id, first.id);
  } finally {
    await dst.close();
  }
});
