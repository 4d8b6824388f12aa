// State across daemon restarts: a clean stop (SIGTERM) stops containers; after kill -9 the
// running containers keep running and stay manageable (logs continue), the ones that exited
// meanwhile are marked with their exit code; restart policies apply at daemon start.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { startTestDaemon, until, type TestDaemon } from './helpers.js';

let t: TestDaemon;
before(async () => { t = await startTestDaemon(); });
after(async () => { await t?.cleanup(); });

function fetchUnix(socketPath: string, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: urlPath, method: 'POST' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };

test('kill -9 of the daemon: running containers survive and stay manageable', async () => {
  await t.ok(['run', '-d', '--name', 'survivor', 'busybox', 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo n$i; sleep 0.05; done']);
  await t.ok(['run', '-d', '--name', 'quitter', 'busybox', 'sh', '-c', 'sleep 0.5; exit 4']);
  const pid = Number(await t.ok(['inspect', '-f', '{{.State.Pid}}', 'survivor']));
  assert.ok(alive(pid));
  await t.d.stop('SIGKILL');
  await new Promise((r) => setTimeout(r, 1000)); // quitter exits while no daemon runs
  assert.ok(alive(pid), 'the container outlives the daemon');
  await t.restart();
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Status}} {{.State.Pid}}', 'survivor']), `running ${pid}`);
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'quitter']), 'exited 4');
  // Logs continue: numbers keep growing after the restart, without a gap.
  const last = async (): Promise<number> => Number((await t.ok(['logs', '--tail', '1', 'survivor'])).slice(1));
  const n0 = await last();
  await until(async () => (await last()) > n0 + 5, 5000, 'new log lines');
  const all = (await t.ok(['logs', 'survivor'])).split('\n').map((l) => Number(l.slice(1)));
  all.forEach((n, i) => assert.equal(n, i + 1, `log line ${i + 1} is n${n}`));
  const r = await t.docker(['stop', '-t', '1', 'survivor']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await t.ok(['inspect', '-f', '{{.State.ExitCode}}', 'survivor']), '137');
  assert.ok(!alive(pid));
  await t.ok(['rm', 'survivor', 'quitter']);
});

test('TTY containers survive a daemon kill -9 (stdin held open) and can still be resized after the restart', async () => {
  await t.ok(['run', '-dit', '--name', 'termy', 'busybox', 'sh']);
  // A terminal without stdin (-t, no -i) has nothing to read, which is not an end: sh stays.
  await t.ok(['run', '-dt', '--name', 'notty-in', 'busybox', 'sh']);
  await t.d.stop('SIGKILL');
  await t.restart();
  const id = await t.ok(['inspect', '-f', '{{.Id}}', 'termy']);
  // The API call the docker CLI makes on SIGWINCH (POST /containers/{id}/resize).
  const res = await fetchUnix(t.d.socket, `/containers/${id}/resize?h=33&w=77`);
  assert.equal(res.status, 200, res.body);
  assert.equal(await t.ok(['exec', 'termy', 'stty', '-F', '/proc/1/fd/0', 'size']), '33 77');
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Status}}', 'notty-in']), 'running');
  await t.ok(['rm', '-f', 'termy', 'notty-in']);
});

test('a running container that exits after the restart is noticed', async () => {
  await t.ok(['run', '-d', '--name', 'later', 'busybox', 'sh', '-c', 'while [ ! -e /tmp/go ]; do sleep 0.05; done; exit 9']);
  const merged = await t.ok(['inspect', '-f', '{{.GraphDriver.Data.MergedDir}}', 'later']);
  await t.d.stop('SIGKILL');
  await t.restart();
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Status}}', 'later']), 'running');
  const waiting = t.docker(['wait', 'later'], { timeoutMs: 15_000 });
  await new Promise((r) => setTimeout(r, 300));
  fs.writeFileSync(path.join(merged, 'tmp', 'go'), '');
  const w = await waiting;
  assert.equal(w.stdout.trim(), '9', w.stderr);
  await t.ok(['rm', 'later']);
});

test('SIGTERM of the daemon stops containers; restart policies apply at the next start', async () => {
  await t.ok(['run', '-d', '--name', 'keeper', '--restart', 'always', '--stop-timeout', '1', 'busybox', 'sleep', '60']);
  await t.ok(['run', '-d', '--name', 'graceful', 'busybox', 'sh', '-c', 'trap "exit 42" TERM; echo ready; while true; do sleep 0.05; done']);
  await until(async () => (await t.ok(['logs', 'graceful'])).includes('ready'), 5000, 'trap installed');
  const pids = await Promise.all(['keeper', 'graceful'].map(async (n) => Number(await t.ok(['inspect', '-f', '{{.State.Pid}}', n]))));
  const stopped = t.d.stop('SIGTERM');
  const res = await stopped;
  assert.equal(res.code, 0);
  for (const p of pids) assert.ok(!alive(p), `container process ${p} stopped with the daemon`);
  await t.restart();
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'graceful']), 'exited 42');
  await until(async () => (await t.ok(['inspect', '-f', '{{.State.Status}}', 'keeper'])) === 'running', 5000, 'always-policy restart');
  await t.ok(['rm', '-f', 'keeper', 'graceful']);
});
