// Memory and pids limits proven by effect on this (v1) host, with processes the tests start.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newCgroup, runIn, cleanup, until, TEST_PARENT } from './helpers.js';

after(cleanup);

const M = 1 << 20;
const node = process.execPath;
/** Allocates `mib` MiB in touched 1 MiB buffers, reporting progress; then waits. */
const hog = (mib: number) => `exec ${node} -e '
  const bufs = [];
  for (let i = 1; i <= ${mib}; i++) { bufs.push(Buffer.alloc(1 << 20, 1)); if (i % 8 === 0) process.stdout.write(i + "\\n"); }
  console.log("allocated"); setInterval(() => {}, 1000);'`;

test('a memory hog is OOM-killed at the limit and the kill is reported', async () => {
  const cg = newCgroup('oom');
  cg.create({ memory: { limit: 128 * M, swap: 128 * M } });
  const p = await runIn(cg, hog(512));
  const { signal } = await p.exited;
  assert.equal(signal, 'SIGKILL', `expected an OOM kill; stdout tail: ${p.stdout().slice(-100)}`);
  assert.doesNotMatch(p.stdout(), /allocated/);
  const reached = Math.max(...p.stdout().trim().split('\n').map(Number));
  assert.ok(reached >= 32 && reached < 128, `allocated ${reached} MiB before the kill`);
  const s = cg.stats();
  assert.ok(cg.oomKillCount() >= 1, 'oom kill counted');
  assert.equal(s.memory.oomKills, cg.oomKillCount());
  assert.equal(s.memory.limit, 128 * M);
  assert.ok(s.memory.maxUsage! > 120 * M && s.memory.maxUsage! <= 128 * M, `max usage ${s.memory.maxUsage} is at the limit`);
  cg.destroy();
});

test('update() raises the memory limit live and refuses to lower it below usage', async () => {
  const cg = newCgroup('update');
  cg.create({ memory: { limit: 48 * M, swap: 48 * M } });
  cg.update({ memory: { limit: 256 * M, swap: 256 * M } });
  const p = await runIn(cg, hog(120));
  // 120 MiB + node itself would not fit under the original 48 MiB.
  await until(() => p.stdout().includes('allocated'), 15_000, 'the allocation to finish');
  assert.ok(cg.stats().memory.usage > 120 * M);

  assert.throws(() => cg.update({ memory: { limit: 32 * M, swap: 32 * M } }),
    /linux\.resources\.memory\.limit to 33554432: it is below the memory the container already uses/);
  // The process is untouched and the old limit stays.
  process.kill(p.pid, 0);
  assert.equal(cg.oomKillCount(), 0);
  assert.equal(cg.stats().memory.limit, 256 * M);

  // Lowering to something that fits is fine; then the process can no longer grow past it.
  cg.update({ memory: { limit: 200 * M, swap: 200 * M } });
  assert.equal(cg.stats().memory.limit, 200 * M);
  cg.destroy();
  const { signal } = await p.exited;
  assert.equal(signal, 'SIGKILL');
});

test('a fork loop stops at pids limit 10 with EAGAIN', async () => {
  const cg = newCgroup('pids');
  cg.create({ pids: { limit: 10 } });
  const p = await runIn(cg, 'i=0; while [ $i -lt 50 ]; do sleep 30 & i=$((i+1)); done; echo started $i', ['busybox', 'sh']);
  await until(() => /Resource temporarily unavailable/.test(p.stderr()), 10_000, 'fork to fail');
  assert.doesNotMatch(p.stdout(), /started 50/);
  const n = cg.pids().length;
  assert.ok(n >= 8 && n <= 10, `${n} processes in the cgroup`);
  assert.ok(cg.stats().pids.current <= 10);
  assert.equal(cg.stats().pids.limit, 10);
  cg.destroy();
  assert.equal(cg.exists(), false);
});

test('a bad value fails create with the field and file named, leaving no directory', () => {
  const parent = `${TEST_PARENT}-bad`;
  const cg = newCgroup('bad', parent);
  assert.throws(() => cg.create({ pids: { limit: 5 }, cpu: { cpus: '999' } }),
    (e: Error) => /linux\.resources\.cpu\.cpus/.test(e.message) && /cpuset\.cpus/.test(e.message));
  assert.equal(cg.exists(), false);
  assert.equal(fs.existsSync(path.join('/sys/fs/cgroup/pids', parent)), false, 'the parent created for it is gone too');
  cg.destroy();
});

test('destroy() kills what is left, removes every dir and is idempotent', async () => {
  const cg = newCgroup('destroy');
  cg.create({ memory: { limit: 64 * M } });
  const p = await runIn(cg, '(sleep 30 &); exec sleep 30');
  await until(() => cg.pids().length === 2, 5000, 'two sleeps');
  const dirs = cg.dirs();
  assert.ok(dirs.some((d) => d.startsWith('/sys/fs/cgroup/unified/')), 'hybrid: a unified cgroup too');
  assert.ok(dirs.every((d) => fs.existsSync(d)));
  fs.mkdirSync(path.join(dirs[0]!, 'nested'));
  cg.destroy();
  assert.ok(dirs.every((d) => !fs.existsSync(d)), 'no dir left');
  assert.equal(cg.exists(), false);
  cg.destroy();
  assert.equal((await p.exited).signal, 'SIGKILL');
});
