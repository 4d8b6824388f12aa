// wharf cp (both ways, directories, renames, tar on stdout), diff, export and commit against a
// real wharfd, checked through the files themselves.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestDaemon, type TestDaemon } from '../docker-cli/helpers.js';
import { rand, runWharf, wharfOk } from './container-helpers.js';

let t: TestDaemon;
let tmp: string;
let box: string;
before(async () => {
  t = await startTestDaemon();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cli-files-'));
  box = `files-${rand()}`;
  await wharfOk(t.env, ['run', '-d', '--name', box, 'busybox', 'sh', '-c', 'mkdir -p /data/sub && echo fromc > /data/x && echo deep > /data/sub/y && sleep 300']);
  // The files exist once `sleep` runs.
  for (let i = 0; i < 100 && (await runWharf(t.env, ['exec', box, 'test', '-f', '/data/sub/y'])).code !== 0; i++) await new Promise((r) => setTimeout(r, 50));
});
after(async () => {
  await runWharf(t.env, ['rm', '-f', box]);
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('cp host -> container: a directory into a directory, a file renamed, a directory to a new name', async () => {
  const src = path.join(tmp, 'src');
  fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(src, 'a.txt'), 'hi\n');
  fs.writeFileSync(path.join(src, 'sub', 'b.sh'), '#!/bin/sh\n', { mode: 0o755 });
  fs.symlinkSync('a.txt', path.join(src, 'link'));
  assert.equal(await wharfOk(t.env, ['cp', src, `${box}:/data/`]), '');
  assert.equal(await wharfOk(t.env, ['exec', box, 'sh', '-c', 'cat /data/src/a.txt; readlink /data/src/link; stat -c %a /data/src/sub/b.sh']), 'hi\na.txt\n755');
  await wharfOk(t.env, ['cp', path.join(src, 'a.txt'), `${box}:/data/renamed.txt`]);
  assert.equal(await wharfOk(t.env, ['exec', box, 'cat', '/data/renamed.txt']), 'hi');
  await wharfOk(t.env, ['cp', src, `${box}:/newdir`]);
  assert.equal(await wharfOk(t.env, ['exec', box, 'ls', '/newdir']), 'a.txt\nlink\nsub');
});

test('cp container -> host: a directory, a file to a new name and into a directory, a tar on stdout', async () => {
  const out = path.join(tmp, 'out');
  await wharfOk(t.env, ['cp', `${box}:/data`, out]);
  assert.equal(fs.readFileSync(path.join(out, 'x'), 'utf8'), 'fromc\n');
  assert.equal(fs.readFileSync(path.join(out, 'sub', 'y'), 'utf8'), 'deep\n');
  await wharfOk(t.env, ['cp', `${box}:/data/x`, path.join(tmp, 'x2')]);
  assert.equal(fs.readFileSync(path.join(tmp, 'x2'), 'utf8'), 'fromc\n');
  fs.mkdirSync(path.join(tmp, 'into'));
  await wharfOk(t.env, ['cp', `${box}:/data/x`, path.join(tmp, 'into')]);
  assert.equal(fs.readFileSync(path.join(tmp, 'into', 'x'), 'utf8'), 'fromc\n');
  const tarFile = path.join(tmp, 'x.tar');
  const r = spawnSync(process.execPath, ['--', fileURLOfMain(), 'cp', `${box}:/data/x`, '-'], { env: { ...t.env, WHARF_NO_AUTOSTART: '1' } });
  fs.writeFileSync(tarFile, r.stdout);
  assert.equal(spawnSync('tar', ['-xOf', tarFile, 'x'], { encoding: 'utf8' }).stdout, 'fromc\n');
  const missing = await runWharf(t.env, ['cp', `${box}:/nonexistent`, tmp]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /No such container:path|no such file or directory|Could not find the file/i);
});

function fileURLOfMain(): string {
  return new URL('../../../src/cli/main.js', import.meta.url).pathname;
}

test('diff lists the changes as docker diff does', async () => {
  const name = `d-${rand()}`;
  await wharfOk(t.env, ['run', '--name', name, 'busybox', 'sh', '-c', 'mkdir /newd && touch /newd/f && rm /bin/ls']);
  const diff = await wharfOk(t.env, ['diff', name]);
  assert.equal(diff, await t.ok(['diff', name]));
  assert.match(diff, /^A \/newd$/m);
  assert.match(diff, /^A \/newd\/f$/m);
  assert.match(diff, /^D \/bin\/ls$/m);
  await wharfOk(t.env, ['rm', name]);
});

test('export -o writes the filesystem as a tar; without -o to a pipe', async () => {
  const file = path.join(tmp, 'exp.tar');
  assert.equal(await wharfOk(t.env, ['export', '-o', file, box]), '');
  const list = spawnSync('tar', ['-tf', file], { encoding: 'utf8' }).stdout.split('\n');
  assert.ok(list.includes('data/x'), 'the container file is in the archive');
  assert.ok(list.includes('bin/busybox'));
  const piped = spawnSync(process.execPath, ['--', fileURLOfMain(), 'export', box], { env: { ...t.env, WHARF_NO_AUTOSTART: '1' }, maxBuffer: 64 << 20 });
  assert.equal(piped.status, 0);
  assert.equal(piped.stdout.length, fs.statSync(file).size);
});

test('commit -m -a -c: an image with the changes, the message, the author and the config change', async () => {
  const repo = `committed-${rand()}`;
  const id = await wharfOk(t.env, ['commit', '-m', 'my message', '-a', 'me <me@x>', '-c', 'ENV FOO=bar', '-c', 'CMD ["cat", "/data/x"]', box, `${repo}:v1`]);
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await t.ok(['image', 'inspect', '-f', '{{.Id}}|{{.Comment}}|{{.Author}}', `${repo}:v1`]), `${id}|my message|me <me@x>`);
  assert.equal(await wharfOk(t.env, ['run', '--rm', `${repo}:v1`]), 'fromc');
  assert.equal(await wharfOk(t.env, ['run', '--rm', `${repo}:v1`, 'sh', '-c', 'echo $FOO']), 'bar');
  await t.ok(['rmi', `${repo}:v1`]);
});
