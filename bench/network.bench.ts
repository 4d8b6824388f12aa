// Start latency of the default bridge against --network none (target: ≤ 10 ms added; dockerd
// adds ≈ 70 ms, podman ≈ 170 ms): `docker run --rm busybox true` and `docker run -d` +
// `docker rm -f` through the docker CLI against wharfd, each with the daemon's CPU time per run;
// dockerd/podman columns when they are installed and answer; then, in this process, what the
// network layer's steps cost (netns creation, the veth batch, /etc files, release), with the
// event-loop time each blocks and the CPU of the spawned tools. WHARF_BENCH_RUNS sets the runs.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildBusyboxImage, ImageStore } from '../src/image/index.js';
import { openNetworking } from '../src/network/index.js';
import { run } from '../src/network/exec.js';
import { hostsFile, resolvConf } from '../src/network/etc-files.js';
import { createSandbox, removeSandbox } from '../src/network/netns.js';
import { makeTempDir, startWharfd, type Wharfd } from '../test/helpers/wharfd.js';
import { cpuTimesOf, dockerdMissing, measure, printTable, runTool, skipped, which, type Row } from './lib.js';

const RUNS = Number(process.env.WHARF_BENCH_RUNS ?? 20);
const DOCKER = '/usr/bin/docker';
const cli = (bin: string, env: NodeJS.ProcessEnv, args: string[]): Promise<string> => runTool(bin, args, env);

/**
 * [own CPU, CPU of its tools] of a process so far, in ms. Tools: reaped children, plus what the
 * live children (the daemon's long-lived shells, storage/program-runner.ts) used and reaped, so tools run through it count too.
 */
function cpuOf(pid: number | 'self'): [number, number] {
  const [u, s, cu, cs] = cpuTimesOf(pid);
  let tools = cu + cs;
  const real = pid === 'self' ? process.pid : pid;
  for (const tid of fs.readdirSync(`/proc/${real}/task`)) {
    let kids: string[] = [];
    try { kids = fs.readFileSync(`/proc/${real}/task/${tid}/children`, 'utf8').trim().split(' ').filter(Boolean); } catch { /* gone */ }
    for (const k of kids) tools += cpuTimesOf(k).reduce((a, b) => a + b, 0);
  }
  return [u + s, tools];
}

/** measure() with the CPU per run of `pid` and its children (the tools it spawned) in the note. */
async function withCpu(pid: number | 'self', name: string, runs: number, fn: () => Promise<unknown>, warmup = 2): Promise<Row> {
  const [s0, c0] = cpuOf(pid);
  const row = await measure(name, runs, fn, warmup);
  const [s1, c1] = cpuOf(pid);
  const n = runs + warmup;
  return { ...row, note: `cpu ${((s1 - s0) / n).toFixed(1)} ms/run + spawned tools ${((c1 - c0) / n).toFixed(1)} ms/run` };
}

function added(rows: Row[], bridge: string, none: string, label: string): string {
  const b = rows.find((r) => r.name === bridge);
  const n = rows.find((r) => r.name === none);
  if (!b || !n || Number.isNaN(b.median) || Number.isNaN(n.median)) return '';
  return `${label}: bridge adds ${(b.median - n.median).toFixed(1)} ms (median ${b.median.toFixed(1)} vs ${n.median.toFixed(1)})`;
}

/** Timings of `a` and `b` run alternately (a loaded box drifts less between them), with CPU per run. */
async function paired(pid: number | undefined, runs: number, a: [string, () => Promise<unknown>], b: [string, () => Promise<unknown>]): Promise<Row[]> {
  for (let i = 0; i < 2; i++) { await a[1](); await b[1](); }
  const acc = [a, b].map(([name, fn]) => ({ name, fn, times: [] as number[], cpu: 0, tools: 0 }));
  for (let i = 0; i < runs; i++) {
    for (const x of i % 2 ? [...acc].reverse() : acc) {
      const c0 = pid ? cpuOf(pid) : [0, 0];
      const t0 = performance.now();
      await x.fn();
      x.times.push(performance.now() - t0);
      const c1 = pid ? cpuOf(pid) : [0, 0];
      x.cpu += c1[0]! - c0[0]!;
      x.tools += c1[1]! - c0[1]!;
    }
  }
  return acc.map((x) => {
    const t = [...x.times].sort((p, q) => p - q);
    const at = (q: number): number => t[Math.min(t.length - 1, Math.floor(q * t.length))]!;
    return { name: x.name, runs, median: at(0.5), p90: at(0.9), note: pid ? `daemon cpu ${(x.cpu / runs).toFixed(1)} ms/run + its spawned tools ${(x.tools / runs).toFixed(1)} ms/run` : '' };
  });
}

/** The CLI rows against one engine; `pid` is the daemon's (CPU column) when known. */
async function engineRows(prefix: string, bin: string, env: NodeJS.ProcessEnv, pid: number | undefined): Promise<{ rows: Row[]; summary: string[] }> {
  const runRm = (net: string[]) => () => cli(bin, env, ['run', '--rm', ...net, 'busybox', 'true']);
  const detached = (net: string[]) => async () => {
    const id = await cli(bin, env, ['run', '-d', ...net, 'busybox', 'sleep', '60']);
    await cli(bin, env, ['rm', '-f', id]);
  };
  const names = {
    rmNone: `${prefix}run --rm --network none busybox true`, rmBridge: `${prefix}run --rm busybox true (bridge)`,
    dNone: `${prefix}run -d --network none + rm -f`, dBridge: `${prefix}run -d + rm -f (bridge)`,
  };
  const rows = [
    ...await paired(pid, RUNS, [names.rmNone, runRm(['--network', 'none'])], [names.rmBridge, runRm([])]),
    ...await paired(pid, RUNS, [names.dNone, detached(['--network', 'none'])], [names.dBridge, detached([])]),
  ];
  const summary = [added(rows, names.rmBridge, names.rmNone, `${prefix}run --rm`), added(rows, names.dBridge, names.dNone, `${prefix}run -d + rm -f`)].filter(Boolean);
  return { rows, summary };
}

async function otherEngines(): Promise<{ rows: Row[]; summary: string[] }> {
  const rows: Row[] = [];
  const summary: string[] = [];
  const noDockerd = await dockerdMissing();
  if (noDockerd) rows.push(skipped('dockerd', noDockerd));
  else {
    const env = { ...process.env, DOCKER_HOST: 'unix:///var/run/docker.sock' };
    try {
      await cli(DOCKER, env, ['image', 'inspect', 'busybox']);
      const r = await engineRows('dockerd: ', DOCKER, env, undefined);
      rows.push(...r.rows); summary.push(...r.summary);
    } catch (err) { rows.push(skipped('dockerd', (err as Error).message.slice(0, 160))); }
  }
  const podman = which('podman');
  if (!podman) rows.push(skipped('podman', 'not installed'));
  else {
    try {
      await cli(podman, process.env, ['image', 'exists', 'busybox']);
      const r = await engineRows('podman: ', podman, process.env, undefined);
      rows.push(...r.rows); summary.push(...r.summary);
    } catch (err) { rows.push(skipped('podman', (err as Error).message.slice(0, 160))); }
  }
  return { rows, summary };
}

/** Milliseconds the event loop is blocked by starting `fn` (a spawn forks the whole daemon). */
function blocked(fn: () => Promise<unknown>): { ms: number; done: Promise<unknown> } {
  const t0 = performance.now();
  const done = fn();
  return { ms: performance.now() - t0, done };
}

/** The network layer alone, in this process, on a bridge and data root of its own. */
async function breakdown(): Promise<Row[]> {
  const dir = makeTempDir();
  const h = createHash('sha256').update(dir).digest();
  const noop = (): void => {};
  const logger = { info: noop, warn: noop };
  const n = await openNetworking({
    dataRoot: path.join(dir, 'root'), execRoot: path.join(dir, 'exec'), logger,
    bridge: `whn${h.toString('hex', 0, 4)}`, bip: `10.${200 + (h[4]! % 50)}.${h[5]}.1/24`,
  }, () => 'bench');
  const rows: Row[] = [];
  const nsDir = path.join(dir, 'ns');
  fs.mkdirSync(nsDir);
  const files = { hosts: path.join(dir, 'hosts'), resolvConf: path.join(dir, 'resolv.conf') };
  const info = (id: string) => ({ id, name: 'bench', hostname: id.slice(0, 12), host: { NetworkMode: 'default' }, files });
  const spawnBlock: number[] = [];
  try {
    const net = n.networks.find('bridge')!;
    await n.networks.up(net);
    rows.push(await withCpu('self', 'spawn of /bin/true (fork+exec of this process)', RUNS, async () => {
      const b = blocked(() => run('true', []));
      spawnBlock.push(b.ms);
      await b.done;
    }));
    rows.push(await withCpu('self', 'netns only: unshare --net=<path> true + umount', RUNS, async () => {
      const p = path.join(nsDir, randomBytes(4).toString('hex'));
      fs.writeFileSync(p, '');
      await run('unshare', [`--net=${p}`, 'true']);
      await removeSandbox(p);
    }));
    const gw = net.IPAM.Config[0]!.Gateway!;
    let k = 0;
    const sandbox = (p: string) => createSandbox(p, [{
      ifname: 'eth0', hostVeth: `wh${n.networks.tag.slice(0, 4)}${randomBytes(4).toString('hex')}`, bridge: net.bridge, mtu: net.mtu,
      mac: '02:42:0a:00:00:02', ip: gw.replace(/\.1$/, `.${100 + (k++ % 100)}`), prefix: 24, defaultVia: gw,
    }]);
    const made: string[] = [];
    const sandboxBlock: number[] = [];
    rows.push(await withCpu('self', 'createSandbox: unshare + ip -batch (netns, veth, addr, route) via a long-lived shell', RUNS, async () => {
      const p = path.join(nsDir, randomBytes(4).toString('hex'));
      const b = blocked(() => sandbox(p));
      sandboxBlock.push(b.ms);
      await b.done;
      made.push(p);
    }));
    rows.push(await withCpu('self', 'removeSandbox: umount via a long-lived shell + rm', RUNS, async () => {
      const p = made.pop() ?? path.join(nsDir, 'none');
      await removeSandbox(p);
    }));
    for (const p of made.splice(0)) await removeSandbox(p);
    rows.push(await withCpu('self', '/etc/hosts + resolv.conf written', RUNS, () => Promise.all([
      fs.promises.writeFile(files.hosts, hostsFile({ hostname: 'bench', ips: [gw], extra: [] })),
      fs.promises.writeFile(files.resolvConf, resolvConf({ embedded: undefined })),
    ])));
    const attachBlock: number[] = [];
    rows.push(await withCpu('self', 'attach + release (the engine hooks, whole)', RUNS, async () => {
      const id = randomBytes(32).toString('hex');
      const b = blocked(() => n.sandboxes.attach(info(id)));
      attachBlock.push(b.ms);
      await b.done;
      await n.sandboxes.forget(id);
    }));
    const ids: string[] = [];
    rows.push(await withCpu('self', '  attach alone', RUNS, async () => {
      const id = randomBytes(32).toString('hex');
      ids.push(id);
      await n.sandboxes.attach(info(id));
    }));
    rows.push(await withCpu('self', '  release alone (until its promise resolves)', RUNS, async () => {
      const id = ids.pop();
      if (id) await n.sandboxes.forget(id);
    }));
    for (const id of ids.splice(0)) await n.sandboxes.forget(id);
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    rows.push({ name: 'event loop blocked by one spawn() call', runs: spawnBlock.length, median: med(spawnBlock), p90: Math.max(...spawnBlock), note: 'p90 column: max' });
    rows.push({ name: 'event loop blocked by createSandbox() (its command started)', runs: sandboxBlock.length, median: med(sandboxBlock), p90: Math.max(...sandboxBlock), note: 'p90 column: max' });
    rows.push({ name: 'event loop blocked by attach() before its first await', runs: attachBlock.length, median: med(attachBlock), p90: Math.max(...attachBlock), note: 'p90 column: max' });
    rows.push({ name: 'iptables per container', runs: 0, median: 0, p90: 0, note: 'none: rules are per network (made once at network up)' });
  } finally {
    await n.networks.shutdown().catch(() => {});
    for (const f of fs.readdirSync(nsDir)) await removeSandbox(path.join(nsDir, f));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

const dir = makeTempDir();
let d: Wharfd | undefined;
try {
  const store = await ImageStore.open(path.join(dir, 'root'));
  await buildBusyboxImage(store);
  d = await startWharfd({ dir });
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`\nload average at start: ${load} on ${os.cpus().length} CPUs (timings scale with it)`);
  const own = await engineRows('wharfd: ', DOCKER, d.env, d.pid);
  printTable('wharfd with the docker CLI: default bridge vs --network none (target: bridge adds ≤ 10 ms; cpu = daemon)', own.rows);
  for (const s of own.summary) console.log(`- ${s}`);
} finally {
  if (d) {
    const left = await cli(DOCKER, d.env, ['ps', '-aq']).catch(() => '');
    if (left) await cli(DOCKER, d.env, ['rm', '-f', ...left.split('\n')]).catch(() => {});
    await d.stop();
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

const others = await otherEngines();
printTable('other engines, same commands (dockerd ≈ 70 ms added, podman ≈ 170 ms where measured)', others.rows);
for (const s of others.summary) console.log(`- ${s}`);

printTable('network layer steps in process (cpu = this process + the tools it spawned)', await breakdown());
