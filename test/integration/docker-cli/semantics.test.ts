// Docker semantics through the CLI: OOMKilled, 128+signal, restart policies with back-off,
// AutoRemove, and the events every action emits.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestDaemon, until, type TestDaemon } from './helpers.js';

let t: TestDaemon;
before(async () => { t = await startTestDaemon(); });
after(async () => { await t?.cleanup(); });

test('a memory hog beyond -m is OOM-killed: exit 137 and OOMKilled true', async () => {
  const r = await t.docker(['run', '-m', '32m', '--name', 'hog', 'busybox', 'sh', '-c', 'x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo survived'], { timeoutMs: 30_000 });
  assert.equal(r.code, 137, r.stderr);
  assert.doesNotMatch(r.stdout, /survived/);
  assert.equal(await t.ok(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}}', 'hog']), 'true 137');
  const small = await t.docker(['run', '-m', '32m', '--name', 'fits', 'busybox', 'sh', '-c', 'x=$(head -c 1000000 /dev/zero | tr "\\0" a); echo ${#x}']);
  assert.equal(small.stdout, '1000000\n');
  assert.equal(await t.ok(['inspect', '-f', '{{.State.OOMKilled}}', 'fits']), 'false');
  await t.ok(['rm', 'hog', 'fits']);
});

test('killed by a signal: 128+signal', async () => {
  // Not pid 1 of its own namespace (the kernel shields an init without handlers from TERM).
  await t.ok(['run', '-d', '--name', 'victim', '--pid', 'host', 'busybox', 'sleep', '30']);
  await t.ok(['kill', '-s', 'TERM', 'victim']);
  assert.equal(await t.ok(['wait', 'victim']), '143');
  await t.ok(['rm', 'victim']);
});

test('restart policy on-failure:2 retries twice with growing back-off', async () => {
  const t0 = Date.now();
  await t.ok(['run', '-d', '--name', 'flaky', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'echo attempt; exit 3']);
  await until(async () => (await t.ok(['inspect', '-f', '{{.RestartCount}} {{.State.Status}}', 'flaky'])) === '2 exited', 10_000, 'two restarts');
  assert.ok(Date.now() - t0 >= 300, 'back-off of 100 ms then 200 ms');
  assert.equal(await t.ok(['logs', 'flaky']), 'attempt\nattempt\nattempt');
  assert.equal(await t.ok(['inspect', '-f', '{{.State.ExitCode}}', 'flaky']), '3');
  await t.ok(['rm', 'flaky']);
});

test('restart policy always restarts after exit, not after docker stop', async () => {
  await t.ok(['run', '-d', '--name', 'phoenix', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.2; exit 0']);
  await until(async () => Number(await t.ok(['inspect', '-f', '{{.RestartCount}}', 'phoenix'])) >= 2, 10_000, 'restarts');
  await t.ok(['stop', '-t', '1', 'phoenix']);
  const count = await t.ok(['inspect', '-f', '{{.RestartCount}}', 'phoenix']);
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(await t.ok(['inspect', '-f', '{{.RestartCount}} {{.State.Running}}', 'phoenix']), `${count} false`);
  await t.ok(['rm', 'phoenix']);
});

test('AutoRemove: run -d --rm disappears after exit; bad restart policy combination is refused', async () => {
  const id = await t.ok(['run', '-d', '--rm', 'busybox', 'true']);
  await until(async () => (await t.docker(['inspect', id])).code !== 0, 5000, 'auto-removal');
  const bad = await t.docker(['run', '--rm', '--restart', 'always', 'busybox', 'true']);
  assert.notEqual(bad.code, 0);
});

test('events: create, start, kill, die, stop, rename, pause, unpause, destroy', async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  await t.ok(['run', '-d', '--name', 'ev', 'busybox', 'sleep', '30']);
  await t.ok(['pause', 'ev']);
  await t.ok(['unpause', 'ev']);
  await t.ok(['rename', 'ev', 'ev2']);
  await t.ok(['stop', '-t', '0', 'ev2']);
  await t.ok(['rm', 'ev2']);
  const out = await t.ok(['events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000) + 1),
    '--filter', 'type=container', '--format', '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}']);
  const actions = out.split('\n').filter((l) => /ev2? /.test(l)).map((l) => l.replace('<no value>', '').trim());
  for (const want of ['create ev', 'start ev', 'pause ev', 'unpause ev', 'rename ev2', 'kill ev2', 'die ev2 137', 'stop ev2', 'destroy ev2']) {
    assert.ok(actions.includes(want), `event "${want}" in ${JSON.stringify(actions)}`);
  }
  assert.ok(actions.indexOf('die ev2 137') < actions.indexOf('stop ev2'));
});
