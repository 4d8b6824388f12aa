// 200 API clients in parallel listing and inspecting (containers, images, ping) while another
// client keeps running, stopping and removing 5 containers: every answer is the expected one,
// no socket error, and the daemon keeps answering afterwards.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, test } from 'node:test';
import { Pool } from 'undici';
import { assertNoLeaks, prepareDir } from '../docker-cli/helpers.js';
import { startWharfd, type Wharfd } from '../../helpers/wharfd.js';
import { apiOk } from './helpers.js';

const CLIENTS = 200;
const CHURN_CONTAINERS = 5;
const MIN_ROUNDS = 2;
const MIN_MS = 6000;
const MAX_MS = 40_000;

let dir: string;
let d: Wharfd;
const seen = new Set<string>();

before(async () => {
  dir = await prepareDir();
  d = await startWharfd({ dir });
});

after(async () => {
  if (!d) { fs.rmSync(dir, { recursive: true, force: true }); return; }
  try {
    const list = (await apiOk(d.socket, 'GET', '/containers/json?all=1')).json<{ Id: string }[]>();
    for (const c of list) { seen.add(c.Id); await apiOk(d.socket, 'DELETE', `/containers/${c.Id}?force=1`); }
    await d.stop('SIGTERM');
    assertNoLeaks(dir, [...seen]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

async function createStarted(name: string, cmd: string[], start = true): Promise<string> {
  const { Id } = (await apiOk(d.socket, 'POST', `/containers/create?name=${name}`, { Image: 'busybox', Cmd: cmd })).json<{ Id: string }>();
  seen.add(Id);
  if (start) await apiOk(d.socket, 'POST', `/containers/${Id}/start`);
  return Id;
}

/** Sockets the daemon has open (its API connections among them). */
function daemonSockets(): number {
  let n = 0;
  for (const fd of fs.readdirSync(`/proc/${d.pid}/fd`)) {
    try { if (fs.readlinkSync(`/proc/${d.pid}/fd/${fd}`).startsWith('socket:')) n++; } catch { /* closed meanwhile */ }
  }
  return n;
}

test('200 concurrent clients list and inspect while containers start and stop', async (t) => {
  const tag = Math.random().toString(36).slice(2, 8);
  // Containers that exist throughout: their inspect must always answer 200 with their state.
  const stable = [
    await createStarted(`stable-run-${tag}`, ['sleep', '60']),
    await createStarted(`stable-new-${tag}`, ['true'], false),
  ];
  const churnCmd = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.05; done'];

  const pool = new Pool('http://localhost', { socketPath: d.socket, connections: CLIENTS, pipelining: 1, keepAliveTimeout: 30_000 });
  const counts = { requests: 0, listed: 0, inspected: 0, churnInspect404: 0 };
  const errors: string[] = [];
  let churnIds: string[] = [];
  let stop = false;
  let maxSockets = 0;

  const get = async (path: string, ok: number[] = [200]): Promise<{ status: number; body: unknown }> => {
    const res = await pool.request({ method: 'GET', path });
    const text = await res.body.text();
    counts.requests++;
    if (!ok.includes(res.statusCode)) throw new Error(`GET ${path}: ${res.statusCode} ${text.slice(0, 200)}`);
    return { status: res.statusCode, body: path === '/_ping' ? text : JSON.parse(text) };
  };

  const client = async (n: number): Promise<void> => {
    for (let i = n; !stop; i++) {
      try {
        switch (i % 5) {
          case 0: {
            const { body } = await get('/containers/json?all=1');
            assert.ok(Array.isArray(body));
            const ids = (body as { Id: string }[]).map((c) => c.Id);
            for (const id of stable) assert.ok(ids.includes(id), 'stable container missing from the list');
            counts.listed++;
            break;
          }
          case 1: {
            const id = stable[i % stable.length]!;
            const { body } = await get(`/containers/${id}/json`);
            const c = body as { Id: string; State: { Status: string } };
            assert.equal(c.Id, id);
            assert.equal(c.State.Status, id === stable[0] ? 'running' : 'created');
            counts.inspected++;
            break;
          }
          case 2: {
            const { body } = await get('/images/json');
            assert.ok((body as { RepoTags: string[] }[]).some((img) => img.RepoTags?.includes('busybox:latest')));
            break;
          }
          case 3: {
            const { body } = await get('/_ping');
            assert.equal(body, 'OK');
            break;
          }
          case 4: {
            // A churning container: it may be gone by the time we ask (404), never anything else.
            const id = churnIds[i % Math.max(1, churnIds.length)];
            if (!id) { await get('/_ping'); break; }
            const { status, body } = await get(`/containers/${id}/json`, [200, 404]);
            if (status === 404) counts.churnInspect404++;
            else assert.equal((body as { Id: string }).Id, id);
            break;
          }
        }
      } catch (err) {
        errors.push((err as Error).message);
        if (errors.length > 20) stop = true;
      }
    }
  };

  // Runs, stops and removes 5 containers per round, over its own (non-pooled) connections.
  let rounds = 0;
  const phases: Record<string, number> = {};
  const churn = async (): Promise<void> => {
    const t0 = Date.now();
    const phase = (name: string, since: number): number => { phases[name] = (phases[name] ?? 0) + Date.now() - since; return Date.now(); };
    while ((rounds < MIN_ROUNDS || Date.now() - t0 < MIN_MS) && Date.now() - t0 < MAX_MS && errors.length === 0) {
      let p = Date.now();
      const ids = await Promise.all(Array.from({ length: CHURN_CONTAINERS }, (_, k) => createStarted(`churn-${tag}-${rounds}-${k}`, churnCmd)));
      p = phase('run', p);
      churnIds = ids;
      maxSockets = Math.max(maxSockets, daemonSockets());
      p = Date.now();
      await Promise.all(ids.map((id) => apiOk(d.socket, 'POST', `/containers/${id}/stop?t=5`)));
      p = phase('stop', p);
      for (const id of ids) {
        const st = (await apiOk(d.socket, 'GET', `/containers/${id}/json`)).json<{ State: { Status: string; ExitCode: number } }>().State;
        assert.deepEqual([st.Status, st.ExitCode], ['exited', 0], `churn container ${id}`);
      }
      p = phase('inspect', p);
      await Promise.all(ids.map((id) => apiOk(d.socket, 'DELETE', `/containers/${id}`)));
      phase('rm', p);
      rounds++;
    }
  };

  const t0 = performance.now();
  const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));
  let churnError: unknown;
  try {
    await churn();
  } catch (err) {
    churnError = err;
  } finally {
    stop = true;
    await Promise.all(clients);
  }
  const secs = (performance.now() - t0) / 1000;
  await pool.close();
  const rate = counts.requests / secs;
  t.diagnostic(`${counts.requests} requests in ${secs.toFixed(1)} s = ${rate.toFixed(0)} req/s with ${CLIENTS} in flight; ` +
    `${rounds} churn rounds of ${CHURN_CONTAINERS} containers; ${counts.churnInspect404} inspects of removed churn containers (404); ` +
    `churn ms per phase ${JSON.stringify(phases)}; daemon sockets up to ${maxSockets}; RSS ${(d.rssKb() / 1024).toFixed(0)} MB`);
  if (churnError) throw churnError;
  assert.deepEqual(errors.slice(0, 5), []);
  assert.ok(rounds >= MIN_ROUNDS, `only ${rounds} churn rounds`);
  assert.ok(counts.listed > CLIENTS && counts.inspected > CLIENTS, `${counts.listed} lists, ${counts.inspected} inspects`);
  assert.ok(maxSockets >= CLIENTS, `the daemon held ${maxSockets} sockets: the clients were not all connected at once`);

  // Still answering, and the stable containers as they were.
  await apiOk(d.socket, 'GET', '/_ping');
  const after = (await apiOk(d.socket, 'GET', '/containers/json?all=1')).json<{ Id: string }[]>().map((c) => c.Id).sort();
  assert.deepEqual(after, [...stable].sort());
});
