// Load + unpack of a large image (debootstrap Debian minbase, one ~180 MB layer) with wharf, side by
// side with `docker load`, `skopeo copy` + `umoci unpack` and a plain `tar -x` of the layer.
// Every run starts from an empty store / directory, made before the clock starts and removed after.
// WHARF_BENCH_RUNS sets the timed runs per tool (default 5, after 1 warm-up run);
// WHARF_BENCH_ONLY=<text> runs only the tools whose name contains it (e.g. "wharf").
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ImageStore, loadImages } from '../src/image/index.js';
import { removeTree } from '../src/storage/index.js';
import { dockerEngineMissing, median, printTable, selfCpuMs, sh, skipped, skopeoUmoci, which, type Case, type Row } from './lib.js';
import { ensureBenchFixtures, IMAGE_TAG, CACHE_DIR } from './fixtures/debian-minbase.js';
import { openScratchFs } from './fixtures/scratch-fs.js';

const RUNS = Math.max(1, Number(process.env.WHARF_BENCH_RUNS ?? 5));
const WARMUP = 1;

/**
 * Like lib's measure(), but only `run` is timed; setup and teardown (rm -rf of the result) are not.
 * The note gives throughput and the median CPU time, which other load on the host disturbs less.
 */
async function timed<S>(name: string, c: Case<S>, note = '', cpuVisible = true): Promise<Row> {
  const times: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const s = await c.setup();
    try {
      const c0 = selfCpuMs();
      const t0 = process.hrtime.bigint();
      await c.run(s);
      if (i >= WARMUP) {
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        cpus.push(selfCpuMs() - c0);
      }
    } finally {
      await c.teardown(s);
    }
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  const mbps = layerBytes / 1e6 / (at(0.5) / 1000);
  const cpu = cpuVisible ? `cpu ${median(cpus).toFixed(0)} ms` : 'cpu not visible (daemon)';
  return { name, runs: RUNS, median: at(0.5), p90: at(0.9), note: `${mbps.toFixed(0)} MB/s; ${cpu}${note ? '; ' + note : ''}` };
}

let scratchDir = '';
function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(scratchDir, prefix));
}

/** Unmount whatever is left below `dir` (deepest first), then delete it. */
async function cleanup(dir: string): Promise<void> {
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]).filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) sh('umount', ['-l', m]);
  await removeTree(dir);
}

const fx = await ensureBenchFixtures();
const layerBytes = fx.layerBytes;

const wharfLoad = (archive: string): Case<{ root: string; store: ImageStore }> => ({
  setup: async () => {
    const root = tempDir('wharf-bench-store-');
    return { root, store: await ImageStore.open(root) };
  },
  run: async ({ store }) => {
    const res = await loadImages(store, fs.createReadStream(archive, { highWaterMark: 1 << 20 }));
    if (res.images[0]?.id !== fx.imageId) throw new Error(`wharf load gave ${JSON.stringify(res.images)}, expected ${fx.imageId}`);
  },
  teardown: ({ root }) => cleanup(root),
});

async function dockerLoad(): Promise<Row> {
  const noDocker = dockerEngineMissing();
  if (noDocker) return skipped('docker load', noDocker);
  const rmi = () => spawnSync('docker', ['rmi', '-f', fx.imageId], { stdio: 'ignore' });
  return timed('docker load', { setup: rmi, run: () => sh('docker', ['load', '-q', '-i', fx.dockerArchive]), teardown: rmi },
    'into the engine\'s own data root', false);
}

async function skopeoUmociRow(): Promise<Row> {
  const missing = ['skopeo', 'umoci'].filter((t) => !which(t));
  if (missing.length) return skipped('skopeo copy + umoci unpack', `${missing.join(', ')} not installed`);
  const su = skopeoUmoci([`docker-archive:${fx.dockerArchive}`], () => tempDir('wharf-bench-umoci-'), cleanup);
  const row = await timed('skopeo copy + umoci unpack', su.case);
  row.note += `; ${su.note(WARMUP)}`;
  return row;
}

const tarX = (sync: boolean): Case<string> => ({
  setup: () => tempDir('wharf-bench-tar-'),
  run: (dir) => {
    sh('tar', ['--numeric-owner', '--xattrs', '--xattrs-include=*', '-xpf', fx.rootfsTar, '-C', dir]);
    if (sync) sh('sync', ['-f', dir]);
  },
  teardown: cleanup,
});

const only = process.env.WHARF_BENCH_ONLY ?? '';
const tools: Array<[string, () => Promise<Row>]> = [
  ['wharf load (docker-archive)', () => timed('wharf load (docker-archive)', wharfLoad(fx.dockerArchive), 'verify, store blob, unpack to overlay layer; durable')],
  ['wharf load (OCI layout tar)', () => timed('wharf load (OCI layout tar)', wharfLoad(fx.ociArchive), 'same, from an OCI layout')],
  ['docker load', dockerLoad],
  ['skopeo copy + umoci unpack', skopeoUmociRow],
  ['tar -x (layer)', () => timed('tar -x (layer)', tarX(false), 'page cache only, not durable')],
  ['tar -x + sync -f (layer)', () => timed('tar -x + sync -f (layer)', tarX(true), 'durable like wharf')],
];
const rows: Row[] = [];
const scratch = openScratchFs(CACHE_DIR);
try {
  scratchDir = scratch.dir;
  for (const [name, run] of tools) if (name.includes(only)) rows.push(await run());
} finally {
  scratch.release();
}
printTable(`image load + unpack: ${IMAGE_TAG} (${(layerBytes / 1e6).toFixed(0)} MB layer), ${RUNS} runs each, on ${scratch.label}`, rows);
