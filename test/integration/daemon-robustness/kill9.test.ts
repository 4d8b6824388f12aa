// wharfd killed with SIGKILL while containers run, then restarted on the same root and socket:
// the running container is still running (same process) and its log continues without a gap,
// the one that exited during the downtime shows Exited (3) with the time it died, stop / rm -f /
// exec work on reattached containers, and once everything is removed nothing is left behind.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestDaemon, until, type TestDaemon } from '../docker-cli/helpers.js';
import { alive, leaks, runtimePids } from './helpers.js';

let t: TestDaemon;
before(async () => { t = await startTestDaemon(); });
after(async () => { await t?.cleanup(); });

const TICKER = 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done';

async function ticks(name: string): Promise<number[]> {
  const out = await t.ok(['logs', name]);
  return out.split('\n').filter(Boolean).map((l) => {
    const m = /^tick (\d+)$/.exec(l);
    assert.ok(m, `unexpected log line ${JSON.stringify(l)}`);
    return Number(m[1]);
  });
}

test('kill -9 of wharfd: state stays consistent and nothing leaks', async () => {
  const ticker = await t.ok(['run', '-d', '--name', 'ticker', 'busybox', 'sh', '-c', TICKER]);
  const sleeper = await t.ok(['run', '-d', '--name', 'sleeper', 'busybox', 'sleep', '60']);
  // Exits with 3 once /go exists: we create it (through the host mount of its rootfs) after the kill.
  const quitter = await t.ok(['run', '-d', '--name', 'quitter', 'busybox', 'sh', '-c', 'while [ ! -e /go ]; do sleep 0.05; done; exit 3']);
  const ids = [ticker, sleeper, quitter];
  const procs = ids.map((id) => runtimePids(t.d.execRoot, id));
  for (const p of procs) assert.ok(alive(p.pid) && alive(p.monitorPid));
  await until(async () => (await ticks('ticker')).length >= 2, 5000, 'first ticks');

  const daemonPid = t.d.pid;
  const killedAt = Date.now();
  await t.d.stop('SIGKILL');
  assert.ok(!alive(daemonPid));
  // The quitter exits while no daemon runs; the others keep running under their monitors.
  assert.ok(alive(procs[2]!.pid), 'the quitter still runs when the daemon dies');
  fs.writeFileSync(path.join(t.d.dataRoot, 'containers', quitter, 'rootfs', 'go'), '');
  const goAt = Date.now();
  await until(() => !alive(procs[2]!.pid), 5000, 'quitter to exit during the downtime');
  assert.ok(alive(procs[0]!.pid) && alive(procs[1]!.pid), 'containers outlive the daemon');
  await new Promise((r) => setTimeout(r, 500)); // more ticks pile up in the fifo meanwhile
  const restartedAt = Date.now();
  await t.restart();
  assert.notEqual(t.d.pid, daemonPid);

  // Running one: still the same process, still running.
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Status}} {{.State.Running}} {{.State.Pid}}', 'ticker']), `running true ${procs[0]!.pid}`);
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Status}} {{.State.Pid}}', 'sleeper']), `running ${procs[1]!.pid}`);
  // Exited one: exit code 3, finished during the downtime (the monitor recorded when).
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Status}} {{.State.Running}} {{.State.ExitCode}} {{.State.Pid}}', 'quitter']), 'exited false 3 0');
  const [startedAt, finishedAt] = (await t.ok(['inspect', '-f', '{{.State.StartedAt}} {{.State.FinishedAt}}', 'quitter'])).split(' ').map(Date.parse);
  assert.ok(startedAt! < killedAt, 'StartedAt kept');
  // The monitor's time of death (ms precision, maybe coarser clock: allow 50 ms), not the restart's.
  assert.ok(finishedAt! >= goAt - 50 && finishedAt! <= restartedAt, `FinishedAt ${finishedAt} lies in the downtime [${goAt}, ${restartedAt}]`);
  assert.match(await t.ok(['ps', '-a', '--filter', 'name=quitter', '--format', '{{.Status}}']), /^Exited \(3\) /);
  assert.deepEqual((await t.ok(['ps', '--format', '{{.Names}}'])).split('\n').sort(), ['sleeper', 'ticker']);
  await until(() => !alive(procs[2]!.monitorPid), 3000, 'the quitter\'s monitor to be gone');

  // Logs continue: ticks printed during the downtime and after the restart, numbered without a gap.
  const n0 = (await ticks('ticker')).length;
  await until(async () => (await ticks('ticker')).length >= n0 + 3, 5000, 'new ticks after the restart');
  const all = await ticks('ticker');
  all.forEach((n, i) => assert.equal(n, i + 1, `tick ${i + 1} is ${n}`));

  // Reattached containers stay manageable.
  assert.equal(await t.ok(['exec', 'ticker', 'echo', 'exec-ok']), 'exec-ok');
  const stop = await t.docker(['stop', '-t', '1', 'ticker']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'ticker']), 'exited 137');
  assert.ok(!alive(procs[0]!.pid));
  await t.ok(['rm', '-f', 'sleeper']);
  await assert.rejects(t.ok(['inspect', 'sleeper']), /No such (object|container)/);
  assert.ok(!alive(procs[1]!.pid));
  await t.ok(['rm', 'ticker', 'quitter']);
  assert.equal(await t.ok(['ps', '-aq']), '');

  // Nothing left while the daemon still runs: mounts, cgroups, monitors, processes, fifos.
  const pids = procs.flatMap((p) => [p.pid, p.monitorPid]);
  await until(() => leaks(t.dir, ids, pids).length === 0, 3000, 'cleanup').catch(() => {});
  assert.deepEqual(leaks(t.dir, ids, pids), []);
});

test('kill -9 twice in a row (no request in between) still reconciles', async () => {
  const id = await t.ok(['run', '-d', '--name', 'twice', 'busybox', 'sh', '-c', TICKER]);
  const p = runtimePids(t.d.execRoot, id);
  await t.d.stop('SIGKILL');
  await t.restart();
  await t.d.stop('SIGKILL');
  await t.restart();
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Status}} {{.State.Pid}}', 'twice']), `running ${p.pid}`);
  const n0 = (await ticks('twice')).length;
  await until(async () => (await ticks('twice')).length >= n0 + 2, 5000, 'ticks after the second restart');
  (await ticks('twice')).forEach((n, i) => assert.equal(n, i + 1, `tick ${i + 1} is ${n}`));
  await t.ok(['rm', '-f', 'twice']);
  assert.deepEqual(leaks(t.dir, [id], [p.pid, p.monitorPid]), []);
});
