// linux.resources of a Docker-default config proven by effect inside containers started by the
// runtime library: memory (OOM kill), pids, cpu quota and shares, block I/O, devices, freezer.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCgroup } from '../../../src/runtime/cgroups/index.js';
import type { Container } from '../../../src/runtime/runtime.js';
import type { LinuxResources } from '../../../src/runtime/spec/types.js';
import {
  dockerSpec, makeFixture, runToEnd, settledLeftovers, sleep, startContainer, until, type Running,
} from '../../helpers/runtime-fixture.js';

const fx = makeFixture('wharf-rt-lim-');
const running: Container[] = [];
let loopDev = '';
after(async () => {
  for (const c of running) await c.delete(true).catch(() => {});
  if (loopDev) execFileSync('losetup', ['-d', loopDev]);
  fx.cleanup();
});

const M = 1 << 20;
const BUSY = 'while :; do :; done';

function withResources(args: string[], resources: LinuxResources) {
  const spec = dockerSpec(args);
  spec.linux!.resources = { ...spec.linux!.resources, ...resources };
  return spec;
}

async function start(args: string[], resources: LinuxResources): Promise<Running> {
  const r = await startContainer(fx, withResources(args, resources));
  running.push(r.container);
  return r;
}

/** Other load on a shared host must not starve the loops being measured. */
function favourFixtureParent(): void {
  openCgroup(fx.cgroupParent).update({ cpu: { shares: 262144 } });
}

async function coresUsed(cs: Container[], ms: number): Promise<number[]> {
  const u0 = cs.map((c) => c.stats().cpu.totalUsage);
  const t0 = process.hrtime.bigint();
  await sleep(ms);
  const dt = Number(process.hrtime.bigint() - t0);
  return cs.map((c, i) => (c.stats().cpu.totalUsage - u0[i]!) / dt);
}

test('a memory hog is OOM-killed at the limit and the kill is reported', async () => {
  // dd allocates one 512 MiB block and fills it from /dev/zero: far above the 64 MiB limit.
  const spec = withResources(['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=512M', 'count=1'], { memory: { limit: 64 * M, swap: 64 * M } });
  let stats: ReturnType<Container['stats']> | undefined;
  let oomKilled = false;
  const r = await runToEnd(fx, spec, async ({ container }) => {
    await container.wait();
    stats = container.stats();
    oomKilled = container.oomKilled();
  });
  assert.equal(r.signal, 'SIGKILL', `dd ended with ${JSON.stringify(r)}`);
  assert.equal(oomKilled, true, 'container.oomKilled()');
  assert.ok(stats!.memory.oomKills >= 1);
  assert.equal(stats!.memory.limit, 64 * M);
  assert.ok(stats!.memory.maxUsage! > 56 * M && stats!.memory.maxUsage! <= 64 * M, `max usage ${stats!.memory.maxUsage}`);
  // Control: the same copy in 1 MiB blocks fits and is not killed.
  const ok = await runToEnd(fx, withResources(['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1M', 'count=512'], { memory: { limit: 64 * M, swap: 64 * M } }), async ({ container }) => {
    await container.wait();
    oomKilled = container.oomKilled();
  });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(oomKilled, false);
});

test('a fork bomb stops at the pids limit', async () => {
  // The bomb runs in a child shell: a shell that cannot fork gives up, and pid 1 must survive it.
  const bomb = 'i=0; while [ $i -lt 50 ]; do sleep 60 & i=$((i+1)); done; echo started $i';
  const r = await start(['sh', '-c', `sh -c '${bomb}'; echo bomb-ended; exec sleep 60`], { pids: { limit: 10 } });
  await until(() => r.stdout().includes('bomb-ended'), 10_000, `the bomb to end: ${r.stderr()}`);
  assert.match(r.stderr(), /can't fork|Resource temporarily unavailable/i);
  assert.doesNotMatch(r.stdout(), /started 50/);
  const n = r.container.processes().length;
  assert.ok(n >= 8 && n <= 10, `${n} processes in the container`);
  const pids = r.container.stats().pids;
  assert.ok(pids.current <= 10 && pids.current >= 8, `pids.current ${pids.current}`);
  await r.container.delete(true);
});

test('a cpu quota of 0.5 caps a busy loop near half a core', async (t) => {
  const r = await start(['sh', '-c', BUSY], { cpu: { quota: 50000, period: 100000 } });
  favourFixtureParent();
  await sleep(200);
  const [cores] = await coresUsed([r.container], 1500);
  t.diagnostic(`${cores!.toFixed(2)} cores`);
  assert.ok(cores! >= 0.35 && cores! <= 0.65, `used ${cores!.toFixed(2)} cores`);
  assert.ok(r.container.stats().cpu.throttling.throttledPeriods > 0);
  await r.container.delete(true);
});

test('cpu shares 512 vs 1024 split a contended core about 1:2', async (t) => {
  const low = await start(['sh', '-c', `${BUSY} & ${BUSY}`], { cpu: { shares: 512, cpus: '0' } });
  const high = await start(['sh', '-c', `${BUSY} & ${BUSY}`], { cpu: { shares: 1024, cpus: '0' } });
  favourFixtureParent();
  await sleep(200);
  const [l, h] = await coresUsed([low.container, high.container], 1500);
  const ratio = h! / l!;
  t.diagnostic(`high ${h!.toFixed(2)} / low ${l!.toFixed(2)} cores = ${ratio.toFixed(2)}`);
  assert.ok(ratio >= 1.5 && ratio <= 2.7, `high/low = ${ratio.toFixed(2)}`);
  assert.ok(l! + h! > 0.7 && l! + h! < 1.1, `together they fill cpu 0: ${(l! + h!).toFixed(2)}`);
  await low.container.delete(true);
  await high.container.delete(true);
});

test('write bps throttles O_DIRECT writes to a device passed into the container', async () => {
  const backing = join(fx.base, 'disk.img');
  writeFileSync(backing, '');
  truncateSync(backing, 8 * M);
  loopDev = execFileSync('losetup', ['-f', '--show', backing], { encoding: 'utf8' }).trim();
  const rdev = statSync(loopDev).rdev;
  const major = (rdev >> 8) & 0xfff;
  const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
  const write = (rate?: number) => {
    const spec = withResources(['dd', 'if=/dev/zero', 'of=/dev/xvdz', 'bs=64k', 'count=32', 'oflag=direct'],
      rate ? { blockIO: { throttleWriteBpsDevice: [{ major, minor, rate }] } } : {});
    spec.linux!.devices = [{ path: '/dev/xvdz', type: 'b', major, minor, fileMode: 0o660, uid: 0, gid: 0 }];
    return spec;
  };
  let t0 = Date.now();
  const fast = await runToEnd(fx, write());
  const unthrottled = Date.now() - t0;
  assert.equal(fast.code, 0, fast.stderr);
  t0 = Date.now();
  let written = 0;
  const slow = await runToEnd(fx, write(M), async ({ container }) => {
    await container.wait();
    written = container.stats().blkio.ioServiceBytes.find((e) => e.major === major && e.minor === minor && e.op === 'Write')?.value ?? 0;
  });
  const seconds = (Date.now() - t0) / 1000;
  assert.equal(slow.code, 0, slow.stderr);
  assert.ok(seconds >= 1.5, `2 MiB at 1 MiB/s took ${seconds.toFixed(2)} s (unthrottled: ${unthrottled} ms)`);
  assert.ok(written >= 2 * M, `blkio write bytes ${written}`);
});

test('a device the cgroup does not allow cannot be opened', async () => {
  assert.ok(loopDev, 'needs the loop device of the previous test');
  const rdev = statSync(loopDev).rdev;
  const major = (rdev >> 8) & 0xfff;
  const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
  // CAP_MKNOD lets the container make the node; the device cgroup must still refuse opening it.
  const script = `mknod /tmp/blk b ${major} ${minor} && echo made; head -c 512 /tmp/blk | wc -c`;
  const denied = await runToEnd(fx, dockerSpec(['sh', '-c', script]));
  assert.match(denied.stdout, /made/);
  assert.match(denied.stderr, /\/tmp\/blk.*Operation not permitted/);
  assert.equal(denied.stdout.trim().split('\n').pop(), '0');
  // Control: allowed by a rule, the same node reads fine.
  const allowed = await runToEnd(fx, withResources(['sh', '-c', script], {
    devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major, minor, access: 'r' }],
  }));
  assert.equal(allowed.stdout.trim().split('\n').pop(), '512', allowed.stderr);
});

test('a paused container makes no progress until resumed', async () => {
  const r = await start(['sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i; done'], {});
  const count = () => {
    const out = r.stdout();
    const end = out.lastIndexOf('\n');
    return end < 0 ? 0 : Number(out.slice(out.lastIndexOf('\n', end - 1) + 1, end));
  };
  await until(() => count() > 100, 5000, 'the counter to run');
  r.container.pause();
  assert.equal(r.container.status(), 'paused');
  await sleep(50); // what was already in the pipe
  const frozenAt = count();
  await sleep(300);
  assert.equal(count(), frozenAt, 'no progress while paused');
  r.container.resume();
  assert.equal(r.container.status(), 'running');
  await until(() => count() > frozenAt + 100, 5000, 'progress after resume');
  await r.container.delete(true);
});

test('nothing is left behind by these containers', async () => {
  assert.deepEqual(await settledLeftovers(fx), { cgroupDirs: [], mounts: [], stateDirs: [], processes: [] });
});
