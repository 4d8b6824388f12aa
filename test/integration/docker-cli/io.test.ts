// stdio through the real docker CLI: logs (follow, tail, since, timestamps, stream choice,
// rotation), run -i with piped stdin, run -it and attach driven through tmux, detach keys.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { after, before, test } from 'node:test';
import { DOCKER_NEW, DOCKER_OLD, runDocker, startTestDaemon, until, type TestDaemon } from './helpers.js';

let t: TestDaemon;
const sessions: string[] = [];
before(async () => { t = await startTestDaemon(); });
after(async () => {
  for (const s of sessions) try { execFileSync('tmux', ['kill-session', '-t', s], { stdio: 'ignore' }); } catch { /* ended */ }
  await t?.cleanup();
});

function tmux(cmd: string): { name: string; send(...keys: string[]): void; screen(): string } {
  const name = `wharf-io-${process.pid}-${sessions.length}`;
  sessions.push(name);
  const env = Object.entries({ DOCKER_HOST: t.env.DOCKER_HOST!, DOCKER_CONFIG: t.env.DOCKER_CONFIG! }).map(([k, v]) => `${k}=${v}`).join(' ');
  execFileSync('tmux', ['new-session', '-d', '-s', name, '-x', '100', '-y', '30', `env ${env} ${cmd}; echo "EXIT=$?"; sleep 60`]);
  return {
    name,
    send: (...keys) => { execFileSync('tmux', ['send-keys', '-t', name, ...keys]); },
    screen: () => execFileSync('tmux', ['capture-pane', '-p', '-t', name], { encoding: 'utf8' }),
  };
}

test('logs: follow until exit, tail, timestamps, stdout/stderr selection', async () => {
  await t.ok(['run', '-d', '--name', 'lg', 'busybox', 'sh', '-c', 'for i in 1 2 3 4; do echo out$i; sleep 0.2; done; echo err1 >&2']);
  const follow = await t.docker(['logs', '-f', 'lg'], { timeoutMs: 10_000 });
  assert.equal(follow.code, 0);
  assert.equal(follow.stdout, 'out1\nout2\nout3\nout4\n', 'follow saw lines written after it started, then ended with the container');
  assert.equal(follow.stderr, 'err1\n');
  assert.equal(await t.ok(['logs', '--tail', '2', 'lg']), 'out4');
  const onlyErr = await t.docker(['logs', 'lg'], {});
  assert.equal(onlyErr.stderr, 'err1\n');
  const stamped = (await t.ok(['logs', '-t', 'lg'])).split('\n');
  assert.equal(stamped.length, 4);
  assert.match(stamped[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z out1$/);
  const future = Math.floor(Date.now() / 1000) + 3600;
  assert.equal(await t.ok(['logs', '--since', String(future), 'lg']), '');
  assert.equal(await t.ok(['logs', '--until', '2000-01-01T00:00:00Z', 'lg']), '');
  await t.ok(['rm', 'lg']);
});

test('logs -f of a running container gets new lines; newer CLI too', async () => {
  await t.ok(['run', '-d', '--name', 'ticker', 'busybox', 'sh', '-c', 'i=0; while [ $i -lt 30 ]; do i=$((i+1)); echo tick$i; sleep 0.05; done']);
  for (const cli of [DOCKER_OLD, DOCKER_NEW]) {
    const r = await runDocker(t.env, ['logs', '-f', 'ticker'], { cli, timeoutMs: 10_000 });
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim().split('\n').length, 30, `${cli}: ${r.stdout}`);
  }
  await t.ok(['rm', 'ticker']);
});

test('json-file rotation keeps max-file files of about max-size each', async () => {
  const id = await t.ok(['run', '-d', '--log-opt', 'max-size=2k', '--log-opt', 'max-file=3', 'busybox', 'sh', '-c',
    'i=0; while [ $i -lt 400 ]; do i=$((i+1)); echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done']);
  assert.equal(await t.ok(['wait', id]), '0');
  const logPath = await t.ok(['inspect', '-f', '{{.LogPath}}', id]);
  const files = [logPath, `${logPath}.1`, `${logPath}.2`];
  for (const f of files) {
    assert.ok(fs.existsSync(f), `${f} exists`);
    assert.ok(fs.statSync(f).size < 2048 + 200, `${f} is ${fs.statSync(f).size} bytes`);
  }
  assert.ok(!fs.existsSync(`${logPath}.3`), 'no fourth file');
  const lines = (await t.ok(['logs', id])).split('\n');
  assert.equal(lines[lines.length - 1], 'line-400-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
  assert.ok(lines.length < 400 && lines.length > 40, `${lines.length} lines kept`);
  assert.equal(await t.ok(['logs', '--tail', '3', id]), lines.slice(-3).join('\n'));
  await t.ok(['rm', id]);
});

test('run -i passes piped stdin and closes it at EOF', async () => {
  for (const cli of [DOCKER_OLD, DOCKER_NEW]) {
    const r = await runDocker(t.env, ['run', '-i', '--rm', 'busybox', 'sh', '-c', 'wc -l; echo done'], { cli, input: 'a\nb\nc\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '3\ndone\n');
  }
});

test('run -it through tmux: interactive shell, terminal size, exit code', async () => {
  const s = tmux('docker run -it --rm --name tty1 busybox sh');
  await until(() => s.screen().includes('/ #'), 10_000, 'shell prompt');
  s.send('echo hi-$((40+2))', 'Enter');
  await until(() => s.screen().includes('hi-42'), 5000, 'echo output');
  s.send('stty size', 'Enter');
  await until(() => /^30 100\s*$/m.test(s.screen()), 5000, 'terminal size 30x100');
  s.send('exit 7', 'Enter');
  await until(() => s.screen().includes('EXIT=7'), 5000, 'docker run exit code');
  assert.equal(await t.ok(['ps', '-a', '--filter', 'name=tty1', '--format', '{{.Names}}']), '');
});

test('attach and detach with ctrl-p ctrl-q; the container keeps running', async () => {
  await t.ok(['run', '-dit', '--name', 'att', 'busybox', 'sh']);
  const s = tmux('docker attach att');
  await new Promise((r) => setTimeout(r, 500));
  s.send('echo attached-$((1+1))', 'Enter');
  await until(() => s.screen().includes('attached-2'), 5000, 'output through attach');
  s.send('C-p', 'C-q');
  await until(() => /EXIT=\d/.test(s.screen()), 5000, 'attach to end after detach keys');
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Running}}', 'att']), 'true');
  const logs = await t.ok(['logs', 'att']);
  assert.match(logs, /attached-2/);
  await t.ok(['rm', '-f', 'att']);
});
