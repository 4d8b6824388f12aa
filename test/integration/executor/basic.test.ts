// Spawn, exec and error reporting of real plans (root only).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS, CLONE_NEWIPC } from '../../../src/runtime/ops.js';
import { executorPath, spawnExecutor, ExecutorError } from '../../../src/runtime/executor/index.js';
import { MS_BIND, collect, containerSetup, gone, makeRootfs, removeRootfs, run, until } from './helpers.js';

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

test('a malformed plan record is refused with a setup error, nothing cloned', async () => {
  const proc = spawn(executorPath(), [], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const ctl = proc.stdio[3] as Duplex;
  const reply = collect(ctl);
  ctl.write(Buffer.from([6, 0, 0, 0, 1, 9, 9, 9, 9, 9])); // kind 1 (plan), body too short
  const code = await new Promise((r) => proc.once('exit', r));
  assert.equal(code, 125);
  assert.match(await reply, /^error setup -1 22 malformed plan\n$/);
});

test('mount-in: symlinks and .. in the target stay inside the root', async (t) => {
  const host = mkdtempSync(join(tmpdir(), 'wharf-exec-host-'));
  t.after(() => rmSync(host, { recursive: true, force: true }));
  writeFileSync(join(host, 'host-marker'), '');
  mkdirSync(join(rootfs, host), { recursive: true });
  writeFileSync(join(rootfs, host, 'inside-marker'), '');
  symlinkSync(host, join(rootfs, 'escape'));
  t.after(() => rmSync(join(rootfs, 'escape')));
  const tmpfs = (target: string) => ({ op: 'mount-in' as const, root: rootfs, source: 'tmpfs', target, fstype: 'tmpfs', flags: 0, data: '' });
  const ops = [
    containerSetup(rootfs)[0],
    tmpfs('/escape'),
    { op: 'mount-in' as const, root: rootfs, source: '/bin', target: `../../../..${host}`, fstype: '', flags: MS_BIND, data: '' },
    ...run(['sh', '-c', `ls ${host}; echo --; ls ${rootfs}${host}`]),
  ];
  const h = await spawnExecutor({ pre: [], cloneFlags: CLONE_NEWNS, ops }, { stdio: ['ignore', 'pipe', 'inherit'] });
  const out = collect(h.stdout);
  assert.equal((await h.exited).code, 0);
  const [outside, inside] = (await out).split('--');
  assert.deepEqual(outside.split(/\s+/).filter(Boolean), ['host-marker'], 'host directory untouched');
  assert.ok(inside.includes('busybox') && !inside.includes('inside-marker'), `mounts landed inside the root: ${inside}`);
});
