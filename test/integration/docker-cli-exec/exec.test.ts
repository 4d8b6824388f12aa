// docker exec through the real CLIs (20.10 and the newer one): output and exit codes, stdin,
// user/env/workdir, privileged, detached, TTY through tmux, the container's namespaces and
// cgroup, exec inspect and events.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DOCKER_NEW, DOCKER_OLD, until, type TestDaemon } from '../docker-cli/helpers.js';
import { api, startDaemonWith, Tmux } from './helpers.js';

let t: TestDaemon;
before(async () => {
  t = await startDaemonWith();
  await t.ok(['run', '-d', '--name', 'ex', '--hostname', 'exhost', '-e', 'FROM_RUN=r', 'busybox', 'sleep', '300']);
});
after(async () => { await t?.cleanup(); });

for (const cli of [DOCKER_OLD, DOCKER_NEW]) {
  const tag = cli === DOCKER_OLD ? '20.10' : 'new';
  test(`exec prints output and propagates exit codes (${tag} CLI)`, async () => {
    const hi = await t.docker(['exec', 'ex', 'echo', 'hi'], { cli });
    assert.deepEqual([hi.code, hi.stdout], [0, 'hi\n'], hi.stderr);
    const err = await t.docker(['exec', 'ex', 'sh', '-c', 'echo out; echo err >&2; exit 7'], { cli });
    assert.deepEqual([err.code, err.stdout, err.stderr], [7, 'out\n', 'err\n']);
    const missing = await t.docker(['exec', 'ex', 'no-such-cmd'], { cli });
    assert.equal(missing.code, 127);
    assert.match(missing.stdout + missing.stderr, /executable file not found in \$PATH/);
    const denied = await t.docker(['exec', 'ex', '/etc/passwd'], { cli });
    assert.equal(denied.code, 126);
    assert.match(denied.stdout + denied.stderr, /permission denied/);
  });

  test(`exec -i forwards stdin until EOF (${tag} CLI)`, async () => {
    const data = Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const r = await t.docker(['exec', '-i', 'ex', 'sh', '-c', 'cat; echo done'], { cli, input: data });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, data + 'done\n');
  });
}

test('exec -u, -e and -w; the container env and hostname are inherited', async () => {
  assert.equal(await t.ok(['exec', '-u', 'nobody', 'ex', 'id', '-u']), '65534');
  assert.equal(await t.ok(['exec', '-u', '1234:5678', 'ex', 'sh', '-c', 'echo $(id -u) $(id -g)']), '1234 5678');
  assert.equal(await t.ok(['exec', '-e', 'X=1', '-w', '/tmp', 'ex', 'sh', '-c', 'echo $X $(pwd) $FROM_RUN $HOSTNAME']), '1 /tmp r exhost');
  const bad = await t.docker(['exec', '-u', 'no-such-user', 'ex', 'true']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stdout + bad.stderr, /unable to find user no-such-user/);
});

test('exec runs in the container namespaces and cgroup', async () => {
  const pid = await t.ok(['inspect', '-f', '{{.State.Pid}}', 'ex']);
  // Same pid namespace: PID 1 is the container's sleep; same UTS namespace: its hostname.
  assert.equal(await t.ok(['exec', 'ex', 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "; hostname']), 'sleep 300 exhost');
  // A detached exec is one of the container's processes (docker top lists the cgroup's pids).
  await t.ok(['exec', '-d', 'ex', 'sleep', '123']);
  const top = await until(async () => {
    const out = await t.ok(['top', 'ex']);
    return out.includes('sleep 123') ? out : '';
  }, 5000, 'detached exec in docker top');
  assert.match(top, new RegExp(`\\b${pid}\\b`));
  await t.ok(['exec', 'ex', 'pkill', '-f', 'sleep 123']).catch(() => t.ok(['exec', 'ex', 'sh', '-c', 'kill $(pidof sleep | tr " " "\\n" | grep -v "^1$")']));
});

test('exec --privileged gets capabilities the container lacks', async () => {
  // Raising priority needs CAP_SYS_NICE, which Docker's default set does not include.
  const raise = 'renice -n -5 -p $$ >/dev/null && cut -d" " -f19 /proc/$$/stat';
  const plain = await t.docker(['exec', 'ex', 'sh', '-c', raise]);
  assert.notEqual(plain.code, 0);
  assert.match(plain.stderr, /Permission denied/);
  const priv = await t.docker(['exec', '--privileged', 'ex', 'sh', '-c', raise]);
  assert.equal(priv.code, 0, priv.stderr);
  assert.equal(priv.stdout.trim(), '-5');
});

test('exec -it through tmux: a TTY sized like the terminal, input, exit code', async () => {
  for (const cli of [DOCKER_OLD, DOCKER_NEW]) {
    const tm = new Tmux(t.env, `${cli} exec -it ex sh`, { cols: 91, rows: 27 });
    try {
      await until(() => tm.screen().includes('#'), 10_000, 'shell prompt');
      tm.send('tty; echo $TERM; stty size', 'Enter');
      await until(() => /27 91/.test(tm.screen()), 15_000, 'stty size');
      assert.match(tm.screen(), /\/dev\/pts\/\d+\s+xterm/);
      tm.send('exit 4', 'Enter');
      await until(() => tm.screen().includes('EXITED='), 15_000, 'exec exit');
      assert.match(tm.screen(), /EXITED=4/);
    } finally {
      tm.kill();
    }
  }
});

test('exec inspect, events, and errors for missing execs and stopped containers', async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  const created = await api(t, 'POST', '/containers/ex/exec', { Cmd: ['sh', '-c', 'exit 3'], AttachStdout: true });
  assert.equal(created.status, 201);
  const id = (created.json as { Id: string }).Id;
  const before = (await api(t, 'GET', `/exec/${id}/json`)).json as Record<string, unknown>;
  assert.deepEqual([before.Running, before.ExitCode, before.ContainerID !== undefined], [false, null, true]);
  const started = await api(t, 'POST', `/exec/${id}/start`, { Detach: true });
  assert.equal(started.status, 200);
  const done = await until(async () => {
    const j = (await api(t, 'GET', `/exec/${id}/json`)).json as Record<string, unknown>;
    return j.Running === false && j.ExitCode !== null ? j : null;
  }, 5000, 'exec exit') as Record<string, unknown>;
  assert.equal(done.ExitCode, 3);
  assert.deepEqual(done.ProcessConfig, { arguments: ['-c', 'exit 3'], entrypoint: 'sh', privileged: false, tty: false, user: '' });
  assert.ok((done.Pid as number) > 0);
  const again = await api(t, 'POST', `/exec/${id}/start`, { Detach: true });
  assert.equal(again.status, 409);
  const events = await t.ok(['events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000) + 1),
    '--filter', 'container=ex', '--format', '{{.Action}}|{{index .Actor.Attributes "execID"}}|{{index .Actor.Attributes "exitCode"}}']);
  const mine = events.split('\n').filter((l) => l.includes(id));
  assert.deepEqual(mine, [`exec_create: sh -c exit 3|${id}|`, `exec_start: sh -c exit 3|${id}|`, `exec_die|${id}|3`]);
  assert.equal((await api(t, 'GET', '/exec/nope/json')).status, 404);
  await t.ok(['run', '-d', '--name', 'ex-stopped', 'busybox', 'true']);
  await t.ok(['wait', 'ex-stopped']);
  const stopped = await t.docker(['exec', 'ex-stopped', 'true']);
  assert.notEqual(stopped.code, 0);
  assert.match(stopped.stderr, /is not running/);
  const noCmd = await api(t, 'POST', '/containers/ex/exec', { Cmd: [] });
  assert.deepEqual([noCmd.status, (noCmd.json as { message: string }).message], [400, 'No exec command specified']);
});
