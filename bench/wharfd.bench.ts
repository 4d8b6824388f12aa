// wharfd driven by the docker CLI: `run --rm busybox true` (--network none and the default
// network), 50 detached containers in sequence, daemon and monitor memory with 50 running; the
// daemon-side cost of a run (API calls made in process, without the CLI's own startup); dockerd
// and podman side by side when they run here; then where the engine's milliseconds go
// (see wharfd-profile.ts). WHARF_BENCH_RUNS sets the runs per row (default 20).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { Pool } from 'undici';
import { buildBusyboxImage, ImageStore } from '../src/image/index.js';
import { makeTempDir, processMemory, startWharfd, type Wharfd } from '../test/helpers/wharfd.js';
import { WHARFD_NODE_ENV, WHARFD_NODE_FLAGS } from '../src/daemon/node-flags.js';
import { cpuOfPid, dockerdMissing, measure, median, printTable, runTool, skipped, which, type Row } from './lib.js';
import { profileEngine } from './wharfd-profile.js';

const RUNS = Number(process.env.WHARF_BENCH_RUNS ?? 20);
const DETACHED = 50;
const DOCKER = '/usr/bin/docker';
const NEWER_DOCKER = '/usr/local/bin/docker';

const docker = (env: NodeJS.ProcessEnv, args: string[], bin = DOCKER): Promise<string> => runTool(bin, args, env);
const cpuOf = cpuOfPid;

/** measure() plus the daemon's CPU time per run in the note. */
async function withCpu(d: Wharfd, name: string, runs: number, fn: () => Promise<unknown>, note = ''): Promise<Row> {
  const c0 = cpuOf(d.pid);
  const row = await measure(name, runs, fn);
  const cpu = (cpuOf(d.pid) - c0) / (runs + 2);
  return { ...row, note: `daemon cpu ${cpu.toFixed(0)} ms/run${note ? '; ' + note : ''}` };
}

const mb = (kb: number): string => (kb / 1024).toFixed(1);

/** Mounts under `dir` and cgroup directories of `ids`: what a clean teardown leaves (nothing). */
function leftovers(dir: string, ids: string[]): string[] {
  const out = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(dir)).map((l) => `mount ${l.split(' ')[4]}`);
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    for (const id of ids) if (fs.existsSync(path.join('/sys/fs/cgroup', h, 'wharf', id))) out.push(`cgroup ${h}/wharf/${id}`);
  }
  return out;
}

/** create + start + wait + remove over the API, as `docker run --rm` does, without the CLI. */
function apiRun(pool: Pool, phases: Record<string, number[]>, networkMode: string): () => Promise<void> {
  const call = async (method: 'GET' | 'POST' | 'DELETE', p: string, body?: unknown): Promise<{ status: number; text: () => Promise<string> }> => {
    const res = await pool.request({ method, path: p, body: body === undefined ? undefined : JSON.stringify(body), headers: body === undefined ? {} : { 'content-type': 'application/json' } });
    return { status: res.statusCode, text: () => res.body.text() };
  };
  return async () => {
    const t0 = performance.now();
    const created = await call('POST', '/v1.41/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: networkMode } });
    const { Id } = JSON.parse(await created.text()) as { Id: string };
    if (created.status !== 201) throw new Error(`create: ${created.status}`);
    const t1 = performance.now();
    const wait = await call('POST', `/v1.41/containers/${Id}/wait?condition=next-exit`);
    const t2 = performance.now();
    const started = await call('POST', `/v1.41/containers/${Id}/start`);
    await started.text();
    if (started.status !== 204) throw new Error(`start: ${started.status}`);
    const t3 = performance.now();
    const result = JSON.parse(await wait.text()) as { StatusCode: number };
    if (result.StatusCode !== 0) throw new Error(`exit ${result.StatusCode}`);
    const t4 = performance.now();
    const removed = await call('DELETE', `/v1.41/containers/${Id}`);
    await removed.text();
    if (removed.status !== 204) throw new Error(`remove: ${removed.status}`);
    const t5 = performance.now();
    for (const [k, v] of [['create', t1 - t0], ['wait (headers)', t2 - t1], ['start', t3 - t2], ['exit seen', t4 - t3], ['remove', t5 - t4]] as const) {
      (phases[k] ??= []).push(v);
    }
  };
}

/** create (AutoRemove) + wait(removed) + start, as `docker run --rm` does, without the CLI. */
function apiRunAutoRemove(pool: Pool): () => Promise<void> {
  const call = async (method: 'POST', p: string, body?: unknown): Promise<{ status: number; text: string }> => {
    const res = await pool.request({ method, path: p, body: body === undefined ? undefined : JSON.stringify(body), headers: body === undefined ? {} : { 'content-type': 'application/json' } });
    return { status: res.statusCode, text: await res.body.text() };
  };
  return async () => {
    const created = await call('POST', '/v1.41/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'none', AutoRemove: true } });
    if (created.status !== 201) throw new Error(`create: ${created.status}`);
    const { Id } = JSON.parse(created.text) as { Id: string };
    const res = await pool.request({ method: 'POST', path: `/v1.41/containers/${Id}/wait?condition=removed` });
    const started = await call('POST', `/v1.41/containers/${Id}/start`);
    if (started.status !== 204) throw new Error(`start: ${started.status}`);
    const result = JSON.parse(await res.body.text()) as { StatusCode: number };
    if (result.StatusCode !== 0) throw new Error(`exit ${result.StatusCode}`);
  };
}

async function otherEngines(): Promise<Row[]> {
  const rows: Row[] = [];
  const noDockerd = await dockerdMissing();
  if (noDockerd) rows.push(skipped('dockerd: docker run --rm busybox true', noDockerd));
  else {
    const env = { ...process.env, DOCKER_HOST: 'unix:///var/run/docker.sock' };
    try {
      await docker(env, ['image', 'inspect', 'busybox']);
      rows.push(await measure('dockerd: docker run --rm busybox true', RUNS, () => docker(env, ['run', '--rm', 'busybox', 'true'])));
      rows.push(await measure('dockerd: docker run --rm --network none busybox true', RUNS, () => docker(env, ['run', '--rm', '--network', 'none', 'busybox', 'true'])));
    } catch (err) {
      rows.push(skipped('dockerd', (err as Error).message.slice(0, 160)));
    }
  }
  const podman = which('podman');
  if (!podman) rows.push(skipped('podman run --rm busybox true', 'podman not installed'));
  else {
    try {
      rows.push(await measure('podman run --rm --network none busybox true', RUNS, () => new Promise<void>((resolve, reject) => {
        spawn(podman, ['run', '--rm', '--network', 'none', 'busybox', 'true'], { stdio: 'ignore' }).on('close', (c) => (c === 0 ? resolve() : reject(new Error(`podman exit ${c}`))));
      })));
    } catch (err) {
      rows.push(skipped('podman', (err as Error).message.slice(0, 160)));
    }
  }
  return rows;
}

/** `docker run -d` x 50 in sequence, memory of the daemon and the monitors, `docker rm -f` of all. */
async function detached(d: Wharfd, variant: string): Promise<void> {
  const env = d.env;
  const ids: string[] = [];
  const idle = d.memory();
  const times: number[] = [];
  const c0 = cpuOf(d.pid);
  const t0 = performance.now();
  try {
    for (let i = 0; i < DETACHED; i++) {
      const s = performance.now();
      ids.push(await docker(env, ['run', '-d', 'busybox', 'sleep', '60']));
      times.push(performance.now() - s);
    }
    const total = performance.now() - t0;
    const runCpu = cpuOf(d.pid) - c0;
    const running = (await docker(env, ['ps', '-q'])).split('\n').filter(Boolean).length;
    const mem = d.memory();
    const monitors = ids.map((id) => {
      const st = JSON.parse(fs.readFileSync(path.join(d.execRoot, 'runtime', id, 'state.json'), 'utf8')) as { monitorPid: number };
      return processMemory(st.monitorPid);
    });
    const r0 = performance.now();
    await docker(env, ['rm', '-f', ...ids]);
    const rmMs = performance.now() - r0;
    const left = leftovers(d.dir, ids.splice(0));
    const sorted = [...times].sort((a, b) => a - b);
    printTable(`${DETACHED} x docker run -d busybox sleep 60, in sequence${variant} (target: all ≤ 1 s)`, [
      { name: `docker run -d (each)`, runs: DETACHED, median: median(times), p90: sorted[Math.floor(DETACHED * 0.9)]!,
        note: `total ${total.toFixed(0)} ms for ${DETACHED}; daemon cpu ${(runCpu / DETACHED).toFixed(0)} ms/run; ${running} running after` },
      { name: `docker rm -f of all ${DETACHED}`, runs: 1, median: rmMs, p90: rmMs, note: left.length ? `LEFT BEHIND: ${left.slice(0, 3).join(', ')}` : 'nothing left mounted or in the cgroup tree' },
    ]);
    console.log(`\ndaemon memory${variant}: idle RSS ${mb(idle.rssKb)} MB (private ${mb(idle.privateKb)} MB); with ${running} running: ` +
      `RSS ${mb(mem.rssKb)} MB, PSS ${mb(mem.pssKb)} MB, private ${mb(mem.privateKb)} MB (target: RSS < 80 MB; RSS includes ~40 MB of node's shared text)`);
    console.log(`per-container monitor (wharf-exec): RSS median ${median(monitors.map((m) => m.rssKb))} kB, max ${Math.max(...monitors.map((m) => m.rssKb))} kB; ` +
      `PSS median ${median(monitors.map((m) => m.pssKb))} kB; private median ${median(monitors.map((m) => m.privateKb))} kB (limit ~512 kB)`);
  } finally {
    if (ids.length) await docker(env, ['rm', '-f', ...ids]).catch(() => {});
  }
}

const dir = makeTempDir();
let d: Wharfd | undefined;
try {
  const store = await ImageStore.open(path.join(dir, 'root'));
  await buildBusyboxImage(store);
  d = await startWharfd({ dir });
  const env = d.env;
  console.log(`\nload average at start: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} on ${os.cpus().length} CPUs (timings scale with it)`);

  // 1. One container at a time, through the CLI, then the same calls made directly.
  const cli: Row[] = [];
  // The CLI's own floor: a process that starts, reads its config and exits, with no API call.
  cli.push(await measure('docker --version (the CLI process alone, no API call)', RUNS, () => docker(env, ['--version'])));
  cli.push(await withCpu(d, 'docker version (CLI startup + 2 API calls)', RUNS, () => docker(env, ['version', '--format', '{{.Server.Version}}'])));
  cli.push(await withCpu(d, 'docker run --rm --network none busybox true', RUNS, () => docker(env, ['run', '--rm', '--network', 'none', 'busybox', 'true'])));
  cli.push(await withCpu(d, 'docker run --rm busybox true', RUNS, () => docker(env, ['run', '--rm', 'busybox', 'true']), 'default bridge network'));
  if (fs.existsSync(NEWER_DOCKER)) {
    const v = await docker(env, ['version', '--format', '{{.Client.Version}}'], NEWER_DOCKER).catch(() => '?');
    cli.push(await measure(`docker ${v} --version (newer CLI alone, no API call)`, RUNS, () => docker(env, ['--version'], NEWER_DOCKER)));
    cli.push(await withCpu(d, `docker ${v}: run --rm --network none busybox true`, RUNS, () => docker(env, ['run', '--rm', '--network', 'none', 'busybox', 'true'], NEWER_DOCKER)));
  }
  const pool = new Pool('http://localhost', { socketPath: d.socket, connections: 4 });
  const phases: Record<string, number[]> = {};
  const api = await withCpu(d, 'API create+wait+start+exit+remove (in process, no CLI)', RUNS, apiRun(pool, phases, 'none'), '--network none');
  cli.push(api);
  for (const [k, xs] of Object.entries(phases)) {
    const timed = xs.slice(2);
    cli.push({ name: `  API: ${k}`, runs: timed.length, median: median(timed), p90: [...timed].sort((a, b) => a - b)[Math.floor(timed.length * 0.9)]! });
  }
  // What `docker run --rm` asks (API ≥ 1.25): AutoRemove, and a wait for condition=removed.
  cli.push(await withCpu(d, 'API run --rm: create (AutoRemove) + wait removed + start (in process, no CLI)', RUNS, apiRunAutoRemove(pool), '--network none'));
  await pool.close();
  printTable(`wharfd with docker ${(await docker(env, ['version', '--format', '{{.Client.Version}}']))} CLI, one container at a time (target: run ≤ 40 ms median; dockerd here: 228 ms)`, cli);

  // 2. 50 detached containers in sequence, memory with all of them running, then removal.
  await detached(d, ` (wharfd under ${Object.entries(WHARFD_NODE_ENV).map(([k, v]) => `${k}=${v}`).join(' ')} node ${WHARFD_NODE_FLAGS.join(' ')})`);
  printTable('other engines, same commands', await otherEngines());
} finally {
  if (d) {
    const left = await docker(d.env, ['ps', '-aq']).catch(() => '');
    if (left) await docker(d.env, ['rm', '-f', ...left.split('\n')]).catch(() => {});
    await d.stop();
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

// 3. The engine in this process: where create / start / exit / remove spend their time.
await profileEngine(RUNS);
