// Cold and cached build of a 5-step Dockerfile (FROM, COPY, RUN, ENV, CMD): wharfd driven by the
// docker CLI's classic builder and by POST /build directly (no CLI start-up), then dockerd
// (BuildKit and classic) and podman side by side when they run here with a busybox image.
// Cold = --no-cache (every step runs; the base image is present); cached = an unchanged rebuild.
// WHARF_BENCH_RUNS sets the runs per row (default 10).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as http from 'node:http';
import { buildBusyboxImage, ImageStore } from '../src/image/index.js';
import { createContextTar } from '../src/build/index.js';
import { makeTempDir, startWharfd } from '../test/helpers/wharfd.js';
import { measure, printTable, skipped, which, type Row } from './lib.js';

const RUNS = Number(process.env.WHARF_BENCH_RUNS ?? 10);
const DOCKER = '/usr/bin/docker';
const DOCKERFILE = 'FROM busybox\nCOPY hello.txt /hello.txt\nRUN echo built > /built\nENV MODE=bench\nCMD ["cat", "/hello.txt"]\n';

function cli(bin: string, env: NodeJS.ProcessEnv, args: string[]): void {
  const r = spawnSync(bin, args, { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
}

function apiBuild(socket: string, ctx: string, query: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const { tar, dockerfile } = createContextTar(ctx);
    const req = http.request({ socketPath: socket, method: 'POST', path: `/v1.41/build?dockerfile=${dockerfile}&t=bench:api${query}`, headers: { 'content-type': 'application/x-tar' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; });
      res.on('end', () => (res.statusCode === 200 && !text.includes('"error"') ? resolve() : reject(new Error(text))));
    });
    req.on('error', reject);
    tar.pipe(req);
  });
}

/** Cold and cached rows for one engine driven by a CLI. */
async function cliRows(name: string, bin: string, env: NodeJS.ProcessEnv, ctx: string, extra: string[] = []): Promise<Row[]> {
  const build = (noCache: boolean) => () => cli(bin, env, ['build', ...extra, ...(noCache ? ['--no-cache'] : []), '-q', '-t', 'bench:cli', ctx]);
  const cold = await measure(`${name} cold`, RUNS, build(true), 1);
  const cached = await measure(`${name} cached`, RUNS, build(false), 1);
  return [cold, cached];
}

/** CPU time (user + system) of a process so far, in ms. */
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // clock ticks (USER_HZ 100)
}

/**
 * The row, noting the daemon's CPU time per build (less noisy than wall time on a shared machine)
 * and the load average.
 */
async function withDaemonCpu(pid: number, run: () => Promise<Row>): Promise<Row> {
  const c0 = cpuMs(pid);
  const row = await run();
  const cpu = (cpuMs(pid) - c0) / (row.runs + 1); // + the warm-up run
  return { ...row, note: `daemon CPU ${cpu.toFixed(0)} ms/build, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}` };
}

const dockerdRunning = (): boolean => spawnSync(DOCKER, ['info'], { stdio: 'ignore' }).status === 0;
const hasBusybox = (bin: string): boolean => spawnSync(bin, ['image', 'inspect', 'busybox'], { stdio: 'ignore' }).status === 0;

const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-bench-build-'));
fs.writeFileSync(path.join(ctx, 'Dockerfile'), DOCKERFILE);
fs.writeFileSync(path.join(ctx, 'hello.txt'), 'hello from the bench\n');
const dir = makeTempDir();
const rows: Row[] = [];
try {
  const store = await ImageStore.open(path.join(dir, 'root'));
  await buildBusyboxImage(store);
  const d = await startWharfd({ dir });
  try {
    const env = { ...d.env, DOCKER_BUILDKIT: '0' };
    rows.push(...(await cliRows('wharfd + docker CLI (classic)', DOCKER, env, ctx)));
    rows.push(await withDaemonCpu(d.pid, () => measure('wharfd POST /build cold', RUNS, () => apiBuild(d.socket, ctx, '&nocache=1'), 1)));
    rows.push(await withDaemonCpu(d.pid, () => measure('wharfd POST /build cached', RUNS, () => apiBuild(d.socket, ctx, ''), 1)));
  } finally {
    await d.stop();
  }
  if (dockerdRunning() && hasBusybox(DOCKER)) {
    rows.push(...(await cliRows('dockerd BuildKit', DOCKER, { ...process.env, DOCKER_BUILDKIT: '1' }, ctx)));
    rows.push(...(await cliRows('dockerd classic', DOCKER, { ...process.env, DOCKER_BUILDKIT: '0' }, ctx)));
  } else {
    rows.push(skipped('dockerd', 'no running dockerd with a busybox image'));
  }
  const podman = which('podman');
  if (podman && hasBusybox(podman)) rows.push(...(await cliRows('podman', podman, process.env, ctx)));
  else rows.push(skipped('podman', podman ? 'no busybox image' : 'not installed'));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(ctx, { recursive: true, force: true });
}
printTable('docker build of a 5-step Dockerfile (FROM, COPY, RUN, ENV, CMD)', rows);
