// docker commit by effect: the committed image's containers see exactly what the committed
// container saw; config, history and tag as Docker records them; save -> load keeps it all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chainIds } from '../../../src/storage/index.js';
import {
  ImageStore, commitContainer, withMountedSnapshot, saveImages, loadImages, ChangeError, EMPTY_TAR_DIGEST,
} from '../../../src/image/index.js';
import { storeWithBusybox, newContainer, tempDir, cleanupDir, tempSnapshotMounts } from './helpers.js';

const exists = (p: string) => fs.lstatSync(p, { throwIfNoEntry: false }) !== undefined;

async function contents(store: ImageStore) {
  return {
    images: store.ids(),
    blobs: (await store.content.list()).map((b) => b.digest).sort(),
    snapshots: (await store.snapshots.list()).map((s) => s.key).sort(),
  };
}

test('commit: added, deleted and changed files, config merge, --change, history and tag', async () => {
  const s = await storeWithBusybox();
  try {
    const { store } = s;
    const key = await newContainer(store, s.busyboxId);
    const passwd = await withMountedSnapshot(store.snapshots, key, (dir) => {
      fs.writeFileSync(path.join(dir, 'hello'), 'hello world\n');
      fs.rmSync(path.join(dir, 'bin/ls'));
      fs.appendFileSync(path.join(dir, 'etc/passwd'), 'ann:x:1000:1000::/home/ann:/bin/sh\n');
      fs.rmSync(path.join(dir, 'home'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'srv/data'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'srv/data/a'), 'A');
      fs.linkSync(path.join(dir, 'srv/data/a'), path.join(dir, 'srv/data/b'));
      return fs.readFileSync(path.join(dir, 'etc/passwd'), 'utf8');
    });
    // Writes made while "paused" are in the image; writes after resume are not.
    const upper = store.snapshots.upperDir(key);
    const events: string[] = [];
    const containerConfig = { Cmd: ['sh'], Env: ['PATH=/usr/bin:/bin', 'KEEP=1'], WorkingDir: '/srv', Labels: { tier: 'base' }, StopSignal: 'SIGTERM' };
    const parent = await store.byId(s.busyboxId);
    const { id } = await commitContainer(store, {
      snapshotKey: key, parentImageId: s.busyboxId, containerConfig, containerId: 'c0ffee',
      changes: ['CMD ["cat", "/hello"]', 'ENV FOO=bar'], author: 'Ann <ann@example.com>', comment: 'add hello',
      reference: 'committed:v1',
      pause: () => { events.push('pause'); fs.writeFileSync(path.join(upper, 'while-paused'), 'p'); },
      resume: () => { events.push('resume'); fs.writeFileSync(path.join(upper, 'after-resume'), 'r'); },
    });
    assert.deepEqual(events, ['pause', 'resume']);
    assert.equal(store.resolve('committed:v1'), id);

    const img = await store.byId(id);
    assert.deepEqual(img.config.config?.Cmd, ['cat', '/hello']);
    assert.deepEqual([...(img.config.config?.Env ?? [])].sort(), ['FOO=bar', 'KEEP=1', 'PATH=/usr/bin:/bin']);
    assert.equal(img.config.config?.WorkingDir, '/srv');
    assert.deepEqual(img.config.config?.Labels, { tier: 'base' });
    assert.equal(img.config.config?.StopSignal, 'SIGTERM');
    assert.equal(img.config.container, 'c0ffee');
    assert.deepEqual(img.config.container_config, containerConfig);
    assert.equal(img.config.author, 'Ann <ann@example.com>');
    assert.deepEqual(img.config.rootfs.diff_ids.slice(0, -1), parent.config.rootfs.diff_ids);
    assert.equal(img.config.rootfs.diff_ids.length, parent.config.rootfs.diff_ids.length + 1);
    const last = img.config.history!.at(-1)!;
    assert.equal(last.author, 'Ann <ann@example.com>');
    assert.equal(last.comment, 'add hello');
    assert.equal(last.created_by, 'sh');
    assert.notEqual(last.empty_layer, true);
    const hist = await store.history('committed:v1');
    assert.equal(hist.length, parent.config.history!.length + 1);
    assert.deepEqual([hist[0]!.Id, hist[0]!.Comment, hist[0]!.Tags], [id, 'add hello', ['committed:v1']]);
    assert.equal(hist[1]!.Id, s.busyboxId);

    // A new container of the committed image sees what the old one saw.
    const key2 = await newContainer(store, id);
    await withMountedSnapshot(store.snapshots, key2, (dir) => {
      assert.equal(fs.readFileSync(path.join(dir, 'hello'), 'utf8'), 'hello world\n');
      assert.equal(exists(path.join(dir, 'bin/ls')), false, '/bin/ls was deleted');
      assert.equal(fs.readlinkSync(path.join(dir, 'bin/sh')), '/bin/busybox');
      assert.equal(fs.readFileSync(path.join(dir, 'etc/passwd'), 'utf8'), passwd);
      assert.equal(exists(path.join(dir, 'home')), false, '/home was deleted');
      const a = fs.statSync(path.join(dir, 'srv/data/a'));
      const b = fs.statSync(path.join(dir, 'srv/data/b'));
      assert.equal(a.ino, b.ino, 'hard link kept');
      assert.equal(exists(path.join(dir, 'while-paused')), true);
      assert.equal(exists(path.join(dir, 'after-resume')), false, 'diff taken before resume');
    });
    // The new layer is one shared read-only snapshot keyed by its chain ID, used by the new container.
    const top = chainIds(img.config.rootfs.diff_ids).at(-1)!;
    const info = await store.snapshots.stat(top);
    assert.equal(info.kind, 'layer');
    assert.deepEqual(info.users, [key2]);
    const before = (await store.snapshots.list()).length;
    const key3 = await newContainer(store, id);
    assert.equal((await store.snapshots.list()).length, before + 1, 'only the container snapshot is new');
    assert.deepEqual((await store.snapshots.stat(top)).users.sort(), [key2, key3].sort());

    // Commit on top of a commit: a directory replaced wholesale (overlay opaque dir) stays replaced.
    await withMountedSnapshot(store.snapshots, key3, (dir) => {
      fs.rmSync(path.join(dir, 'srv'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'srv'));
      fs.writeFileSync(path.join(dir, 'srv/only'), 'new');
    });
    const second = await commitContainer(store, { snapshotKey: key3, parentImageId: id, containerConfig: img.config.config! });
    const key4 = await newContainer(store, second.id);
    await withMountedSnapshot(store.snapshots, key4, (dir) => {
      assert.deepEqual(fs.readdirSync(path.join(dir, 'srv')), ['only']);
      assert.equal(fs.readFileSync(path.join(dir, 'hello'), 'utf8'), 'hello world\n');
    });
    assert.deepEqual((await store.byId(second.id)).config.config?.Cmd, ['cat', '/hello'], 'config carried over');
    assert.deepEqual(tempSnapshotMounts(), []);
  } finally {
    await s.close();
  }
});

test('commit: a bad --change or tag fails before pausing and stores nothing', async () => {
  const s = await storeWithBusybox();
  try {
    const key = await newContainer(s.store, s.busyboxId);
    fs.writeFileSync(path.join(s.store.snapshots.upperDir(key), 'x'), 'x');
    const before = await contents(s.store);
    let paused = 0;
    const base = { snapshotKey: key, parentImageId: s.busyboxId, containerConfig: { Cmd: ['sh'] }, pause: () => { paused++; } };
    await assert.rejects(commitContainer(s.store, { ...base, changes: ['RUN rm -rf /'] }), (e: Error) => e instanceof ChangeError && /RUN is not a valid change command/.test(e.message));
    await assert.rejects(commitContainer(s.store, { ...base, reference: 'Bad:Tag' }), /invalid reference format|repository name must be lowercase/);
    await assert.rejects(commitContainer(s.store, { ...base, parentImageId: 'sha256:' + 'a'.repeat(64) }), /No such image|not found/i);
    assert.equal(paused, 0);
    assert.deepEqual(await contents(s.store), before);
  } finally {
    await s.close();
  }
});

test('commit: no changes gives an image without a new layer (empty_layer history entry)', async () => {
  const s = await storeWithBusybox();
  try {
    const key = await newContainer(s.store, s.busyboxId);
    const { id } = await commitContainer(s.store, { snapshotKey: key, parentImageId: s.busyboxId, containerConfig: { Cmd: ['sh'] }, comment: 'nothing' });
    const parent = await s.store.byId(s.busyboxId);
    const img = await s.store.byId(id);
    assert.notEqual(id, s.busyboxId);
    assert.deepEqual(img.config.rootfs.diff_ids, parent.config.rootfs.diff_ids);
    assert.ok(!img.config.rootfs.diff_ids.includes(EMPTY_TAR_DIGEST));
    assert.equal(img.config.history!.at(-1)!.empty_layer, true);
    assert.equal(img.config.history!.at(-1)!.comment, 'nothing');
  } finally {
    await s.close();
  }
});

test('commit: save -> load of the committed image round-trips by ID with the same filesystem', async () => {
  const s = await storeWithBusybox();
  const root2 = tempDir('wharf-opsroot-');
  try {
    const key = await newContainer(s.store, s.busyboxId);
    await withMountedSnapshot(s.store.snapshots, key, (dir) => {
      fs.writeFileSync(path.join(dir, 'hello'), 'saved\n');
      fs.rmSync(path.join(dir, 'bin/ls'));
    });
    const { id } = await commitContainer(s.store, { snapshotKey: key, parentImageId: s.busyboxId, containerConfig: { Cmd: ['sh'] }, reference: 'roundtrip:1' });
    const archive = path.join(root2, 'save.tar');
    await saveImages(s.store, ['roundtrip:1'], fs.createWriteStream(archive));
    const store2 = await ImageStore.open(path.join(root2, 'store'));
    const res = await loadImages(store2, fs.createReadStream(archive));
    assert.deepEqual(res.messages, ['Loaded image: roundtrip:1']);
    assert.equal(store2.resolve('roundtrip:1'), id);
    const key2 = await newContainer(store2, id);
    await withMountedSnapshot(store2.snapshots, key2, (dir) => {
      assert.equal(fs.readFileSync(path.join(dir, 'hello'), 'utf8'), 'saved\n');
      assert.equal(exists(path.join(dir, 'bin/ls')), false);
      assert.equal(exists(path.join(dir, 'bin/busybox')), true);
    });
  } finally {
    await s.close();
    await cleanupDir(root2);
  }
});
