// 200 create/start/wait/delete cycles of /bin/true through the runtime library leak no cgroup,
// mount, process, state directory or file descriptor.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dockerSpec, fdCount, makeFixture, settledLeftovers, sleep } from '../../helpers/runtime-fixture.js';

const fx = makeFixture('wharf-rt-cyc-');
after(() => fx.cleanup());

const CYCLES = 200;

async function cycle(i: number, spec: ReturnType<typeof dockerSpec>): Promise<number> {
  const c = await fx.runtime.create(`cycle-${i}`, { bundle: fx.bundle, spec, io: { stdio: 'ignore' } });
  await c.start();
  const exit = await c.wait();
  assert.deepEqual(exit, { code: 0, signal: null }, `cycle ${i}`);
  await c.delete();
  return c.pid;
}

/** The fd count once it is stable: node closes the pipes of an exited monitor a little later. */
async function settledFdCount(): Promise<number> {
  const end = Date.now() + 2000;
  let n = fdCount();
  for (;;) {
    await sleep(50);
    const m = fdCount();
    if (m === n || Date.now() > end) return m;
    n = m;
  }
}

test(`${CYCLES} create/start/delete cycles leak nothing`, async (t) => {
  const spec = dockerSpec(['/bin/true']);
  for (let i = 0; i < 3; i++) await cycle(-1 - i, spec); // warm-up: seccomp compile, lazy loads
  const fdsBefore = await settledFdCount();
  const mountLines = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(fx.base)).length;
  const pids = new Set<number>();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CYCLES; i++) pids.add(await cycle(i, spec));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  t.diagnostic(`${CYCLES} cycles in ${ms.toFixed(0)} ms: ${(ms / CYCLES).toFixed(1)} ms per create+start+wait+delete`);
  assert.equal(pids.size > 1, true, 'each cycle made a new process');
  assert.deepEqual(await settledLeftovers(fx), { cgroupDirs: [], mounts: [], stateDirs: [], processes: [] });
  assert.equal(mountLines(), 0);
  const fdsAfter = await settledFdCount();
  assert.ok(fdsAfter <= fdsBefore, `open file descriptors: ${fdsBefore} before, ${fdsAfter} after`);
});
