// The real docker CLIs creating and cleaning images on a wharfd: docker import (file and stdin,
// --change, -m), docker commit, docker image prune, docker system df, and the image events.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startWharfd, type Wharfd } from '../../helpers/wharfd.js';
import { CLIS, NEW_CLI, OLD_CLI, busyboxRootfsTar, docker, fixture, ok } from './helpers.js';

let d: Wharfd;
let tmp: string;
let rootfs: string;
let t0: number;
const rand = () => randomBytes(4).toString('hex');
const cli = CLIS[0]!;

before(async () => {
  assert.ok(CLIS.length > 0, 'no docker CLI installed');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cli-import-'));
  rootfs = busyboxRootfsTar(tmp);
  t0 = Math.floor(Date.now() / 1000) - 1;
  d = await startWharfd();
  await ok(d, cli, ['load', '-i', fixture('busybox-docker-save.tar')]);
});

after(async () => {
  await d?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const allIds = async (): Promise<string[]> => (await ok(d, cli, ['images', '-aq', '--no-trunc'])).split('\n').filter(Boolean);

test('docker import rootfs.tar name:tag --change CMD -m msg: the image runs with that config', async () => {
  for (const c of CLIS) {
    const ref = `imported-${rand()}:v1`;
    const id = await ok(d, c, ['import', rootfs, ref, '--change', 'CMD ["sh"]', '--change', 'ENV IMPORTED=yes', '-m', 'from a test']);
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await ok(d, c, ['image', 'inspect', '-f', '{{.Id}}|{{json .Config.Cmd}}|{{.Comment}}|{{.RepoTags}}', ref]),
      `${id}|["sh"]|from a test|[${ref}]`);
    const hist = await ok(d, c, ['history', '--format', '{{.Comment}}', ref]);
    assert.equal(hist, 'from a test');
    // By effect: the layer is the busybox rootfs, the ENV change is in force.
    assert.equal(await ok(d, c, ['run', '--rm', ref, 'sh', '-c', 'echo $((6*7)) $IMPORTED']), '42 yes');
    await ok(d, c, ['rmi', ref]);
  }
});

test('docker import from stdin without a name makes a dangling image; bad input changes nothing', async () => {
  const id = await ok(d, OLD_CLI, ['import', '-'], { input: rootfs });
  assert.equal(await ok(d, cli, ['image', 'inspect', '-f', '{{.Comment}}|{{len .RepoTags}}', id]), 'Imported from -|0');
  assert.ok((await ok(d, cli, ['images', '-q', '--no-trunc', '--filter', 'dangling=true'])).split('\n').includes(id));

  const before = await allIds();
  const badChange = await docker(d, NEW_CLI, ['import', rootfs, `bad-${rand()}`, '--change', 'RUN echo no']);
  assert.notEqual(badChange.code, 0);
  assert.match(badChange.stderr, /RUN/);
  const notTar = path.join(tmp, 'not-a-tar');
  fs.writeFileSync(notTar, Buffer.alloc(4096, 0x41));
  const badTar = await docker(d, cli, ['import', notTar, `bad-${rand()}`]);
  assert.notEqual(badTar.code, 0);
  const badRef = await docker(d, cli, ['import', rootfs, 'Bad:Name']);
  assert.notEqual(badRef.code, 0);
  assert.match(badRef.stderr, /invalid reference format/);
  assert.deepEqual(await allIds(), before);
});

test('docker commit of a created container: message, author, --change, parent; the image runs', async () => {
  const name = `commit-src-${rand()}`;
  await ok(d, cli, ['create', '--name', name, '-e', 'FROM_CONTAINER=1', 'bb', 'sh', '-c', 'echo $FOO $FROM_CONTAINER']);
  try {
    for (const c of CLIS) {
      const ref = `committed-${rand()}:1`;
      const id = await ok(d, c, ['commit', '-m', 'a note', '-a', 'Ann Author', '-c', 'ENV FOO=bar', name, ref]);
      assert.match(id, /^sha256:[0-9a-f]{64}$/);
      const bbId = await ok(d, c, ['image', 'inspect', '-f', '{{.Id}}', 'bb']);
      assert.equal(await ok(d, c, ['image', 'inspect', '-f', '{{.Comment}}|{{.Author}}|{{.Parent}}', ref]), `a note|Ann Author|${bbId}`);
      // The container's Cmd and Env and the --change ENV are the new image's defaults.
      assert.equal(await ok(d, c, ['run', '--rm', ref]), 'bar 1');
      await ok(d, c, ['rmi', ref]);
    }
    const missing = await docker(d, cli, ['commit', `no-such-container-${rand()}`]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /No such container/);
  } finally {
    await ok(d, cli, ['rm', '-f', name]);
  }
});

test('docker image prune -f removes dangling images only; -a removes unused ones', async () => {
  const dangling = await ok(d, cli, ['import', rootfs]);
  const keep = `keep-${rand()}:1`;
  const keptId = await ok(d, cli, ['import', rootfs, keep, '-m', 'keep me']);
  for (const c of CLIS) {
    const out = await ok(d, c, ['image', 'prune', '-f']);
    if (c === CLIS[0]) {
      assert.match(out, new RegExp(`deleted: ${dangling}`));
      assert.match(out, /Total reclaimed space: [1-9][0-9.]*[kM]?B/);
    } else {
      assert.match(out, /Total reclaimed space: 0B/);
    }
  }
  const ids = await allIds();
  assert.ok(!ids.includes(dangling) && ids.includes(keptId));

  // A label filter keeps what it does not match; a used image is never pruned.
  const ctr = `prune-user-${rand()}`;
  await ok(d, cli, ['create', '--name', ctr, 'bb', 'true']);
  try {
    const none = await ok(d, NEW_CLI, ['image', 'prune', '-af', '--filter', 'label=nothing=here']);
    assert.match(none, /Total reclaimed space: 0B/);
    const all = await ok(d, NEW_CLI, ['image', 'prune', '-af']);
    assert.match(all, new RegExp(`untagged: ${keep}`));
    assert.match(all, new RegExp(`deleted: ${keptId}`));
    const left = await allIds();
    assert.ok(!left.includes(keptId));
    assert.equal(await ok(d, cli, ['images', '--format', '{{.Repository}}']), 'bb', 'the image the container uses stays');
  } finally {
    await ok(d, cli, ['rm', '-f', ctr]);
  }
});

test('docker system df: image, container, volume and build-cache rows with both CLIs', async () => {
  await ok(d, cli, ['load', '-i', fixture('layers-docker-save.tar')]);
  const ctr = `df-${rand()}`;
  await ok(d, cli, ['run', '--name', ctr, 'bb', 'sh', '-c', 'head -c 100000 /dev/zero > /blob']);
  try {
    for (const c of CLIS) {
      const rows = (await ok(d, c, ['system', 'df', '--format', '{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}'])).split('\n');
      const byType = new Map(rows.map((r) => [r.split('|')[0], r.split('|').slice(1)]));
      assert.deepEqual(byType.get('Images')?.slice(0, 2), ['2', '1'], rows.join('\n'));
      assert.match(byType.get('Images')![2]!, /^3\.9\d*MB$/);
      assert.deepEqual(byType.get('Containers')?.slice(0, 2), ['1', '0']);
      assert.match(byType.get('Containers')![2]!, /^10\d(\.\d+)?kB$/, 'the container wrote 100 kB');
      assert.deepEqual(byType.get('Local Volumes')?.slice(0, 2), ['0', '0']);
      assert.ok(byType.has('Build Cache'));
    }
    const verbose = await ok(d, NEW_CLI, ['system', 'df', '-v']);
    assert.match(verbose, /Images space usage:[\s\S]*wharf-fixture\/layers\s+1\.0[\s\S]*bb\s+latest/);
    assert.match(verbose, new RegExp(`Containers space usage:[\\s\\S]*${ctr}`));
  } finally {
    await ok(d, cli, ['rm', '-f', ctr]);
  }
});

test('image events: load, tag, untag, delete, import, save, pull, prune appear in docker events', async () => {
  const ref = `events-${rand()}:1`;
  const id = await ok(d, cli, ['import', rootfs, ref]);
  await ok(d, cli, ['tag', ref, `${ref}-2`]);
  await ok(d, cli, ['save', '-o', path.join(tmp, 'ev.tar'), ref]);
  await ok(d, cli, ['pull', ref]);
  await ok(d, cli, ['rmi', `${ref}-2`, ref]);
  await ok(d, cli, ['image', 'prune', '-f']);
  const until = Math.floor(Date.now() / 1000) + 1;
  for (const c of CLIS) {
    const lines = (await ok(d, c, ['events', '--since', String(t0), '--until', String(until), '--filter', 'type=image', '--format', '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}'])).split('\n');
    const mine = lines.filter((l) => l.includes(id) || l.includes(ref.split(':')[0]!));
    const actions = mine.map((l) => l.split(' ')[0]);
    for (const a of ['import', 'tag', 'save', 'pull', 'untag', 'delete']) assert.ok(actions.includes(a), `${c}: no ${a} in\n${lines.join('\n')}`);
    assert.ok(mine.includes(`tag ${id} ${ref}-2`), mine.join('\n'));
    assert.ok(mine.includes(`delete ${id} ${id}`), mine.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('load ')), 'load event of the fixture');
    assert.ok(lines.some((l) => l.startsWith('prune ')), 'prune event');
  }
});
