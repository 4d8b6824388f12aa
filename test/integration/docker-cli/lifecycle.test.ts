// Container lifecycle through the real docker CLI (Debian's 20.10, API 1.41): run, ps with
// --format and filters, inspect, wait, kill -s, stop timing, rm -f, rename, pause/unpause.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestDaemon, until, type TestDaemon } from './helpers.js';

let t: TestDaemon;
before(async () => { t = await startTestDaemon(); });
after(async () => { await t?.cleanup(); });

test('run --rm prints the output, propagates the exit code and removes the container', async () => {
  const r = await t.docker(['run', '--rm', '--name', 'rm-hi', 'busybox', 'echo', 'hi']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hi\n');
  const code = await t.docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo err >&2; exit 3']);
  assert.equal(code.code, 3);
  assert.equal(code.stderr, 'err\n');
  assert.equal(await t.ok(['ps', '-a', '--filter', 'name=rm-hi', '--format', '{{.Names}}']), '');
});

test('start failures: 127 for a missing command, 126 for a non-executable one', async () => {
  const missing = await t.docker(['run', '--rm', 'busybox', 'no-such-command']);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /executable file not found in \$PATH/);
  const denied = await t.docker(['run', '--name', 'denied', 'busybox', '/etc/passwd']);
  assert.equal(denied.code, 126);
  assert.match(denied.stderr, /permission denied/);
  assert.equal(await t.ok(['inspect', '-f', '{{.State.ExitCode}} {{.State.Status}}', 'denied']), '126 created');
  await t.ok(['rm', 'denied']);
});

test('run -d, ps --format with filters, inspect -f, wait', async () => {
  const id = await t.ok(['run', '-d', '--name', 'lc-a', '--label', 'tier=web', 'busybox', 'sleep', '30']);
  assert.match(id, /^[0-9a-f]{64}$/);
  await t.ok(['run', '--name', 'lc-b', '--label', 'tier=db', 'busybox', 'sh', '-c', 'exit 2']).catch(() => {});
  const running = await t.ok(['ps', '--format', '{{.Names}} {{.Status}}']);
  assert.match(running, /^lc-a Up /m);
  assert.doesNotMatch(running, /lc-b/);
  assert.match(await t.ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}']), /^lc-b Exited \(2\) /m);
  assert.equal(await t.ok(['ps', '-a', '--filter', 'label=tier=db', '--format', '{{.Names}}']), 'lc-b');
  assert.equal(await t.ok(['ps', '-a', '--filter', 'exited=2', '--format', '{{.Names}}']), 'lc-b');
  assert.equal(await t.ok(['ps', '--filter', 'status=running', '--filter', 'name=lc-', '--format', '{{.Names}}']), 'lc-a');
  assert.equal(await t.ok(['ps', '-a', '--filter', `id=${id.slice(0, 10)}`, '--format', '{{.ID}}']), id.slice(0, 12));
  assert.equal(await t.ok(['ps', '-a', '--filter', 'since=lc-a', '--filter', 'name=lc-', '--format', '{{.Names}}']), 'lc-b');
  assert.equal(await t.ok(['ps', '-a', '--filter', 'before=lc-b', '--filter', 'name=lc-', '--format', '{{.Names}}']), 'lc-a');
  assert.match(await t.ok(['ps', '-a', '--filter', 'ancestor=busybox', '--format', '{{.Names}}']), /lc-a/);
  assert.equal(await t.ok(['inspect', '-f', '{{.State.ExitCode}} {{.Config.Labels.tier}} {{.Name}}', 'lc-b']), '2 db /lc-b');
  // ID prefix lookup
  assert.equal(await t.ok(['inspect', '-f', '{{.Name}}', id.slice(0, 8)]), '/lc-a');
  assert.equal(await t.ok(['wait', 'lc-b']), '2');
  await t.ok(['rm', '-f', 'lc-a', 'lc-b']);
  assert.equal(await t.ok(['ps', '-a', '--filter', 'name=lc-', '--format', '{{.Names}}']), '');
});

test('kill -s delivers the signal; kill without -s gives 137', async () => {
  await t.ok(['run', '-d', '--name', 'sig', 'busybox', 'sh', '-c', 'trap "echo got-usr1" USR1; echo ready; while true; do sleep 0.05; done']);
  await until(async () => (await t.ok(['logs', 'sig'])).includes('ready'), 5000, 'ready');
  await t.ok(['kill', '-s', 'USR1', 'sig']);
  await until(async () => (await t.ok(['logs', 'sig'])).includes('got-usr1'), 5000, 'trap output');
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Running}}', 'sig']), 'true');
  await t.ok(['kill', 'sig']);
  assert.equal(await t.ok(['wait', 'sig']), '137');
  await t.ok(['rm', 'sig']);
});

test('stop: SIGTERM-ignoring process is killed after -t; a handler exits at once', async () => {
  await t.ok(['run', '-d', '--name', 'stubborn', 'busybox', 'sleep', '60']);
  const r = await t.docker(['stop', '-t', '1', 'stubborn']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.ms >= 950, `stop returned after ${r.ms} ms, before the timeout`);
  assert.ok(r.ms < 5000, `stop took ${r.ms} ms`);
  assert.equal(await t.ok(['inspect', '-f', '{{.State.ExitCode}}', 'stubborn']), '137');
  await t.ok(['run', '-d', '--name', 'polite', 'busybox', 'sh', '-c', 'trap "exit 42" TERM; echo ready; while true; do sleep 0.05; done']);
  await until(async () => (await t.ok(['logs', 'polite'])).includes('ready'), 5000, 'trap installed');
  const p = await t.docker(['stop', '-t', '10', 'polite']);
  assert.equal(p.code, 0);
  assert.ok(p.ms < 3000, `stop of a handling process took ${p.ms} ms`);
  assert.equal(await t.ok(['inspect', '-f', '{{.State.ExitCode}}', 'polite']), '42');
  await t.ok(['rm', 'stubborn', 'polite']);
});

test('rm refuses a running container without -f; rm -f kills it', async () => {
  await t.ok(['run', '-d', '--name', 'busy', 'busybox', 'sleep', '60']);
  const r = await t.docker(['rm', 'busy']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /cannot remove a running container/);
  await t.ok(['rm', '-f', 'busy']);
  assert.equal(await t.ok(['ps', '-a', '--filter', 'name=busy', '--format', '{{.Names}}']), '');
});

test('rename, and names stay unique', async () => {
  await t.ok(['create', '--name', 'old-name', 'busybox', 'true']);
  await t.ok(['rename', 'old-name', 'new-name']);
  assert.equal(await t.ok(['inspect', '-f', '{{.Name}}', 'new-name']), '/new-name');
  const dup = await t.docker(['create', '--name', 'new-name', 'busybox', 'true']);
  assert.notEqual(dup.code, 0);
  assert.match(dup.stderr, /Conflict\. The container name "\/new-name" is already in use/);
  const gen = await t.ok(['create', 'busybox', 'true']);
  assert.match(await t.ok(['inspect', '-f', '{{.Name}}', gen]), /^\/[a-z]+_[a-z]+\d?$/);
  await t.ok(['rm', 'new-name', gen]);
});

test('pause freezes the processes, unpause resumes them', async () => {
  await t.ok(['run', '-d', '--name', 'counter', 'busybox', 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /tmp/n; sleep 0.02; done']);
  await new Promise((r) => setTimeout(r, 200));
  await t.ok(['pause', 'counter']);
  assert.match(await t.ok(['ps', '--filter', 'name=counter', '--format', '{{.Status}}']), /\(Paused\)$/);
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Status}}', 'counter']), 'paused');
  // While paused nothing runs; reading the file through the rootfs mount shows no progress.
  const dir = await t.ok(['inspect', '-f', '{{.GraphDriver.Data.MergedDir}}', 'counter']);
  const { readFileSync } = await import('node:fs');
  const n1 = readFileSync(`${dir}/tmp/n`, 'utf8');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(readFileSync(`${dir}/tmp/n`, 'utf8'), n1);
  await t.ok(['unpause', 'counter']);
  await until(() => readFileSync(`${dir}/tmp/n`, 'utf8') !== n1, 3000, 'progress after unpause');
  await t.ok(['rm', '-f', 'counter']);
});

test('restart runs the container again; prune removes stopped ones', async () => {
  await t.ok(['run', '-d', '--name', 'again', 'busybox', 'sh', '-c', 'echo run; sleep 60']);
  await t.ok(['restart', '-t', '0', 'again']);
  await until(async () => (await t.ok(['logs', 'again'])).split('\n').length === 2, 5000, 'second run output');
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Running}}', 'again']), 'true');
  await t.ok(['create', '--name', 'prunable', 'busybox', 'true']);
  const out = await t.ok(['container', 'prune', '-f']);
  assert.match(out, /Deleted Containers:/);
  assert.equal(await t.ok(['ps', '-a', '--filter', 'name=prunable', '--format', '{{.Names}}']), '');
  assert.equal(await t.ok(['ps', '--filter', 'name=again', '--format', '{{.Names}}']), 'again');
  await t.ok(['rm', '-f', 'again']);
});

test('bad input: clear errors, exit 125, nothing created', async () => {
  const before = await t.ok(['ps', '-aq']);
  for (const [args, message] of [
    [['-m', '1m'], /Minimum memory limit allowed is 6MB/],
    [['--log-opt', 'max-size=abc'], /invalid value for log option max-size: abc/],
    [['--network', 'nonet'], /network nonet not found/],
    [['--network', 'container:nobody'], /No such container: nobody/],
  ] as const) {
    const r = await t.docker(['run', ...args, 'busybox', 'true']);
    assert.equal(r.code, 125, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  const noImage = await t.docker(['create', 'no-such-image-here']);
  assert.notEqual(noImage.code, 0);
  assert.equal(await t.ok(['ps', '-aq']), before);
});

test('container:<x> modes share the other container\'s namespaces; stop works on a paused container', async () => {
  await t.ok(['run', '-d', '--name', 'owner', 'busybox', 'sleep', '60']);
  const pid = await t.ok(['inspect', '-f', '{{.State.Pid}}', 'owner']);
  const { readlinkSync } = await import('node:fs');
  const out = await t.ok(['run', '--rm', '--network', 'container:owner', '--pid', 'container:owner', 'busybox', 'sh', '-c', 'readlink /proc/self/ns/net; cat /proc/1/comm']);
  assert.equal(out, `${readlinkSync(`/proc/${pid}/ns/net`)}\nsleep`);
  await t.ok(['pause', 'owner']);
  const r = await t.docker(['stop', '-t', '1', 'owner']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.Paused}}', 'owner']), 'exited 137 false');
  await t.ok(['rm', 'owner']);
});
