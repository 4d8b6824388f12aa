// docker stats, top and update through the real CLIs, with limits proven by their effect
// (an OOM kill after `update -m`, a fork failure after `update --pids-limit`).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DOCKER_NEW, DOCKER_OLD, type TestDaemon } from '../docker-cli/helpers.js';
import { api, startDaemonWith } from './helpers.js';

let t: TestDaemon;
before(async () => { t = await startDaemonWith(); });
after(async () => { await t?.cleanup(); });

/** Allocates ~100 MB of memory in the container (a pipe through `tail` buffers it all). */
const HOG = ['sh', '-c', 'head -c 100000000 /dev/zero | tail > /dev/null'];

type Stats = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test('stats --no-stream shows the memory limit; the API shapes match Docker (one-shot, stream, stopped)', async () => {
  await t.ok(['run', '-d', '--name', 'st', '-m', '32m', 'busybox', 'sleep', '60']);
  for (const cli of [DOCKER_OLD, DOCKER_NEW]) {
    const out = await t.ok(['stats', '--no-stream', 'st'], { cli });
    const [header, row] = out.split('\n');
    assert.match(header!, /MEM USAGE \/ LIMIT/);
    assert.match(row!, /^[0-9a-f]{12}\s+st\s+\d+\.\d+%\s+[\d.]+[KM]iB \/ 32MiB\s+/);
    assert.match(row!, /\s1$/); // PIDS
  }
  const one = (await api(t, 'GET', '/containers/st/stats?stream=false&one-shot=true')).json as Stats;
  assert.equal(one.name, '/st');
  assert.equal(one.memory_stats.limit, 32 * 1024 * 1024);
  assert.ok(one.memory_stats.usage > 0 && one.memory_stats.usage < 32 * 1024 * 1024);
  assert.equal(typeof one.memory_stats.stats, 'object');
  assert.ok(one.cpu_stats.cpu_usage.total_usage > 0);
  assert.ok(one.cpu_stats.system_cpu_usage > 0 && one.cpu_stats.online_cpus >= 1);
  assert.equal(one.precpu_stats.cpu_usage.total_usage, 0);
  assert.equal(one.preread, '0001-01-01T00:00:00Z');
  assert.equal(one.pids_stats.current, 1);
  // Without one-shot a second reading a second later fills precpu.
  const two = (await api(t, 'GET', '/containers/st/stats?stream=false')).json as Stats;
  assert.ok(two.precpu_stats.system_cpu_usage > 0);
  assert.ok(Date.parse(two.read) - Date.parse(two.preread) >= 900);
  // Streaming: one JSON document per line, each with the previous reading as precpu.
  const lines = await streamLines(t.d.socket, '/containers/st/stats', 2);
  assert.equal(lines.length, 2);
  assert.equal(lines[1]!.preread, lines[0]!.read);
  await t.ok(['stop', '-t', '0', 'st']);
  const stopped = (await api(t, 'GET', '/containers/st/stats?stream=false')).json as Stats;
  assert.deepEqual([stopped.read, stopped.memory_stats, stopped.pids_stats], ['0001-01-01T00:00:00Z', {}, {}]);
  assert.equal((await api(t, 'GET', '/containers/nope/stats?stream=false')).status, 404);
  await t.ok(['rm', 'st']);
});

test('top lists the container processes like ps -ef; ps_args are passed to ps', async () => {
  await t.ok(['run', '-d', '--name', 'tp', 'busybox', 'sh', '-c', 'sleep 61 & sleep 62; echo']);
  const pid = await t.ok(['inspect', '-f', '{{.State.Pid}}', 'tp']);
  const out = await t.ok(['top', 'tp']);
  const lines = out.split('\n');
  assert.match(lines[0]!, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
  assert.equal(lines.length, 4, out);
  assert.match(out, new RegExp(`^root\\s+${pid}\\s.*sh -c sleep 61 & sleep 62; echo$`, 'm'));
  assert.match(out, /sleep 61$/m);
  assert.match(out, /sleep 62$/m);
  const custom = await t.ok(['top', 'tp', '-o', 'pid,comm'], { cli: DOCKER_NEW });
  assert.deepEqual(custom.split('\n').slice(1).map((l) => l.trim().split(/\s+/)[1]).sort(), ['sh', 'sleep', 'sleep']);
  await t.ok(['stop', '-t', '0', 'tp']);
  const r = await t.docker(['top', 'tp']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /is not running/);
  await t.ok(['rm', 'tp']);
});

test('update -m on a running container: a 100 MB hog is then OOM-killed', async () => {
  await t.ok(['run', '-d', '--name', 'up', '-m', '256m', 'busybox', 'sleep', '60']);
  const fits = await t.docker(['exec', 'up', ...HOG]);
  assert.equal(fits.code, 0, 'the hog fits in 256m');
  // Docker's rule: a memory limit above the current swap limit needs --memory-swap too.
  const conflict = await t.docker(['update', '-m', '600m', 'up']);
  assert.notEqual(conflict.code, 0);
  assert.match(conflict.stderr, /Memory limit should be smaller than already set memoryswap limit/);
  await t.ok(['update', '-m', '64m', '--memory-swap', '64m', 'up']);
  assert.equal(await t.ok(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}', 'up']), `${64 << 20} ${64 << 20}`);
  const killed = await t.docker(['exec', 'up', ...HOG]);
  assert.equal(killed.code, 137, 'the hog is killed by the OOM killer');
  const stats = (await api(t, 'GET', '/containers/up/stats?stream=false&one-shot=true')).json as Stats;
  assert.equal(stats.memory_stats.limit, 64 << 20);
  // The peak reached the new limit (v1 max_usage; failcnt stays 0 on recent kernels).
  assert.ok(stats.memory_stats.max_usage >= 60 << 20, `max_usage ${stats.memory_stats.max_usage}`);
  await t.ok(['rm', '-f', 'up']);
});

test('update of a stopped container applies at start; --pids-limit and --restart live', async () => {
  await t.ok(['create', '--name', 'later', 'busybox', 'sleep', '60']);
  await t.ok(['update', '-m', '64m', '--memory-swap', '64m', 'later']);
  await t.ok(['start', 'later']);
  assert.equal((await t.docker(['exec', 'later', ...HOG])).code, 137);
  await t.ok(['update', '--pids-limit', '4', '--restart', 'on-failure:3', 'later']);
  const fork = await t.docker(['exec', 'later', 'sh', '-c', 'for i in 1 2 3 4 5 6; do sleep 1 & done; wait']);
  assert.notEqual(fork.code, 0);
  assert.match(fork.stderr, /can't fork|Resource temporarily unavailable/);
  assert.equal(await t.ok(['inspect', '-f', '{{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}', 'later']), '4 on-failure:3');
  const bad = await t.docker(['update', '--cpus', '1', '--cpu-period', '50000', 'later']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /Conflicting options/);
  const ev = await t.ok(['events', '--since', '30s', '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'container=later', '--filter', 'event=update', '--format', '{{.Action}}']);
  assert.deepEqual(ev.split('\n'), ['update', 'update']);
  await t.ok(['rm', '-f', 'later']);
});

/** Reads `n` JSON lines of a streaming endpoint, then hangs up. */
async function streamLines(socketPath: string, urlPath: string, n: number): Promise<Stats[]> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path: urlPath }, (res) => {
      let buf = '';
      const out: Stats[] = [];
      res.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        for (let nl = buf.indexOf('\n'); nl >= 0 && out.length < n; nl = buf.indexOf('\n')) {
          out.push(JSON.parse(buf.slice(0, nl)) as Stats);
          buf = buf.slice(nl + 1);
        }
        if (out.length >= n) { req.destroy(); resolve(out); }
      });
    });
    req.on('error', reject);
  });
}
