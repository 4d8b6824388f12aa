// CPU quota and shares proven by measured usage of busy loops the tests start.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openCgroup, type Cgroup } from '../../../src/runtime/cgroups/index.js';
import { newCgroup, runIn, cleanup, sleep, TEST_PARENT } from './helpers.js';

after(cleanup);

const BUSY = 'while :; do :; done';

/**
 * Give the tests' parent cgroup the top cpu weight so that other load on a shared host does not
 * starve the loops being measured (the parent goes away with its last child).
 */
function favourTestParent(): void {
  openCgroup(TEST_PARENT).update({ cpu: { shares: 262144 } });
}

/** CPU cores used by each cgroup over `ms` (cpuacct usage delta / wall time). */
async function coresUsed(cgs: Cgroup[], ms: number): Promise<number[]> {
  const u0 = cgs.map((c) => c.stats().cpu.totalUsage);
  const t0 = process.hrtime.bigint();
  await sleep(ms);
  const dt = Number(process.hrtime.bigint() - t0);
  return cgs.map((c, i) => (c.stats().cpu.totalUsage - u0[i]!) / dt);
}

test('cpu quota 50000/100000 caps a busy loop near half a core', async (t) => {
  const cg = newCgroup('quota');
  cg.create({ cpu: { quota: 50000, period: 100000 } });
  favourTestParent();
  await runIn(cg, BUSY);
  await sleep(200);
  const [cores] = await coresUsed([cg], 1500);
  t.diagnostic(`${cores!.toFixed(2)} cores`);
  assert.ok(cores! >= 0.35 && cores! <= 0.65, `used ${cores!.toFixed(2)} cores`);
  const thr = cg.stats().cpu.throttling;
  assert.ok(thr.throttledPeriods > 0 && thr.throttledTime > 0, 'throttling reported');
  assert.ok(thr.periods >= thr.throttledPeriods);
  cg.destroy();
});

test('shares 512 vs 1024 split a contended cpu about 1:2', async (t) => {
  const low = newCgroup('shares-low');
  const high = newCgroup('shares-high');
  low.create({ cpu: { shares: 512, cpus: '0' } });
  high.create({ cpu: { shares: 1024, cpus: '0' } });
  favourTestParent();
  // Two loops each, all pinned to cpu 0.
  for (const cg of [low, high]) await runIn(cg, `${BUSY} & ${BUSY}`);
  await sleep(200);
  const [l, h] = await coresUsed([low, high], 1500);
  const ratio = h! / l!;
  t.diagnostic(`high ${h!.toFixed(2)} / low ${l!.toFixed(2)} cores = ${ratio.toFixed(2)}`);
  assert.ok(ratio >= 1.5 && ratio <= 2.7, `high/low = ${ratio.toFixed(2)} (${h!.toFixed(2)} vs ${l!.toFixed(2)} cores)`);
  assert.ok(l! + h! > 0.7 && l! + h! < 1.1, `together they fill cpu 0, no more: ${(l! + h!).toFixed(2)} cores`);
  const perCpu = high.stats().cpu.perCpuUsage!;
  assert.ok(perCpu[0]! > 0 && perCpu.slice(1).every((v) => v === 0), `pinned to cpu 0: ${perCpu}`);
  low.destroy();
  high.destroy();
});
