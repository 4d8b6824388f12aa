// Pull of a large image (debootstrap Debian minbase, one ~60 MB gzip layer) from a loopback
// registry, side by side with `skopeo copy` + `umoci unpack`, `docker pull` (when a dockerd
// answers) and a plain `gzip -dc` of the layer blob. Target (issue 6): wharf <= 1.0 s.
// The registry (wharf's own server, or Debian's docker-registry with WHARF_BENCH_REGISTRY=distribution)
// runs as a child process on 127.0.0.1:<free port> with a temp root; the image is pushed once by skopeo
// (gzip-compressing the layer). Every run pulls into an empty store / directory, made before the clock
// starts and removed after. WHARF_BENCH_RUNS (default 5, after 1 warm-up), WHARF_BENCH_ONLY=<text>.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ImageStore } from '../src/image/index.js';
import { RegistryService } from '../src/registry/index.js';
import { removeTree } from '../src/storage/index.js';
import { cpuOfPid, dockerEngineMissing, median, printTable, runTool, selfCpuMs, sh, skipped, skopeoUmoci, which, type Case, type Row } from './lib.js';
import { startWharfd } from '../test/helpers/wharfd.js';

const WHARF_BIN = fileURLToPath(new URL('../wharf.cjs', import.meta.url));
import { ensureBenchFixtures, CACHE_DIR } from './fixtures/debian-minbase.js';
import { openScratchFs } from './fixtures/scratch-fs.js';

const RUNS = Math.max(1, Number(process.env.WHARF_BENCH_RUNS ?? 5));
const WARMUP = 1;
const REPO = 'bench/debian';
const TAG = 'minbase';

let registryPid = 0;
let blobBytes = 0;

/** Times only `run`; the note has throughput (of the compressed blob) and median CPU of client and registry. */
async function timed<S>(name: string, c: Case<S>, note = '', cpuPid?: () => number): Promise<Row> {
  const times: number[] = [];
  const cpus: number[] = [];
  const regCpus: number[] = [];
  let first = 0;
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const s = await c.setup();
    try {
      const cpuNow = cpuPid ? () => cpuOfPid(cpuPid()) : selfCpuMs;
      const c0 = cpuNow();
      const r0 = cpuOfPid(registryPid);
      const t0 = process.hrtime.bigint();
      await c.run(s);
      if (i === 0) first = Number(process.hrtime.bigint() - t0) / 1e6;
      if (i >= WARMUP) {
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        cpus.push(cpuNow() - c0);
        regCpus.push(cpuOfPid(registryPid) - r0);
      }
    } finally {
      await c.teardown(s);
    }
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  const mbps = blobBytes / 1e6 / (at(0.5) / 1000);
  return {
    name, runs: RUNS, median: at(0.5), p90: at(0.9),
    note: `${mbps.toFixed(0)} MB/s gz; ${cpuPid ? 'daemon ' : ''}cpu ${median(cpus).toFixed(0)} ms (+ registry ${median(regCpus).toFixed(0)} ms); first (warm-up) run ${first.toFixed(0)} ms${note ? '; ' + note : ''}`,
  };
}

let scratchDir = '';
/** Temp dirs this bench made and has not removed yet (all removed at exit, even after a failure). */
const madeDirs = new Set<string>();
function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(scratchDir, prefix));
  madeDirs.add(d);
  return d;
}

/** Unmount whatever is left below `dir` (deepest first), then delete it. */
async function cleanup(dir: string): Promise<void> {
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]).filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) sh('umount', ['-l', m]);
  await removeTree(dir);
  madeDirs.delete(dir);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
}

async function waitForRegistry(addr: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`registry exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://${addr}/v2/`);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`registry on ${addr} did not answer within 20 s`);
}

/** Starts the registry (a child process, so its CPU is not the client's) on a free loopback port. */
async function startRegistry(root: string): Promise<{ addr: string; child: ChildProcess; kind: string }> {
  const addr = `127.0.0.1:${await freePort()}`;
  let child: ChildProcess;
  let kind: string;
  if (process.env.WHARF_BENCH_REGISTRY === 'distribution') {
    const conf = path.join(root, 'config.yml');
    fs.writeFileSync(conf, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${root}/data\nhttp:\n  addr: ${addr}\n`);
    child = spawn('docker-registry', ['serve', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
    kind = 'distribution (docker-registry)';
  } else {
    const main = fileURLToPath(new URL('../src/registry/server/main.js', import.meta.url));
    child = spawn(process.execPath, [main, 'serve', '--quiet', '--addr', addr, '--root', path.join(root, 'data')], { stdio: ['ignore', 'ignore', 'inherit'] });
    kind = 'wharf registry serve';
  }
  try {
    await waitForRegistry(addr, child);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { addr, child, kind };
}

async function stopRegistry(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

const fx = await ensureBenchFixtures();
const scratch = openScratchFs(CACHE_DIR);
const rows: Row[] = [];
let title = '';
try {
  scratchDir = scratch.dir;
  const regRoot = tempDir('wharf-bench-registry-');
  const reg = await startRegistry(regRoot);
  registryPid = reg.child.pid!;
  try {
    const ref = `${reg.addr}/${REPO}:${TAG}`;
    // Push once; skopeo gzip-compresses the uncompressed layer for a docker:// destination.
    sh('skopeo', ['copy', '-q', '--dest-tls-verify=false', '--dest-compress-format', 'gzip', `docker-archive:${fx.dockerArchive}`, `docker://${ref}`]);
    const manifest = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' })) as { layers: Array<{ digest: string; size: number }> };
    const layer = manifest.layers[0]!;
    blobBytes = layer.size;
    const blobDir = tempDir('wharf-bench-blob-');
    const blobFile = path.join(blobDir, 'layer.tar.gz');
    const blob = await fetch(`http://${reg.addr}/v2/${REPO}/blobs/${layer.digest}`);
    if (!blob.ok) throw new Error(`GET layer blob: ${blob.status}`);
    fs.writeFileSync(blobFile, Buffer.from(await blob.arrayBuffer()));
    title = `registry pull: ${REPO}:${TAG} (${(blobBytes / 1e6).toFixed(1)} MB gzip layer, ${(fx.layerBytes / 1e6).toFixed(0)} MB tar) from ${reg.kind} on loopback, ${RUNS} runs each, on ${scratch.label}`;

    const wharfPull: Case<{ root: string; svc: RegistryService }> = {
      setup: async () => {
        const root = tempDir('wharf-bench-store-');
        return { root, svc: new RegistryService(await ImageStore.open(root), {}) };
      },
      run: async ({ svc }) => {
        await svc.pull({ reference: ref, progress: () => {} });
        const img = await svc.store.get(ref);
        if (img.id !== fx.imageId) throw new Error(`wharf pull gave ${img.id}, expected ${fx.imageId}`);
      },
      teardown: ({ root }) => cleanup(root),
    };

    // What a user runs: the wharf CLI asking a running wharfd (its node flags, its worker pool) to
    // pull. The image is removed after each run (its layer and blob with it), so every run pulls
    // and unpacks the whole layer; runs follow each other within the workers' idle time.
    const daemonPull = async (): Promise<Row> => {
      const d = await startWharfd({ dir: tempDir('wharf-bench-daemon-') });
      const wharf = (args: string[]) => runTool(WHARF_BIN, args, { ...d.env, WHARF_NO_AUTOSTART: '1' });
      try {
        return await timed('wharf pull (CLI → wharfd)', {
          setup: () => undefined,
          run: async () => {
            await wharf(['pull', '-q', ref]);
          },
          teardown: async () => {
            const id = (await wharf(['image', 'inspect', '-f', '{{.Id}}', ref])).trim();
            if (id !== fx.imageId) throw new Error(`wharfd pull gave ${id}, expected ${fx.imageId}`);
            await wharf(['rmi', ref]);
            if (fs.readdirSync(path.join(d.dataRoot, 'snapshots')).some((n) => !n.startsWith('.'))) throw new Error('rmi left the layer behind: the next run would not unpack');
          },
        }, 'CLI start included', () => d.pid);
      } finally {
        await d.stop();
      }
    };

    const skopeoUmociRow = async (): Promise<Row> => {
      if (!which('umoci')) return skipped('skopeo copy + umoci unpack', 'umoci not installed');
      const su = skopeoUmoci(['--src-tls-verify=false', `docker://${ref}`], () => tempDir('wharf-bench-umoci-'), cleanup);
      const row = await timed('skopeo copy + umoci unpack', su.case);
      row.note += `; ${su.note(WARMUP)}`;
      return row;
    };

    const dockerPull = async (): Promise<Row> => {
      const noDocker = dockerEngineMissing();
      if (noDocker) return skipped('docker pull', noDocker);
      // dockerd treats 127.0.0.0/8 registries as insecure by default.
      const rmi = () => spawnSync('docker', ['rmi', '-f', ref], { stdio: 'ignore' });
      const row = await timed('docker pull', { setup: rmi, run: () => sh('docker', ['pull', '-q', ref]), teardown: rmi }, 'into the engine\'s own data root');
      row.note = row.note!.replace(/cpu \d+ ms/, 'cpu not visible (daemon)');
      return row;
    };

    const only = process.env.WHARF_BENCH_ONLY ?? '';
    const tools: Array<[string, () => Promise<Row>]> = [
      ['wharf pull', () => timed('wharf pull', wharfPull, 'download + verify + gunzip + diffID + unpack to overlay layer; blob durable, layer synced after the pull')],
      ['wharf pull (CLI → wharfd)', daemonPull],
      ['skopeo copy + umoci unpack', skopeoUmociRow],
      ['docker pull', dockerPull],
      ['gzip -dc (layer blob)', () => timed('gzip -dc (layer blob)', {
        setup: () => undefined, run: () => sh('sh', ['-c', `gzip -dc '${blobFile}' > /dev/null`]), teardown: () => undefined,
      }, 'decompression alone, file in page cache')],
    ];
    for (const [name, run] of tools) if (name.includes(only)) rows.push(await run());
  } finally {
    await stopRegistry(reg.child);
    await cleanup(regRoot);
  }
} finally {
  for (const d of [...madeDirs]) await cleanup(d).catch(() => {});
  scratch.release();
}
printTable(title, rows);
