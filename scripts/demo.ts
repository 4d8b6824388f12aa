// `npm start`: builds a busybox image from the host's static busybox (offline), unpacks it as an
// overlay snapshot and runs a container from it with Docker's defaults, printing what it sees.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { buildSpec } from '../src/engine/oci-spec.js';
import { ImageStore, buildBusyboxImage } from '../src/image/index.js';
import { Runtime } from '../src/runtime/runtime.js';

const SCRIPT = [
  'echo "hello from $(hostname), I am pid $$ as $(id -un)"',
  'echo "network interfaces: $(ls /sys/class/net | tr "\\n" " ")"',
  'echo "memory limit: $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max) bytes"',
  'grep -E "^(CapEff|Seccomp|NoNewPrivs):" /proc/self/status',
  'echo "processes: $(ps -o pid= | wc -l)"; echo "mounts: $(wc -l < /proc/self/mounts)"',
  'unshare -U true 2>&1 | sed "s/^/unshare (denied by seccomp): /"',
].join('; ');

async function main(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'wharf-demo-'));
  const id = `demo-${process.pid}`;
  let store: ImageStore | undefined;
  let mounted = '';
  try {
    store = await ImageStore.open(join(base, 'data'));
    const t0 = Date.now();
    const image = await buildBusyboxImage(store);
    console.log(`image busybox:latest ${image.id.slice(7, 19)} built from /bin/busybox in ${Date.now() - t0} ms (driver ${store.snapshots.driver})`);

    const img = await store.get('busybox:latest');
    const top = await store.ensureImageLayers(img.id);
    await store.snapshots.prepare(id, top);
    const rootfs = join(base, 'rootfs');
    mkdirSync(rootfs);
    await store.snapshots.mount(id, rootfs);
    mounted = rootfs;

    const spec = buildSpec({
      rootfs, image: img.config.config ?? {},
      config: { Cmd: ['sh', '-c', SCRIPT], Hostname: 'wharf-demo' },
      host: { Memory: 64 * 1024 * 1024, PidsLimit: 64 },
    });
    const runtime = new Runtime({ root: join(base, 'run') });
    const out = new PassThrough();
    out.pipe(process.stdout);
    const t1 = Date.now();
    const c = await runtime.create(id, { bundle: base, spec, io: { stdio: ['ignore', 'inherit', 'inherit'] } });
    await c.start();
    const exit = await c.wait();
    console.log(`container ${id} exited with code ${exit.code} after ${Date.now() - t1} ms`);
    await c.delete(true);
  } finally {
    if (mounted) await store?.snapshots.unmount(mounted).catch(() => undefined);
    await store?.snapshots.remove(id).catch(() => undefined);
    rmSync(base, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`demo failed: ${(err as Error).message}`);
  process.exit(1);
});
