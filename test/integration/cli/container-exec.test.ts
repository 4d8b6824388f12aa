// wharf logs (options, -f), exec (output, exit codes, -e/-w/-u/-d/-i, --env-file), attach and the
// `container ...` management forms against a real wharfd.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestDaemon, until, type TestDaemon } from '../docker-cli/helpers.js';
import { rand, runWharf, wharfOk } from './container-helpers.js';

let t: TestDaemon;
let tmp: string;
before(async () => {
  t = await startTestDaemon();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cli-exec-'));
});
after(async () => {
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function running(cmd: string[]): Promise<string> {
  const name = `m-${rand()}`;
  await wharfOk(t.env, ['run', '-d', '--name', name, 'busybox', ...cmd]);
  return name;
}

test('logs: -t, --tail, --since, --until, -f until the container exits', async () => {
  const name = `l-${rand()}`;
  await wharfOk(t.env, ['run', '--name', name, 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo line$i; done; echo err >&2']);
  const all = await runWharf(t.env, ['logs', name]);
  assert.deepEqual([all.stdout, all.stderr], ['line1\nline2\nline3\n', 'err\n']);
  assert.equal((await runWharf(t.env, ['logs', '--tail', '2', name])).stdout, 'line3\n', 'the last 2 lines: line3 on stdout, err on stderr');
  assert.match((await runWharf(t.env, ['logs', '-t', name])).stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line1\n/);
  assert.equal((await runWharf(t.env, ['logs', '--since', '1h', name])).stdout, 'line1\nline2\nline3\n');
  assert.equal((await runWharf(t.env, ['logs', '--until', '2000-01-01T00:00:00Z', name])).stdout, '');
  const follow = `f-${rand()}`;
  await wharfOk(t.env, ['run', '-d', '--name', follow, 'busybox', 'sh', '-c', 'echo a; sleep 1; echo b']);
  const f = await runWharf(t.env, ['logs', '-f', follow]);
  assert.deepEqual([f.code, f.stdout], [0, 'a\nb\n']);
  await wharfOk(t.env, ['rm', name, follow]);
});

test('exec: output, exit code, -e/--env-file/-w/-u, -d, -i stdin, missing command 127', async () => {
  const name = await running(['sleep', '300']);
  const r = await runWharf(t.env, ['exec', name, 'sh', '-c', 'echo out; echo err >&2; exit 7']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [7, 'out\n', 'err\n']);
  const envFile = path.join(tmp, 'exec.env');
  fs.writeFileSync(envFile, 'FILE_V=f\n');
  assert.equal(await wharfOk(t.env, ['exec', '-e', 'A=b', '--env-file', envFile, '-w', '/tmp', '-u', '1:1', name, 'sh', '-c', 'echo $A $FILE_V $(pwd) $(id -u)']), 'b f /tmp 1');
  assert.equal(await wharfOk(t.env, ['exec', '-d', name, 'sh', '-c', 'echo done > /tmp/flag']), '');
  await until(async () => (await runWharf(t.env, ['exec', name, 'cat', '/tmp/flag'])).stdout === 'done\n', 5000, 'exec -d result');
  assert.equal(await wharfOk(t.env, ['exec', '-i', name, 'tr', 'a-z', 'A-Z'], { input: 'piped\n' }), 'PIPED');
  const nf = await runWharf(t.env, ['exec', name, 'nonexistent-cmd']);
  assert.equal(nf.code, 127);
  assert.match(nf.stdout + nf.stderr, /executable file not found/);
  const stopped = `s-${rand()}`;
  await wharfOk(t.env, ['create', '--name', stopped, 'busybox']);
  const ns = await runWharf(t.env, ['exec', stopped, 'true']);
  assert.equal(ns.code, 1);
  assert.match(ns.stderr, /^Error response from daemon: .*is not running/);
  await wharfOk(t.env, ['rm', '-f', name, stopped]);
});

test('attach: output of a running container, its exit code; refuses a stopped one', async () => {
  const name = `a-${rand()}`;
  await wharfOk(t.env, ['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'sleep 1; echo attached-out; exit 5']);
  const r = await runWharf(t.env, ['attach', name]);
  assert.deepEqual([r.code, r.stdout], [5, 'attached-out\n']);
  const again = await runWharf(t.env, ['attach', name]);
  assert.deepEqual([again.code, again.stderr], [1, 'You cannot attach to a stopped container, start it first\n']);
  await wharfOk(t.env, ['rm', name]);
});

test('management forms: container run/ls/stop/rm/prune with the same flags', async () => {
  const name = `mg-${rand()}`;
  assert.match(await wharfOk(t.env, ['container', 'run', '-d', '--name', name, 'busybox', 'sleep', '300']), /^[0-9a-f]{64}$/);
  assert.match(await wharfOk(t.env, ['container', 'ls', '--format', '{{.Names}}']), new RegExp(`^${name}$`, 'm'));
  assert.equal(await wharfOk(t.env, ['container', 'stop', '-t', '1', name]), name);
  const exited = `ex-${rand()}`;
  await wharfOk(t.env, ['container', 'create', '--name', exited, 'busybox']);
  const pruned = await wharfOk(t.env, ['container', 'prune', '-f']);
  assert.match(pruned, /^Deleted Containers:\n/);
  assert.match(pruned, /Total reclaimed space: /);
  assert.equal((await t.docker(['inspect', name])).code, 1, 'the stopped container was pruned');
  assert.equal((await t.docker(['inspect', exited])).code, 1);
});
