// docker export and cp on stopped containers: the container filesystem as a tar, with temporary
// mounts that never outlive the stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { finished } from 'node:stream/promises';
import { Readable } from 'node:stream';
import {
  exportContainer, exportRootfs, withMountedSnapshot, archiveGetSnapshot, archivePut, ContainerPathNotFoundError,
} from '../../../src/image/index.js';
import { storeWithBusybox, newContainer, readTar, makeTar, tempSnapshotMounts, tempDir, cleanupDir } from './helpers.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('export: the whole container filesystem with its changes, links, devices and FIFOs; no mount left', async () => {
  const s = await storeWithBusybox();
  try {
    const key = await newContainer(s.store, s.busyboxId);
    await withMountedSnapshot(s.store.snapshots, key, (dir) => {
      fs.writeFileSync(path.join(dir, 'hello'), 'hi\n', { mode: 0o640 });
      fs.chownSync(path.join(dir, 'hello'), 1234, 5678);
      fs.linkSync(path.join(dir, 'hello'), path.join(dir, 'hello-link'));
      fs.rmSync(path.join(dir, 'bin/ls'));
      execFileSync('mknod', [path.join(dir, 'dev/null'), 'c', '1', '3']);
      execFileSync('mkfifo', [path.join(dir, 'tmp/fifo')]);
      fs.chmodSync(path.join(dir, 'bin/busybox'), 0o4755);
    });
    const entries = await readTar(exportContainer(s.store.snapshots, key));
    const byName = new Map(entries.map((e) => [e.header.name, e]));
    assert.ok(entries.every((e) => !e.header.name.startsWith('/') && !e.header.name.startsWith('./')), 'names are relative, no root entry');
    assert.equal(byName.get('bin/ls'), undefined, 'deleted file absent');
    assert.equal(byName.get('bin/')?.header.type, 'directory');
    assert.equal(byName.get('bin/sh')?.header.type, 'symlink');
    assert.equal(byName.get('bin/sh')?.header.linkname, '/bin/busybox');
    const bb = byName.get('bin/busybox')!;
    assert.equal(sha(bb.data), sha(fs.readFileSync('/bin/busybox')));
    assert.equal(bb.header.mode! & 0o7777, 0o4755, 'setuid kept');
    const hello = byName.get('hello')!;
    assert.deepEqual([hello.data.toString(), hello.header.mode! & 0o777, hello.header.uid, hello.header.gid], ['hi\n', 0o640, 1234, 5678]);
    assert.deepEqual([byName.get('hello-link')?.header.type, byName.get('hello-link')?.header.linkname], ['link', 'hello']);
    const dev = byName.get('dev/null')!.header;
    assert.deepEqual([dev.type, dev.devmajor, dev.devminor], ['character-device', 1, 3]);
    assert.equal(byName.get('tmp/fifo')?.header.type, 'fifo');
    assert.equal(byName.get('etc/passwd')?.data.toString().startsWith('root:x:0:0:'), true);
    assert.deepEqual(tempSnapshotMounts(), []);

    // Destroyed part-way or before any read: the temporary mount goes away too.
    const partial = exportContainer(s.store.snapshots, key);
    await new Promise<void>((resolve) => partial.once('data', () => resolve()));
    assert.equal(tempSnapshotMounts().length, 1, 'mounted while streaming');
    partial.destroy();
    await finished(partial).catch(() => undefined);
    assert.deepEqual(tempSnapshotMounts(), []);
    const unread = exportContainer(s.store.snapshots, key);
    unread.destroy();
    await finished(unread).catch(() => undefined);
    assert.deepEqual(tempSnapshotMounts(), []);

    // An unknown container snapshot: a stream error, nothing mounted.
    await assert.rejects(readTar(exportContainer(s.store.snapshots, 'no-such-ctr')), /not found/);
    assert.deepEqual(tempSnapshotMounts(), []);
  } finally {
    await s.close();
  }
});

test('export of a mounted rootfs never follows symlinks out of it', async () => {
  const base = tempDir();
  try {
    const root = path.join(base, 'root');
    fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'container\n');
    fs.writeFileSync(path.join(base, 'secret'), 'host secret\n');
    fs.symlinkSync('/', path.join(root, 'to-host-root'));
    fs.symlinkSync('../secret', path.join(root, 'to-secret'));
    const entries = await readTar(exportRootfs(root));
    assert.deepEqual(entries.map((e) => e.header.name).sort(), ['etc/', 'etc/passwd', 'to-host-root', 'to-secret']);
    assert.ok(entries.every((e) => !e.data.toString().includes('host secret')));
  } finally {
    await cleanupDir(base);
  }
});

test('cp on a stopped container: GET through a temporary mount, PUT persists into its layer', async () => {
  const s = await storeWithBusybox();
  try {
    const key = await newContainer(s.store, s.busyboxId);
    const { stat, tar } = await archiveGetSnapshot(s.store.snapshots, key, '/etc/passwd', { containerId: 'c1' });
    assert.equal(stat.name, 'passwd');
    const got = await readTar(tar);
    assert.deepEqual(got.map((e) => e.header.name), ['passwd']);
    assert.ok(got[0]!.data.toString().startsWith('root:x:0:0:'));
    assert.deepEqual(tempSnapshotMounts(), []);
    await assert.rejects(archiveGetSnapshot(s.store.snapshots, key, '/nope', { containerId: 'c1' }),
      (e: Error) => e instanceof ContainerPathNotFoundError && e.message === 'Could not find the file /nope in container c1');
    assert.deepEqual(tempSnapshotMounts(), []);

    await withMountedSnapshot(s.store.snapshots, key, (dir) =>
      makeTar([{ name: 'added.txt', data: 'put\n' }]).then((t) => archivePut(dir, '/root', Readable.from([t]))));
    assert.equal(fs.readFileSync(path.join(s.store.snapshots.upperDir(key), 'root/added.txt'), 'utf8'), 'put\n');
    assert.deepEqual(tempSnapshotMounts(), []);
  } finally {
    await s.close();
  }
});
