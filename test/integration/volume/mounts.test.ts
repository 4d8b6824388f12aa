// Bind and tmpfs mounts through the real docker CLIs against wharfd: read-only binds, tmpfs size
// limits and modes, bind propagation from the host, missing bind sources (-v creates, --mount
// refuses), --read-only roots with writable mounts, and nothing left mounted afterwards.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { startTestDaemon, type TestDaemon } from '../docker-cli/helpers.js';

let t: TestDaemon;
let work: string;
const rand = () => randomBytes(4).toString('hex');
const hostMounts = (dir: string) => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m === dir || m.startsWith(dir + '/'));

before(async () => {
  t = await startTestDaemon();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-mounts-'));
});
after(async () => {
  await t?.cleanup();
  for (const m of hostMounts(work).reverse()) execFileSync('umount', ['-l', m]);
  fs.rmSync(work, { recursive: true, force: true });
});

test('bind mounts: read-write and read-only (-v :ro and --mount readonly refuse writes)', async () => {
  const src = fs.mkdtempSync(path.join(work, 'bind-'));
  fs.writeFileSync(path.join(src, 'in'), 'from host\n');
  assert.equal(await t.ok(['run', '--rm', '-v', `${src}:/b`, 'busybox', 'sh', '-c', 'cat /b/in; echo back > /b/out']), 'from host');
  assert.equal(fs.readFileSync(path.join(src, 'out'), 'utf8'), 'back\n');
  for (const flag of [['-v', `${src}:/b:ro`], ['--mount', `type=bind,source=${src},target=/b,readonly`]]) {
    const r = await t.docker(['run', '--rm', ...flag, 'busybox', 'sh', '-c', 'cat /b/in && echo nope > /b/in']);
    assert.equal(r.stdout.trim(), 'from host');
    assert.match(r.stderr, /Read-only file system/);
    assert.notEqual(r.code, 0);
  }
  assert.equal(fs.readFileSync(path.join(src, 'in'), 'utf8'), 'from host\n', 'the host file is unchanged');
  const c = `bind-${rand()}`;
  await t.ok(['create', '--name', c, '-v', `${src}:/b:ro`, '--mount', `type=bind,src=${src},dst=/c,bind-propagation=rslave`, 'busybox', 'true']);
  const mounts = JSON.parse(await t.ok(['inspect', '-f', '{{json .Mounts}}', c])) as unknown[];
  assert.deepEqual(mounts, [
    { Type: 'bind', Source: src, Destination: '/b', Mode: 'ro', RW: false, Propagation: 'rprivate' },
    { Type: 'bind', Source: src, Destination: '/c', Mode: '', RW: true, Propagation: 'rslave' },
  ]);
  await t.ok(['rm', c]);
});

test('a missing bind source: created for -v, an error for --mount; bad specs are refused', async () => {
  const missing = path.join(work, `made-${rand()}`, 'deep');
  assert.equal(await t.ok(['run', '--rm', '-v', `${missing}:/m`, 'busybox', 'sh', '-c', 'echo ok > /m/f; cat /m/f']), 'ok');
  assert.ok(fs.statSync(missing).isDirectory());
  const absent = path.join(work, `absent-${rand()}`);
  const before = await t.ok(['ps', '-aq']);
  const r = await t.docker(['run', '--rm', '--mount', `type=bind,source=${absent},target=/m`, 'busybox', 'true']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, new RegExp(`invalid mount config for type "bind": bind source path does not exist: ${absent}`));
  assert.ok(!fs.existsSync(absent), 'nothing was created');
  const dup = await t.docker(['create', '-v', `${work}:/x`, '--tmpfs', '/x', 'busybox']);
  assert.match(dup.stderr, /Duplicate mount point: \/x/);
  const mode = await t.docker(['create', '-v', `${work}:/x:rw,ro`, 'busybox']);
  assert.match(mode.stderr, /invalid mode: rw,ro/);
  const rel = await t.docker(['create', '-v', `${work}:relative`, 'busybox']);
  assert.notEqual(rel.code, 0);
  assert.equal(await t.ok(['ps', '-aq']), before, 'no container was created by the failures');
});

test('tmpfs: --tmpfs and --mount type=tmpfs sizes are enforced (ENOSPC), mode applied', async () => {
  const r = await t.docker(['run', '--rm', '--tmpfs', '/t:size=1m', 'busybox', 'sh', '-c',
    'dd if=/dev/zero of=/t/a bs=1k count=512 2>/dev/null && echo half-ok; dd if=/dev/zero of=/t/b bs=1k count=1024']);
  assert.match(r.stdout, /half-ok/);
  assert.match(r.stderr, /No space left on device/);
  assert.notEqual(r.code, 0);
  const m = await t.ok(['run', '--rm', '--mount', 'type=tmpfs,target=/t2,tmpfs-size=65536,tmpfs-mode=1770', 'busybox', 'sh', '-c',
    'stat -c %a /t2; df -k /t2 | tail -1; head -c 100000 /dev/zero > /t2/x || echo full']);
  const [perm, df, full] = m.split('\n');
  assert.equal(perm, '1770');
  assert.match(df!, /^tmpfs\s+64\s/);
  assert.equal(full, 'full');
  // The default tmpfs options keep noexec.
  const exec = await t.docker(['run', '--rm', '--tmpfs', '/t', 'busybox', 'sh', '-c', 'cp /bin/busybox /t/busybox && /t/busybox true']);
  assert.match(exec.stderr, /Permission denied/);
  assert.equal(await t.ok(['run', '--rm', '--tmpfs', '/t:exec', 'busybox', 'sh', '-c', 'cp /bin/busybox /t/busybox && /t/busybox echo ran']), 'ran');
  // As in Docker, inspect lists --mount tmpfs mounts but not --tmpfs ones (those are in HostConfig.Tmpfs).
  const c = `tmpfs-${rand()}`;
  await t.ok(['create', '--name', c, '--tmpfs', '/a:size=1m', '--mount', 'type=tmpfs,dst=/b,readonly', 'busybox']);
  assert.deepEqual(JSON.parse(await t.ok(['inspect', '-f', '{{json .Mounts}}', c])), [{ Type: 'tmpfs', Source: '', Destination: '/b', Mode: '', RW: false, Propagation: '' }]);
  assert.equal(await t.ok(['inspect', '-f', '{{json .HostConfig.Tmpfs}}', c]), '{"/a":"size=1m"}');
  await t.ok(['rm', c]);
});

test('--read-only root with writable volumes and tmpfs', async () => {
  const name = `ro-${rand()}`;
  const out = await t.docker(['run', '--rm', '--read-only', '-v', `${name}:/data`, '--tmpfs', '/run', 'busybox', 'sh', '-c',
    'echo v > /data/f && echo t > /run/f && cat /data/f /run/f; echo no > /root-file']);
  assert.equal(out.stdout, 'v\nt\n');
  assert.match(out.stderr, /Read-only file system/);
  await t.ok(['volume', 'rm', name]);
});

test('bind propagation: with rshared a mount made on the host under the source appears in the container', async () => {
  const src = fs.mkdtempSync(path.join(work, 'prop-'));
  // Make the source its own shared mount (propagation needs a shared source, as in Docker).
  execFileSync('mount', ['--bind', src, src]);
  execFileSync('mount', ['--make-shared', src]);
  const c = `prop-${rand()}`;
  try {
    const plain = await t.docker(['run', '--rm', '-v', `${work}:/w:rshared`, 'busybox', 'true']);
    assert.match(plain.stderr, /is not a shared mount/, 'a private source is refused for rshared');
    await t.ok(['run', '-d', '--name', c, '-v', `${src}:/p:rshared`, 'busybox', 'sleep', '60']);
    fs.mkdirSync(path.join(src, 'sub'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'wharf-prop-test', path.join(src, 'sub')]);
    fs.writeFileSync(path.join(src, 'sub', 'hello'), 'propagated\n');
    assert.equal(await t.ok(['exec', c, 'cat', '/p/sub/hello']), 'propagated');
    assert.match(await t.ok(['exec', c, 'grep', '/p/sub', '/proc/self/mountinfo']), /wharf-prop-test/);
    // rprivate (the default): a later host mount does not show.
    const c2 = `prop2-${rand()}`;
    await t.ok(['run', '-d', '--name', c2, '-v', `${src}:/p`, 'busybox', 'sleep', '60']);
    fs.mkdirSync(path.join(src, 'later'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'wharf-prop-later', path.join(src, 'later')]);
    assert.equal((await t.docker(['exec', c2, 'grep', '-c', 'wharf-prop-later', '/proc/self/mountinfo'])).stdout.trim(), '0');
    await t.ok(['rm', '-f', c, c2]);
  } finally {
    await t.docker(['rm', '-f', c]);
    for (const m of hostMounts(src).reverse()) execFileSync('umount', [m]);
  }
  assert.deepEqual(hostMounts(src), []);
});

test('local volumes backed by a host directory (o=bind) and by a block device (ext4 on a loop device)', async () => {
  const volDir = (n: string) => path.join(t.d.dataRoot, 'volumes', n);
  const hostDir = fs.mkdtempSync(path.join(work, 'lbind-'));
  fs.writeFileSync(path.join(hostDir, 'file'), 'host data\n');
  const b = `lbind-${rand()}`;
  await t.ok(['volume', 'create', '--opt', 'type=none', '--opt', 'o=bind', '--opt', `device=${hostDir}`, b]);
  assert.equal(await t.ok(['run', '--rm', '-v', `${b}:/v`, 'busybox', 'sh', '-c', 'cat /v/file; echo new > /v/new']), 'host data');
  assert.equal(fs.readFileSync(path.join(hostDir, 'new'), 'utf8'), 'new\n');
  assert.deepEqual(hostMounts(volDir(b)), [], 'unmounted after the last user');
  await t.ok(['volume', 'rm', b]);
  assert.deepEqual(fs.readdirSync(hostDir).sort(), ['file', 'new'], 'removing the volume never deletes the bound directory');

  const img = path.join(work, `disk-${rand()}.img`);
  fs.writeFileSync(img, '');
  fs.truncateSync(img, 16 << 20);
  execFileSync('mkfs.ext4', ['-q', '-F', img]);
  const loop = execFileSync('losetup', ['-f', '--show', img]).toString().trim();
  const d = `blk-${rand()}`;
  const c = `blk-${rand()}`;
  try {
    await t.ok(['volume', 'create', '--opt', 'type=ext4', '--opt', `device=${loop}`, d]);
    await t.ok(['run', '-d', '--name', c, '-v', `${d}:/blk`, 'busybox', 'sh', '-c', 'echo on-disk > /blk/f; sleep 60']);
    assert.equal(await t.ok(['exec', c, 'cat', '/blk/f']), 'on-disk');
    assert.match(fs.readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(`${volDir(d)}/_data .* - ext4 ${loop} `));
    await t.ok(['rm', '-f', c]);
    assert.deepEqual(hostMounts(volDir(d)), []);
    // Mounted again for the next user: the data is on the device.
    assert.equal(await t.ok(['run', '--rm', '-v', `${d}:/again`, 'busybox', 'cat', '/again/f']), 'on-disk');
    await t.ok(['volume', 'rm', d]);
  } finally {
    await t.docker(['rm', '-f', c]);
    for (const m of hostMounts(volDir(d)).reverse()) execFileSync('umount', [m]);
    execFileSync('losetup', ['-d', loop]);
    fs.rmSync(img, { force: true });
  }
});

test('nothing stays mounted after the containers are gone', async () => {
  assert.equal(await t.ok(['ps', '-a', '--format', '{{.Names}} {{.Status}} {{.Command}}']), '');
  assert.deepEqual(hostMounts(t.dir), []);
  assert.deepEqual(hostMounts(work), []);
});
