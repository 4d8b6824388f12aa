// docker diff, export and cp through the real CLIs, on running and stopped containers.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { DOCKER_NEW, startTestDaemon, type TestDaemon } from '../docker-cli/helpers.js';

let t: TestDaemon;
let work: string;
before(async () => {
  t = await startTestDaemon();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-fs-'));
});
after(async () => {
  fs.rmSync(work, { recursive: true, force: true });
  await t?.cleanup();
  // Stopped containers are read through temporary snapshot mounts: none may be left.
  assert.deepEqual(fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes('wharf-mnt-')), []);
});

const tarList = (tar: Buffer): string[] => execFileSync('tar', ['t'], { input: tar, maxBuffer: 64 << 20 }).toString().split('\n').filter(Boolean);

async function dockerBinary(args: string[]): Promise<Buffer> {
  return execFileSync('/usr/bin/docker', args, { env: t.env, maxBuffer: 256 << 20 });
}

test('diff lists added, changed and deleted paths (and nothing for a fresh container)', async () => {
  await t.ok(['run', '-d', '--name', 'df', 'busybox', 'sleep', '60']);
  assert.equal(await t.ok(['diff', 'df']), '');
  await t.ok(['exec', 'df', 'sh', '-c', 'echo x > /tmp/new; rm /bin/true; mkdir -p /opt/a/b; echo y >> /etc/passwd']);
  assert.deepEqual((await t.ok(['diff', 'df'])).split('\n'), [
    'C /bin', 'D /bin/true', 'C /etc', 'C /etc/passwd', 'A /opt', 'A /opt/a', 'A /opt/a/b', 'C /tmp', 'A /tmp/new',
  ]);
  await t.ok(['stop', '-t', '0', 'df']);
  assert.match(await t.ok(['diff', 'df']), /^D \/bin\/true$/m);
  await t.ok(['rm', 'df']);
});

test('export streams the whole filesystem as a tar, running or stopped', async () => {
  await t.ok(['run', '-d', '--name', 'exp', 'busybox', 'sh', '-c', 'echo hello > /marker; sleep 60']);
  await t.ok(['exec', 'exp', 'test', '-f', '/marker']);
  const running = tarList(await dockerBinary(['export', 'exp']));
  for (const p of ['bin/', 'bin/busybox', 'bin/sh', 'etc/passwd', 'marker']) assert.ok(running.includes(p), `${p} in export`);
  assert.ok(!running.some((p) => p.startsWith('/') || p.startsWith('proc/1')), 'relative names, no /proc contents');
  await t.ok(['stop', '-t', '0', 'exp']);
  const out = path.join(work, 'exp.tar');
  await t.ok(['export', '-o', out, 'exp']);
  const stopped = tarList(fs.readFileSync(out));
  assert.ok(stopped.includes('marker') && stopped.includes('bin/busybox'));
  assert.equal(execFileSync('tar', ['xOf', out, 'marker']).toString(), 'hello\n');
  await t.ok(['rm', 'exp']);
});

test('cp from and to a running container (files, directories, stdout tar, errors)', async () => {
  await t.ok(['run', '-d', '--name', 'cp1', 'busybox', 'sleep', '60']);
  const x = path.join(work, 'x');
  await t.ok(['cp', 'cp1:/etc/passwd', x]);
  assert.equal(fs.readFileSync(x, 'utf8'), await t.ok(['exec', 'cp1', 'cat', '/etc/passwd']) + '\n');
  const dir = path.join(work, 'dir');
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'sub', 'f'), 'content\n');
  fs.chmodSync(path.join(dir, 'sub', 'f'), 0o640);
  fs.symlinkSync('sub/f', path.join(dir, 'link'));
  await t.ok(['cp', dir, 'cp1:/tmp/']);
  assert.equal(await t.ok(['exec', 'cp1', 'cat', '/tmp/dir/sub/f']), 'content');
  assert.equal(await t.ok(['exec', 'cp1', 'stat', '-c', '%a %U', '/tmp/dir/sub/f']), '640 root');
  assert.equal(await t.ok(['exec', 'cp1', 'readlink', '/tmp/dir/link']), 'sub/f');
  // Back out again, with the newer CLI, to a new name.
  const back = path.join(work, 'back');
  await t.ok(['cp', 'cp1:/tmp/dir', back], { cli: DOCKER_NEW });
  assert.equal(fs.readFileSync(path.join(back, 'sub', 'f'), 'utf8'), 'content\n');
  assert.equal(fs.readlinkSync(path.join(back, 'link')), 'sub/f');
  // `-` writes a tar to stdout.
  assert.deepEqual(tarList(await dockerBinary(['cp', 'cp1:/etc/hostname', '-'])), ['hostname']);
  const missing = await t.docker(['cp', 'cp1:/no/such/file', work]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /Could not find the file \/no\/such\/file in container cp1|No such container:path/);
  const notDir = await t.docker(['cp', x, 'cp1:/etc/passwd/inside']);
  assert.notEqual(notDir.code, 0);
  await t.ok(['rm', '-f', 'cp1']);
});

test('cp into a stopped container shows up after start; cp out of a stopped one', async () => {
  await t.ok(['create', '--name', 'cp2', 'busybox', 'sh', '-c', 'cat /added.txt; sleep 60']);
  const f = path.join(work, 'added.txt');
  fs.writeFileSync(f, 'added while stopped\n');
  await t.ok(['cp', f, 'cp2:/added.txt']);
  await t.ok(['start', 'cp2']);
  assert.equal(await t.ok(['exec', 'cp2', 'cat', '/added.txt']), 'added while stopped');
  await t.ok(['stop', '-t', '0', 'cp2']);
  assert.match(await t.ok(['logs', 'cp2']), /added while stopped/);
  const out = path.join(work, 'out.txt');
  await t.ok(['cp', 'cp2:/added.txt', out]);
  assert.equal(fs.readFileSync(out, 'utf8'), 'added while stopped\n');
  await t.ok(['rm', 'cp2']);
});

test('cp refuses a read-only rootfs; events for cp', async () => {
  await t.ok(['run', '-d', '--name', 'ro', '--read-only', 'busybox', 'sleep', '60']);
  const f = path.join(work, 'ro.txt');
  fs.writeFileSync(f, 'x');
  const r = await t.docker(['cp', f, 'ro:/tmp/']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /read-only/);
  await t.ok(['cp', 'ro:/etc/passwd', path.join(work, 'ro-passwd')]);
  const ev = await t.ok(['events', '--since', '20s', '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'container=ro', '--format', '{{.Action}}']);
  assert.match(ev, /^archive-path$/m);
  await t.ok(['rm', '-f', 'ro']);
});

test('commit of a started container keeps its changes but not the mount targets (/etc/hosts...)', async () => {
  await t.ok(['run', '--name', 'cm', 'busybox', 'sh', '-c', 'echo made > /made; rm /bin/true']);
  await t.ok(['commit', 'cm', 'committed:1']);
  await t.ok(['rm', 'cm']);
  assert.equal(await t.ok(['run', '--rm', 'committed:1', 'sh', '-c', 'cat /made; test -e /bin/true || echo gone']), 'made\ngone');
  // The new layer, as `docker save` writes it: the last layer of the manifest.
  const dir = fs.mkdtempSync(path.join(work, 'save-'));
  execFileSync('tar', ['-x', '-C', dir], { input: await dockerBinary(['save', 'committed:1']), maxBuffer: 256 << 20 });
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
  const layer = tarList(fs.readFileSync(path.join(dir, manifest[0]!.Layers.at(-1)!))).map((e) => e.replace(/^\.?\//, '').replace(/\/$/, ''));
  assert.ok(layer.includes('made'), `layer: ${layer.join(' ')}`);
  assert.ok(layer.includes('bin/.wh.true'), `layer: ${layer.join(' ')}`);
  for (const p of ['etc/hosts', 'etc/hostname', 'etc/resolv.conf']) assert.ok(!layer.includes(p), `${p} is in the committed layer`);
  await t.ok(['rmi', 'committed:1']);
});
