// Spawn, exec and error reporting of real plans (root only).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS, CLONE_NEWIPC } from '../../../src/runtime/ops.js';
import { spawnExecutor, ExecutorError } from '../../../src/runtime/executor/index.js';
import { collect, containerSetup, gone, makeRootfs, removeRootfs, run, until } from './helpers.js';

const rootfs = makeRootfs();
after(() => removeRootfs(rootfs));
const NS = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;

test('new pid namespace: the container sees itself as pid 1', async () => {
  const h = await spawnExecutor(
    { pre: [], cloneFlags: NS, ops: [...containerSetup(rootfs), ...run(['sh', '-c', 'echo $$'])] },
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const out = collect(h.stdout);
  assert.deepEqual(await h.exited, { code: 0, signal: null });
  assert.equal((await out).trim(), '1');
});

test('new uts namespace: hostname is the one set by the plan, host unchanged', async () => {
  const host = readFileSync('/proc/sys/kernel/hostname', 'utf8').trim();
  const h = await spawnExecutor(
    { pre: [], cloneFlags: NS, ops: [{ op: 'sethostname', name: 'wharf-test-box' }, ...containerSetup(rootfs), ...run(['hostname'])] },
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const out = collect(h.stdout);
  await h.exited;
  assert.equal((await out).trim(), 'wharf-test-box');
  assert.equal(readFileSync('/proc/sys/kernel/hostname', 'utf8').trim(), host);
});

test('pivot-root: ls / shows only the rootfs entries', async () => {
  const h = await spawnExecutor(
    { pre: [], cloneFlags: NS, ops: [...containerSetup(rootfs), ...run(['ls', '/'])] },
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const out = collect(h.stdout);
  assert.equal((await h.exited).code, 0);
  assert.deepEqual((await out).split(/\s+/).filter(Boolean).sort(), ['bin', 'dev', 'etc', 'proc', 'tmp']);
});

test('missing binary: ENOENT at the lookup op index, nothing left running', async () => {
  const ops = [...containerSetup(rootfs), ...run(['no-such-program'])];
  const h = await spawnExecutor({ pre: [], cloneFlags: NS, ops }, { stdio: 'ignore' });
  const err = await h.ready.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ExecutorError, `expected ExecutorError, got ${err}`);
  assert.equal(err.code, 'ENOENT');
  assert.equal(err.opIndex, ops.findIndex((o) => o.op === 'lookup'));
  assert.equal(err.op?.op, 'lookup');
  assert.equal((await h.exited).code, 127);
  assert.ok(gone(h.pid), 'container init still exists');
  await until(() => gone(h.monitorPid), 2000, 'monitor exit');
});

test('bad mount: op index and errno of the failing mount', async () => {
  const ops = [
    ...containerSetup(rootfs).slice(0, 2),
    { op: 'mount' as const, source: 'none', target: `${rootfs}/tmp`, fstype: 'no-such-fs', flags: 0, data: '' },
    ...run(['true']),
  ];
  const h = await spawnExecutor({ pre: [], cloneFlags: NS, ops }, { stdio: 'ignore' });
  const err = await h.ready.catch((e: unknown) => e);
  assert.ok(err instanceof ExecutorError);
  assert.equal(err.opIndex, 2);
  assert.equal(err.code, 'ENODEV');
  assert.match(err.message, /op 2 \(mount\).*ENODEV/);
  await h.exited;
  assert.ok(gone(h.pid));
});

test('exit code and signal are reported', async () => {
  const h = await spawnExecutor({ pre: [], cloneFlags: NS, ops: [...containerSetup(rootfs), ...run(['sh', '-c', 'exit 7'])] }, { stdio: 'ignore' });
  await h.started;
  assert.deepEqual(await h.exited, { code: 7, signal: null });
  const k = await spawnExecutor({ pre: [], cloneFlags: NS, ops: [...containerSetup(rootfs), ...run(['sleep', '30'])] }, { stdio: 'ignore' });
  await k.started;
  process.kill(k.pid, 'SIGKILL');
  assert.deepEqual(await k.exited, { code: null, signal: 'SIGKILL' });
});
