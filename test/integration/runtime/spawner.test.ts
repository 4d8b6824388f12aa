// Monitors forked by the long-lived `wharf-exec spawner` instead of by Node: stdio reopened from
// our fds with their modes, exit codes, monitors outliving the spawner, and a spawner that died
// replaced on the next create.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime } from '../../../src/runtime/runtime.js';
import { dockerSpec, makeFixture, suffix } from '../../helpers/runtime-fixture.js';

const fx = makeFixture('wharf-rt-spawner-');
const runtime = new Runtime({ root: join(fx.base, 'spawner-state'), cgroupParent: fx.cgroupParent, spawner: true });
const outDir = mkdtempSync(join(tmpdir(), 'wharf-spawner-out-'));
after(() => {
  runtime.close();
  rmSync(outDir, { recursive: true, force: true });
  fx.cleanup();
});

/** Child pids of `pid` (from /proc/<pid>/task/<pid>/children). */
function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function spawnerPids(): number[] {
  return children(process.pid).filter((p) => {
    try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes('spawner'); } catch { return false; }
  });
}

test('a container started through the spawner writes to our fds (append mode kept) and reports its exit code', async () => {
  const file = join(outDir, `out-${suffix()}`);
  const fd = openSync(file, 'a');
  const errFd = openSync(join(outDir, `err-${suffix()}`), 'w');
  try {
    const id = `sp-${suffix()}`;
    const c = await runtime.create(id, { bundle: fx.bundle, spec: dockerSpec(['sh', '-c', 'echo one; echo two; exit 7']), io: { stdio: ['ignore', fd, errFd] } });
    closeSync(fd); // the monitor reopened it; ours may go
    await c.start();
    assert.deepEqual(await c.wait(), { code: 7, signal: null });
    await c.delete();
    assert.equal(readFileSync(file, 'utf8'), 'one\ntwo\n');
    // The monitor is not Node's child: it was forked by the spawner.
    assert.equal(spawnerPids().length, 1, 'one spawner process serves the runtime');
  } finally {
    try { closeSync(fd); } catch { /* closed above */ }
    closeSync(errFd);
  }
});

test('monitors outlive the spawner; a spawner that died is replaced on the next create', async () => {
  const id = `sp-long-${suffix()}`;
  const c = await runtime.create(id, { bundle: fx.bundle, spec: dockerSpec(['sleep', '30']), io: { stdio: 'ignore' } });
  await c.start();
  const [spawner] = spawnerPids();
  assert.ok(spawner, 'the spawner runs');
  process.kill(spawner, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(c.status(), 'running', 'the container is unaffected');

  const id2 = `sp-next-${suffix()}`;
  const c2 = await runtime.create(id2, { bundle: fx.bundle, spec: dockerSpec(['true']), io: { stdio: 'ignore' } });
  await c2.start();
  assert.deepEqual(await c2.wait(), { code: 0, signal: null });
  await c2.delete();
  const now = spawnerPids();
  assert.equal(now.length, 1);
  assert.notEqual(now[0], spawner, 'a new spawner process');

  c.kill('SIGKILL');
  assert.deepEqual(await c.wait(), { code: null, signal: 'SIGKILL' });
  await c.delete();
  assert.deepEqual(readdirSync(join(fx.base, 'spawner-state')).filter((n) => !n.startsWith('.')), []);
});

test('a stdio fd that cannot be reopened fails the create clearly and leaves nothing behind', async () => {
  const id = `sp-bad-${suffix()}`;
  await assert.rejects(
    runtime.create(id, { bundle: fx.bundle, spec: dockerSpec(['true']), io: { stdio: ['ignore', 987654, 'ignore'] } }),
    /executor spawner: stdio-1/,
  );
  assert.throws(() => runtime.get(id), /does not exist/);
});
