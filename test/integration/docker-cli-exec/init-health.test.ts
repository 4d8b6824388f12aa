// docker run --init (wharf-init as PID 1: reaps zombies, forwards signals, passes exit codes)
// and healthchecks (from the CLI flags and from the image; status, log, events, ps, filters).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { until, type TestDaemon } from '../docker-cli/helpers.js';
import { addHealthImage, startDaemonWith } from './helpers.js';

let t: TestDaemon;
before(async () => {
  t = await startDaemonWith((store) => addHealthImage(store, 'busybox-health:latest', ['CMD-SHELL', 'test -f /tmp/ok'], 100));
});
after(async () => { await t?.cleanup(); });

const health = async (name: string) => JSON.parse(await t.ok(['inspect', '-f', '{{json .State.Health}}', name])) as
  { Status: string; FailingStreak: number; Log: { ExitCode: number; Output: string; Start: string; End: string }[] } | null;

test('--init runs docker-init as PID 1 and passes the exit code through', async () => {
  const ps = await t.ok(['run', '--rm', '--init', 'busybox', 'ps', '-o', 'pid,comm']);
  assert.match(ps, /^\s*1\s+docker-init$/m);
  assert.match(ps, /^\s*\d+\s+ps$/m);
  const plain = await t.ok(['run', '--rm', 'busybox', 'ps', '-o', 'pid,comm']);
  assert.match(plain, /^\s*1\s+ps$/m);
  const r = await t.docker(['run', '--rm', '--init', 'busybox', 'sh', '-c', 'exit 5']);
  assert.equal(r.code, 5);
  const killed = await t.docker(['run', '--rm', '--init', 'busybox', 'sh', '-c', 'kill -USR1 $$; sleep 1']);
  assert.equal(killed.code, 128 + 10);
});

test('--init reaps orphaned zombies (without it they stay)', async () => {
  const cmd = ['sh', '-c', '(sleep 0.05 &); exec sleep 30'];
  await t.ok(['run', '-d', '--name', 'zombies', 'busybox', ...cmd]);
  await t.ok(['run', '-d', '--init', '--name', 'reaped', 'busybox', ...cmd]);
  const zombie = /^\s*\d+\s+Z\s+sleep$/m;
  await until(async () => zombie.test(await t.ok(['exec', 'zombies', 'ps', '-o', 'pid,stat,comm'])), 5000, 'a zombie without --init');
  await new Promise((r) => setTimeout(r, 300));
  const ps = await t.ok(['exec', 'reaped', 'ps', '-o', 'pid,stat,comm']);
  assert.doesNotMatch(ps, zombie);
  assert.match(ps, /^\s*1\s+S\s+docker-init$/m);
  await t.ok(['rm', '-f', 'zombies', 'reaped']);
});

test('--init forwards the stop signal: docker stop of a sleep is immediate', async () => {
  await t.ok(['run', '-d', '--init', '--name', 'init-stop', 'busybox', 'sleep', '60']);
  const r = await t.docker(['stop', '-t', '10', 'init-stop']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.ms < 3000, `stop took ${r.ms} ms`);
  assert.equal(await t.ok(['inspect', '-f', '{{.State.ExitCode}}', 'init-stop']), String(128 + 15));
  await t.ok(['rm', 'init-stop']);
});

test('healthcheck from the CLI: starting, unhealthy, healthy; ps status, filters, log and events', async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  await t.ok(['run', '-d', '--name', 'hc', '--health-cmd', 'test -f /tmp/ok && echo fine', '--health-interval', '100ms',
    '--health-retries', '2', 'busybox', 'sleep', '60']);
  assert.equal((await health('hc'))?.Status, 'starting');
  assert.match(await t.ok(['ps', '--filter', 'name=hc', '--format', '{{.Status}}']), /^Up .* \(health: starting\)$/);
  await until(async () => (await health('hc'))?.Status === 'unhealthy', 5000, 'unhealthy');
  assert.match(await t.ok(['ps', '--filter', 'name=hc', '--format', '{{.Status}}']), /\(unhealthy\)$/);
  assert.equal(await t.ok(['ps', '--filter', 'health=unhealthy', '--format', '{{.Names}}']), 'hc');
  const failing = await health('hc');
  assert.ok(failing!.FailingStreak >= 2);
  assert.equal(failing!.Log.at(-1)!.ExitCode, 1);
  await t.ok(['exec', 'hc', 'touch', '/tmp/ok']);
  await until(async () => (await health('hc'))?.Status === 'healthy', 5000, 'healthy');
  const h = (await health('hc'))!;
  assert.equal(h.FailingStreak, 0);
  assert.ok(h.Log.length <= 5);
  assert.deepEqual([h.Log.at(-1)!.ExitCode, h.Log.at(-1)!.Output], [0, 'fine\n']);
  assert.ok(Date.parse(h.Log.at(-1)!.End) >= Date.parse(h.Log.at(-1)!.Start));
  assert.match(await t.ok(['ps', '--filter', 'name=hc', '--format', '{{.Status}}']), /\(healthy\)$/);
  assert.equal(await t.ok(['ps', '--filter', 'health=healthy', '--format', '{{.Names}}']), 'hc');
  const events = await t.ok(['events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000) + 1),
    '--filter', 'container=hc', '--filter', 'event=health_status', '--format', '{{.Action}}']);
  assert.deepEqual(events.split('\n'), ['health_status: unhealthy', 'health_status: healthy']);
  await t.ok(['rm', '-f', 'hc']);
});

test('healthcheck from the image, --no-healthcheck, and probe timeouts', async () => {
  await t.ok(['run', '-d', '--name', 'img-hc', 'busybox-health', 'sh', '-c', 'touch /tmp/ok; sleep 60']);
  await until(async () => (await health('img-hc'))?.Status === 'healthy', 5000, 'image healthcheck healthy');
  await t.ok(['run', '-d', '--name', 'no-hc', '--no-healthcheck', 'busybox-health', 'sleep', '60']);
  assert.equal(await t.ok(['inspect', '-f', '{{json .State.Health}}', 'no-hc']), 'null');
  assert.doesNotMatch(await t.ok(['ps', '--filter', 'name=no-hc', '--format', '{{.Status}}']), /health/);
  await t.ok(['run', '-d', '--name', 'slow-hc', '--health-cmd', 'sleep 5', '--health-timeout', '100ms', '--health-interval', '50ms',
    '--health-retries', '1', 'busybox', 'sleep', '60']);
  await until(async () => (await health('slow-hc'))?.Status === 'unhealthy', 5000, 'timed-out probe');
  const last = (await health('slow-hc'))!.Log.at(-1)!;
  assert.deepEqual([last.ExitCode, last.Output], [-1, 'Health check exceeded timeout (100ms)']);
  const bad = await t.docker(['run', '-d', '--health-cmd', 'true', '--health-interval', '500us', 'busybox', 'true']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /Interval in Healthcheck cannot be less than 1ms/);
  await t.ok(['rm', '-f', 'img-hc', 'no-hc', 'slow-hc']);
});

test('after a daemon crash and restart: exec works and healthchecks resume on the running container', async () => {
  await t.ok(['run', '-d', '--name', 'survivor', '--health-cmd', 'test -f /tmp/ok', '--health-interval', '100ms', 'busybox', 'sleep', '60']);
  await t.ok(['exec', 'survivor', 'touch', '/tmp/ok']);
  await until(async () => (await health('survivor'))?.Status === 'healthy', 5000, 'healthy before the crash');
  await t.d.stop('SIGKILL');
  await t.restart();
  assert.equal(await t.ok(['exec', 'survivor', 'sh', '-c', 'tr "\\0" " " < /proc/1/cmdline']), 'sleep 60');
  await t.ok(['exec', 'survivor', 'rm', '/tmp/ok']);
  await until(async () => (await health('survivor'))?.Status === 'unhealthy', 5000, 'probes run again after the restart');
  await t.ok(['rm', '-f', 'survivor']);
});
