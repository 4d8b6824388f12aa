// A clean SIGTERM of wharfd stops its containers with their stop signal (then SIGKILL after
// their stop timeout) before it exits: afterwards they are exited with 143 / 137, their processes,
// monitors and mounts are gone, and a new daemon shows that state; nothing leaks at the end.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { startTestDaemon, until, type TestDaemon } from '../docker-cli/helpers.js';
import { alive, leaks, runtimePids } from './helpers.js';

let t: TestDaemon;
before(async () => { t = await startTestDaemon(); });
after(async () => { await t?.cleanup(); });

test('SIGTERM of wharfd stops its containers cleanly', async () => {
  // With --init the SIGTERM reaches sleep, which dies of it: 143. Without, sleep is PID 1 and
  // ignores SIGTERM, so the daemon must SIGKILL it after its 1 s stop timeout: 137.
  const byTerm = await t.ok(['run', '-d', '--name', 'by-term', '--init', 'busybox', 'sleep', '60']);
  const byKill = await t.ok(['run', '-d', '--name', 'by-kill', '--stop-timeout', '1', 'busybox', 'sleep', '60']);
  const usr1 = await t.ok(['run', '-d', '--name', 'by-usr1', '--stop-signal', 'SIGUSR1', 'busybox', 'sh', '-c', 'trap "exit 10" USR1; trap "exit 99" TERM; sleep 60 & wait']);
  const ids = [byTerm, byKill, usr1];
  const procs = ids.map((id) => runtimePids(t.d.execRoot, id));
  for (const p of procs) assert.ok(alive(p.pid));

  const t0 = Date.now();
  const res = await t.d.stop('SIGTERM');
  const took = Date.now() - t0;
  assert.deepEqual(res, { code: 0, signal: null }, t.d.logs().slice(-2000));
  assert.ok(took < 8000, `shutdown took ${took} ms`);
  // Down: no container process, monitor, mount or cgroup of it is left (the fifos of containers
  // that still exist may stay: they are reused at the next start).
  const pids = procs.flatMap((p) => [p.pid, p.monitorPid]);
  await until(() => leaks(t.dir, ids, pids, false).length === 0, 3000, 'monitors to be reaped').catch(() => {});
  assert.deepEqual(leaks(t.dir, ids, pids, false), []);
  // The daemon's pool of spare stdio fifos goes with it.
  assert.equal(fs.existsSync(path.join(t.d.execRoot, 'fifo-pool')), false);

  await t.restart();
  const state = async (name: string) => t.ok(['inspect', '-f', '{{.State.Status}} {{.State.Running}} {{.State.ExitCode}}', name]);
  assert.equal(await state('by-term'), 'exited false 143');
  assert.equal(await state('by-kill'), 'exited false 137');
  // Its StopSignal (SIGUSR1) was sent, not SIGTERM: the USR1 trap's code.
  assert.equal(await state('by-usr1'), 'exited false 10');
  for (const name of ['by-term', 'by-kill', 'by-usr1']) {
    const [s, f] = (await t.ok(['inspect', '-f', '{{.State.StartedAt}} {{.State.FinishedAt}}', name])).split(' ').map(Date.parse);
    assert.ok(f! >= s! && f! >= t0 - 50 && f! <= Date.now(), `${name}: FinishedAt ${f} during the shutdown`);
  }
  assert.equal(await t.ok(['ps', '-q']), '');
  // They start again normally after the restart.
  assert.equal(await t.ok(['start', 'by-term']), 'by-term');
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Status}}', 'by-term']), 'running');
  const p2 = runtimePids(t.d.execRoot, byTerm);
  await t.ok(['rm', '-f', ...ids]);
  assert.deepEqual(leaks(t.dir, ids, [...pids, p2.pid, p2.monitorPid]), []);
});
