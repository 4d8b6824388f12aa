// Start synchronisation (wait-start, open-fifo), detach, and the status file (root only).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLONE_NEWNS, CLONE_NEWPID } from '../../../src/runtime/ops.js';
import { executorPath, readStatusFile, spawnExecutor } from '../../../src/runtime/executor/index.js';
import { collect, containerSetup, gone, makeRootfs, removeRootfs, run, until } from './helpers.js';

const rootfs = makeRootfs();
after(() => removeRootfs(rootfs));
const NS = CLONE_NEWNS | CLONE_NEWPID;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('wait-start: the init stays in the executor until start()', async () => {
  const ops = [...containerSetup(rootfs), { op: 'wait-start' as const }, ...run(['echo', 'running'])];
  const h = await spawnExecutor({ pre: [], cloneFlags: NS, ops }, { stdio: ['ignore', 'pipe', 'inherit'] });
  const out = collect(h.stdout);
  await h.ready;
  await delay(100);
  assert.equal(readlinkSync(`/proc/${h.pid}/exe`), executorPath(), 'init exec\'d before start');
  await h.start();
  assert.equal((await h.exited).code, 0);
  assert.equal((await out).trim(), 'running');
});

test('open-fifo: starts when the fifo is opened for reading; detach keeps the container', async () => {
  const fifo = join(rootfs, 'exec.fifo');
  const status = join(rootfs, 'status.json');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const ops = [...containerSetup(rootfs), { op: 'open-fifo' as const, path: fifo }, ...run(['sh', '-c', 'exit 4'])];
  const h = await spawnExecutor({ pre: [], cloneFlags: NS, ops }, { stdio: 'ignore', statusFile: status });
  await h.ready;
  h.detach(); // like `wharf-runtime create` exiting before `start`
  await delay(100);
  assert.equal(readlinkSync(`/proc/${h.pid}/exe`), executorPath());
  assert.equal(readFileSync(fifo, 'utf8'), '0'); // what `start` does
  await until(() => existsSync(status), 5000, 'status file');
  const st = readStatusFile(status);
  assert.equal(st?.code, 4);
  assert.equal(st?.signal, null);
  assert.equal(st?.pid, h.pid);
});

test('control channel closed before start: the waiting init is killed, not leaked', async () => {
  const ops = [...containerSetup(rootfs), { op: 'wait-start' as const }, ...run(['true'])];
  const h = await spawnExecutor({ pre: [], cloneFlags: NS, ops }, { stdio: 'ignore' });
  await h.ready;
  h.detach();
  await until(() => gone(h.pid) && gone(h.monitorPid), 5000, 'init and monitor exit');
});

test('monitor survives the death of its Node parent and writes the status file', async () => {
  const status = join(rootfs, 'orphan-status.json');
  const go = join(rootfs, 'tmp', 'go');
  const script = 'while [ ! -e /tmp/go ]; do sleep 0.02; done; exit 3';
  const plan = { pre: [], cloneFlags: NS, ops: [...containerSetup(rootfs), ...run(['sh', '-c', script])] };
  const parentJs = fileURLToPath(new URL('./orphan-parent.js', import.meta.url));
  const parent = spawn(process.execPath, [parentJs, JSON.stringify(plan), status], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    parent.stdout.setEncoding('utf8');
    parent.stdout.once('data', (d: string) => resolve(d));
    parent.once('exit', () => reject(new Error('orphan parent exited early')));
  });
  const [pid, monitorPid] = line.trim().split(' ').map(Number);
  parent.kill('SIGKILL');
  await new Promise((r) => parent.once('exit', r));
  assert.ok(!gone(monitorPid), 'monitor died with its parent');
  assert.ok(!gone(pid), 'container died with the parent');
  writeFileSync(go, '');
  await until(() => existsSync(status), 5000, 'status file');
  assert.equal(readStatusFile(status)?.code, 3);
  await until(() => gone(pid), 2000, 'container exit');
});

test('monitor RSS stays under 512 kB', async () => {
  const h = await spawnExecutor({ pre: [], cloneFlags: NS, ops: [...containerSetup(rootfs), ...run(['sleep', '30'])] }, { stdio: 'ignore' });
  await h.started;
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${h.monitorPid}/status`, 'utf8'))?.[1]);
  process.kill(h.pid, 'SIGKILL');
  await h.exited;
  assert.ok(rss > 0 && rss < 512, `monitor VmRSS ${rss} kB`);
});
