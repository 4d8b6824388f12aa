// Helpers for image-ops tests: temp stores with the busybox image, container snapshots, tar I/O.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { ImageStore, buildBusyboxImage } from '../../../src/image/index.js';
import { removeTree } from '../../../src/storage/index.js';

export function tempDir(prefix = 'wharf-ops-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Mount points at or below `dir` (from /proc/self/mountinfo). */
export function mountsUnder(dir: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]).filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')));
}

/** Mounts of temp snapshot mount points made by the code under test (wharf-mnt-*). */
export function tempSnapshotMounts(): string[] {
  return mountsUnder(os.tmpdir()).filter((m) => path.basename(m).startsWith('wharf-mnt-'));
}

/** Unmounts anything below `dir`, deepest first, then removes it. */
export async function cleanupDir(dir: string): Promise<void> {
  for (const m of mountsUnder(dir).sort((a, b) => b.length - a.length)) execFileSync('umount', ['-l', m]);
  await removeTree(dir);
}

export interface BusyboxStore {
  store: ImageStore;
  root: string;
  busyboxId: string;
  close(): Promise<void>;
}

/** A fresh store under a temp root holding the busybox image (built from the host's static busybox). */
export async function storeWithBusybox(root = tempDir('wharf-opsroot-')): Promise<BusyboxStore> {
  const store = await ImageStore.open(root);
  const { id } = await buildBusyboxImage(store);
  return { store, root, busyboxId: id, close: () => cleanupDir(root) };
}

/** A new container snapshot on top of image `id`; returns its key. */
export async function newContainer(store: ImageStore, id: string): Promise<string> {
  const key = `ctr-${randomBytes(4).toString('hex')}`;
  await store.snapshots.prepare(key, await store.ensureImageLayers(id));
  return key;
}

export interface TarItem { header: tar.Header; data: Buffer }

/** Reads a whole tar stream into memory (small archives only). */
export async function readTar(src: Readable | Buffer): Promise<TarItem[]> {
  const extract = tar.extract();
  const input = Buffer.isBuffer(src) ? Readable.from([src]) : src;
  input.once('error', (err) => extract.destroy(err)); // pipe() alone would not pass errors on
  input.pipe(extract as unknown as NodeJS.WritableStream);
  const out: TarItem[] = [];
  for await (const e of extract) {
    const chunks: Buffer[] = [];
    for await (const c of e as AsyncIterable<Buffer>) chunks.push(c);
    out.push({ header: { ...e.header }, data: Buffer.concat(chunks) });
  }
  return out;
}

/** Builds a tar in memory; `data` only for files. */
export async function makeTar(items: Array<Partial<tar.Header> & { name: string; data?: Buffer | string }>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => { for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c); })();
  for (const { data, ...h } of items) {
    const body = data === undefined ? undefined : Buffer.from(data);
    await new Promise<void>((res, rej) => {
      const cb = (e?: Error | null) => (e ? rej(e) : res());
      if (body) pack.entry({ mode: 0o644, ...h, size: body.length }, body, cb);
      else pack.entry({ mode: h.type === 'directory' ? 0o755 : 0o644, ...h }, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}
