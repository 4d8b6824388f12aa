// Nothing of a container's networking outlives it: many create/start/remove cycles on the
// default bridge leave no veth, pinned netns, rule or lease; a daemon killed with -9 and
// restarted releases what belonged to containers that died meanwhile and serves the others.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as http from 'node:http';
import { startTestDaemon, until, type TestDaemon } from '../docker-cli/helpers.js';
import { daemonTag, leftovers, tcpRead, type Leftovers } from './helpers.js';

const CYCLES = 200;
const PARALLEL = 4;
let t: TestDaemon;

before(async () => { t = await startTestDaemon(); });

after(async () => {
  const { dataRoot, execRoot } = t.d;
  await t.cleanup();
  assert.deepEqual(leftovers(dataRoot, execRoot), { veths: [], netns: [], rules: [], leases: [] });
});

function api(method: string, urlPath: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ socketPath: t.d.socket, method, path: urlPath, headers: data ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) as unknown : null }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const ruleCount = (): number => ['filter', 'nat'].flatMap((tb) => execFileSync('iptables-save', ['-t', tb], { encoding: 'utf8' }).split('\n'))
  .filter((l) => l.includes(`-${daemonTag(t.d.dataRoot)}`)).length;

test(`${CYCLES} create/start/remove cycles on the default bridge leave no veth, netns, rule or lease`, async () => {
  let rules = -1;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < CYCLES) {
      next++;
      const c = await api('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '60'], HostConfig: { PortBindings: { '80/tcp': [{}] } } });
      assert.equal(c.status, 201, JSON.stringify(c.json));
      const id = (c.json as { Id: string }).Id;
      const s = await api('POST', `/containers/${id}/start`);
      assert.equal(s.status, 204, JSON.stringify(s.json));
      if (rules < 0) rules = ruleCount();
      const ip = ((await api('GET', `/containers/${id}/json`)).json as { NetworkSettings: { IPAddress: string } }).NetworkSettings.IPAddress;
      assert.match(ip, /^10\.\d+\.\d+\.\d+$/);
      const r = await api('DELETE', `/containers/${id}?force=1`);
      assert.equal(r.status, 204, JSON.stringify(r.json));
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  assert.equal(ruleCount(), rules, 'per-network rules only: none added per container');
  const left = await until(() => {
    const l = leftovers(t.d.dataRoot, t.d.execRoot);
    return l.veths.length + l.netns.length + l.leases.length === 0 ? l : null;
  }, 10_000, 'veths of removed containers to disappear').catch(() => leftovers(t.d.dataRoot, t.d.execRoot));
  assert.deepEqual({ ...left, rules: [] }, { veths: [], netns: [], rules: [], leases: [] });
});

test('a daemon killed with -9 and restarted cleans up after containers that died meanwhile', async () => {
  await t.ok(['run', '-d', '--name', 'keep', '-p', '80', 'busybox', 'nc', '-ll', '-p', '80', '-e', 'echo', 'kept']);
  await t.ok(['run', '-d', '--name', 'dies', '-p', '80', 'busybox', 'sleep', '300']);
  const keepId = await t.ok(['inspect', '-f', '{{.Id}}', 'keep']);
  const keepPort = Number(/:(\d+)$/.exec(await t.ok(['port', 'keep', '80/tcp']))![1]);
  const diesPid = Number(await t.ok(['inspect', '-f', '{{.State.Pid}}', 'dies']));
  assert.equal(leftovers(t.d.dataRoot, t.d.execRoot).veths.length, 2);

  await t.d.stop('SIGKILL');
  process.kill(diesPid, 'SIGKILL');
  await t.restart();

  const left = await until(() => {
    const l = leftovers(t.d.dataRoot, t.d.execRoot);
    return l.veths.length === 1 && l.netns.length === 1 ? l : null;
  }, 10_000, 'the dead container\'s veth and netns to go').catch(() => leftovers(t.d.dataRoot, t.d.execRoot)) as Leftovers;
  assert.deepEqual(left.leases, [keepId]);
  assert.equal(left.netns.length, 1);
  assert.equal(left.veths.length, 1);
  assert.equal(execFileSync('iptables-save', ['-t', 'filter'], { encoding: 'utf8' }).split('\n').filter((l) => l === `-A FORWARD -j WHARF-FWD-${daemonTag(t.d.dataRoot)}`).length, 1);
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Running}}', 'dies']), 'false');
  assert.equal(await tcpRead('127.0.0.1', keepPort), 'kept\n');
  await t.ok(['rm', '-f', 'keep', 'dies']);
});
