// Managing running containers with wharf against a real wharfd: stop/restart/kill/rm, pause,
// rename, update, top, port, and errors per container with exit code 1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DOCKER_NEW, startTestDaemon, type TestDaemon } from '../docker-cli/helpers.js';
import { rand, runWharf, wharfOk } from './container-helpers.js';

let t: TestDaemon;
let tmp: string;
before(async () => {
  t = await startTestDaemon();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cli-manage-'));
});
after(async () => {
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const state = (name: string): Promise<string> => t.ok(['inspect', '-f', '{{.State.Status}}', name]);

async function running(cmd = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done']): Promise<string> {
  const name = `m-${rand()}`;
  await wharfOk(t.env, ['run', '-d', '--name', name, 'busybox', ...cmd]);
  return name;
}

test('stop, start, restart, kill -s, rm -f print the names and change the state', async () => {
  const name = await running();
  assert.equal(await wharfOk(t.env, ['stop', '-t', '5', name]), name);
  assert.equal(await state(name), 'exited');
  assert.equal(await wharfOk(t.env, ['start', name]), name);
  assert.equal(await state(name), 'running');
  const pid0 = await t.ok(['inspect', '-f', '{{.State.Pid}}', name]);
  assert.equal(await wharfOk(t.env, ['restart', '-t', '5', name]), name);
  assert.notEqual(await t.ok(['inspect', '-f', '{{.State.Pid}}', name]), pid0);
  assert.equal(await wharfOk(t.env, ['kill', '-s', 'TERM', name]), name);
  assert.equal(await wharfOk(t.env, ['wait', name]), '0', 'the TERM trap exited 0');
  await wharfOk(t.env, ['start', name]);
  assert.equal(await wharfOk(t.env, ['kill', name]), name);
  assert.equal(await wharfOk(t.env, ['wait', name]), '137');
  await wharfOk(t.env, ['start', name]);
  assert.equal(await wharfOk(t.env, ['rm', '-f', '-v', name]), name);
  assert.equal((await t.docker(['inspect', name])).code, 1);
});

test('errors are per container: the others are done, exit code 1, Docker\'s message', async () => {
  const name = await running();
  const r = await runWharf(t.env, ['stop', '-t', '1', 'no-such-x', name]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, `${name}\n`);
  assert.equal(r.stderr, 'Error response from daemon: No such container: no-such-x\n');
  const d = await t.docker(['stop', '-t', '1', 'no-such-x'], { cli: DOCKER_NEW });
  assert.equal((await runWharf(t.env, ['stop', '-t', '1', 'no-such-x'])).stderr, d.stderr);
  const rm = await runWharf(t.env, ['rm', 'no-such-x']);
  assert.deepEqual([rm.code, rm.stderr], [1, 'Error response from daemon: No such container: no-such-x\n']);
  const start = await runWharf(t.env, ['start', 'no-such-x']);
  assert.equal(start.code, 1);
  assert.match(start.stderr, /No such container: no-such-x\nError: failed to start containers: no-such-x\n$/);
  await wharfOk(t.env, ['rm', '-f', name]);
});

test('pause/unpause, rename, update, top', async () => {
  const name = await running(['sleep', '300']);
  assert.equal(await wharfOk(t.env, ['pause', name]), name);
  assert.equal(await state(name), 'paused');
  assert.equal(await wharfOk(t.env, ['unpause', name]), name);
  assert.equal(await state(name), 'running');
  const renamed = `${name}-new`;
  assert.equal(await wharfOk(t.env, ['rename', name, renamed]), '');
  assert.equal(await t.ok(['inspect', '-f', '{{.Name}}', renamed]), `/${renamed}`);
  assert.equal(await wharfOk(t.env, ['update', '--cpu-shares', '512', '--pids-limit', '40', '--restart', 'on-failure:2', renamed]), renamed);
  assert.equal(await t.ok(['inspect', '-f', '{{.HostConfig.CpuShares}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}', renamed]), '512 40 on-failure:2');
  const none = await runWharf(t.env, ['update', renamed]);
  assert.equal(none.code, 125);
  assert.match(none.stderr, /you must provide one or more flags when using this command/);
  const top = await wharfOk(t.env, ['top', renamed]);
  const dockerTop = await t.ok(['top', renamed]);
  assert.equal(top, dockerTop, 'same table as docker top');
  assert.match(top.split('\n')[1]!, /sleep 300$/);
  assert.equal(await wharfOk(t.env, ['top', renamed, '-o', 'pid,comm']), await t.ok(['top', renamed, '-o', 'pid,comm']));
  await wharfOk(t.env, ['rm', '-f', renamed]);
});

test('port: the same lines as docker port; an unpublished port is an error', async () => {
  const name = `p-${rand()}`;
  await wharfOk(t.env, ['run', '-d', '--name', name, '-p', '127.0.0.1::80', '-p', '53/udp', 'busybox', 'sleep', '300']);
  for (const args of [[name], [name, '80'], [name, '53/udp'], [name, '81']]) {
    const d = await t.docker(['port', ...args], { cli: DOCKER_NEW });
    const w = await runWharf(t.env, ['port', ...args]);
    assert.equal(w.stdout, d.stdout, `port ${args.join(' ')}`);
    assert.equal(w.code, d.code);
    assert.equal(w.stderr, d.stderr);
  }
  await wharfOk(t.env, ['rm', '-f', name]);
});
