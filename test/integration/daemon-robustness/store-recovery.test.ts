// What the fast paths of create and remove leave after a crash, and what the next daemon start
// makes of it: container snapshots are made without fsyncs (the record's config.json commits a
// create), a removal commits by renaming the record aside and deletes files in the background.
// Simulated by killing wharfd with SIGKILL and editing its data root as a crash would leave it.
// Also: an AutoRemove container's overlay is mounted volatile, and mounting it again (restart) works;
// image layers a machine crash caught unsynced (storage/deferred-sync.ts) are made again at start.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestDaemon, until, type TestDaemon } from '../docker-cli/helpers.js';
import { leaks } from './helpers.js';

let t: TestDaemon;
before(async () => { t = await startTestDaemon(); });
after(async () => { await t?.cleanup(); });

const root = () => t.d.dataRoot;
const snapDir = (id: string) => path.join(root(), 'snapshots', `c-${id}`);
const recordDir = (id: string) => path.join(root(), 'containers', id);
const fakeId = (c: string) => c.repeat(64);

test('daemon start after a crash: orphan snapshots, half-done creates and removals are cleaned; a lost snapshot is made again', async () => {
  const orphan = await t.ok(['create', '--name', 'orphan', 'busybox', 'true']);
  const lost = await t.ok(['create', '--name', 'lost', 'busybox', 'sh', '-c', 'echo made-again > /f; cat /f']);
  const kept = await t.ok(['create', '--name', 'kept', 'busybox', 'true']);
  await t.d.stop('SIGKILL');

  // A removal cut short after its commit (record renamed aside) but before the snapshot went.
  fs.renameSync(recordDir(orphan), path.join(root(), 'containers', `.trash-${orphan}-0001`));
  // A create cut short before its commit: record directory without config.json, and its snapshot.
  const uncommitted = fakeId('a');
  fs.mkdirSync(recordDir(uncommitted));
  fs.writeFileSync(path.join(recordDir(uncommitted), 'state.json'), '{}');
  fs.cpSync(snapDir(kept), snapDir(uncommitted), { recursive: true });
  fs.writeFileSync(path.join(snapDir(uncommitted), 'meta.json'), JSON.stringify({ ...JSON.parse(fs.readFileSync(path.join(snapDir(kept), 'meta.json'), 'utf8')), key: uncommitted }));
  // A machine crash lost the (not fsync'd) snapshot of a container whose record was committed.
  fs.rmSync(snapDir(lost), { recursive: true });
  // A torn meta.json of an unsynced snapshot; a runtime state directory deletion cut short.
  const torn = fakeId('b');
  fs.mkdirSync(path.join(snapDir(torn), 'fs'), { recursive: true });
  fs.writeFileSync(path.join(snapDir(torn), 'meta.json'), '');
  fs.mkdirSync(path.join(t.d.execRoot, 'runtime', `.trash-${fakeId('c')}-0002`, 'x'), { recursive: true });

  await t.restart();
  assert.deepEqual((await t.ok(['ps', '-a', '--format', '{{.Names}}'])).split('\n').sort(), ['kept', 'lost']);
  for (const gone of [snapDir(orphan), snapDir(uncommitted), snapDir(torn), recordDir(uncommitted)]) {
    assert.equal(fs.existsSync(gone), false, `${gone} is left`);
  }
  assert.deepEqual(fs.readdirSync(path.join(root(), 'containers')).filter((n) => n.startsWith('.trash-')), []);
  assert.deepEqual(fs.readdirSync(path.join(t.d.execRoot, 'runtime')).filter((n) => n.startsWith('.trash-')), []);
  // The container whose snapshot was lost runs from a new one.
  assert.ok(fs.existsSync(snapDir(lost)));
  assert.equal(await t.ok(['start', '-a', 'lost']), 'made-again');
  await t.ok(['rm', 'lost', 'kept']);
  await until(() => !fs.existsSync(snapDir(lost)) && !fs.existsSync(snapDir(kept)), 3000, 'snapshots of removed containers to go');
  assert.deepEqual(leaks(t.dir, [orphan, lost, kept], [], false), []);
});

test('rm answers with the record gone; its files go in the background; the name is free at once', async () => {
  const id = await t.ok(['create', '--name', 'again', 'busybox', 'true']);
  await t.ok(['rm', 'again']);
  assert.equal(fs.existsSync(recordDir(id)), false);
  assert.equal(fs.existsSync(snapDir(id)), false, 'the snapshot is out of the store when rm answers');
  const id2 = await t.ok(['create', '--name', 'again', 'busybox', 'true']);
  assert.notEqual(id2, id);
  await t.ok(['rm', 'again']);
  await until(() => fs.readdirSync(path.join(root(), 'containers')).length === 0, 3000, 'background deletions');
  await until(() => fs.readdirSync(path.join(root(), 'tmp')).length === 0, 3000, 'snapshot deletions');
});

test('an AutoRemove container (volatile overlay) can be mounted again: restart, then removal after exit', async () => {
  const id = await t.ok(['run', '-d', '--rm', '--name', 'vol', 'busybox', 'sh', '-c', 'echo $$ > /pid; sleep 30']);
  const opts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.includes(`${recordDir(id)}/rootfs `));
  assert.match(opts ?? '', /volatile/, 'the rootfs overlay is mounted with volatile');
  await t.ok(['restart', '-t', '0', 'vol']);
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Running}}', 'vol']), 'true');
  assert.equal(await t.ok(['exec', 'vol', 'cat', '/pid']), '1', 'the restarted container sees its own upper dir');
  await t.ok(['kill', 'vol']);
  await until(async () => (await t.docker(['inspect', 'vol'])).code !== 0, 5000, 'AutoRemove after the exit');
  await until(() => !fs.existsSync(snapDir(id)), 3000, 'its snapshot to go');
  assert.deepEqual(leaks(t.dir, [id], [], false), []);
});

test('image layers left unsynced by a machine crash are dropped at start and made again from their blobs, under existing containers too', async () => {
  const id = await t.ok(['create', '--name', 'on-layers', 'busybox', 'sh', '-c', 'echo still-here; ls /bin/busybox']);
  await t.d.stop('SIGKILL');
  // As a pull leaves its layers until the background sync, seen from the next boot.
  const snapshots = path.join(root(), 'snapshots');
  const layers = fs.readdirSync(snapshots).filter((n) => /^[0-9a-f]{64}$/.test(n));
  assert.ok(layers.length > 0);
  for (const l of layers) {
    fs.writeFileSync(path.join(snapshots, l, 'unsynced'), 'an-earlier-boot\n');
    fs.rmSync(path.join(snapshots, l, 'fs', 'bin'), { recursive: true, force: true }); // torn content
  }
  await t.restart();
  for (const l of layers) {
    assert.equal(fs.existsSync(path.join(snapshots, l, 'unsynced')), false, 'made again, durably');
    assert.ok(fs.existsSync(path.join(snapshots, l, 'fs', 'bin')), 'content back');
  }
  assert.equal(await t.ok(['start', '-a', 'on-layers']), 'still-here\n/bin/busybox');
  assert.equal(await t.ok(['run', '--rm', 'busybox', 'echo', 'new-container']), 'new-container');
  await t.ok(['rm', id]);
});
