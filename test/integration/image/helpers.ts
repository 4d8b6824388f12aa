// Shared helpers for image integration tests: temp stores, fixture paths, rootfs mounts, tar editing.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { ImageStore } from '../../../src/image/index.js';
import { removeTree } from '../../../src/storage/index.js';

export { FIXTURES } from '../../helpers/fixtures.js';
import { FIXTURES } from '../../helpers/fixtures.js';
export const fixture = (name: string) => path.join(FIXTURES, name);

export function tempDir(prefix = 'wharf-img-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Unmounts anything still mounted below `dir` (deepest first), then removes it. */
export async function cleanupDir(dir: string): Promise<void> {
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]).filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) execFileSync('umount', ['-l', m]);
  await removeTree(dir);
}

export async function openTempStore(): Promise<{ store: ImageStore; root: string; close: () => Promise<void> }> {
  const root = tempDir('wharf-imgroot-');
  const store = await ImageStore.open(root);
  return { store, root, close: () => cleanupDir(root) };
}

/** Prepares a container snapshot on the image and mounts its rootfs with `mount -t overlay` (or bind). */
export async function mountImage(store: ImageStore, ref: string): Promise<{ dir: string; release: () => Promise<void> }> {
  const top = await store.ensureImageLayers(ref);
  const key = `test-${randomBytes(4).toString('hex')}`;
  const mounts = await store.snapshots.prepare(key, top);
  const dir = tempDir('wharf-imgmnt-');
  for (const m of mounts as Array<{ type: string; source: string; options: string[]; cwd?: string }>) {
    if (m.type === 'bind') execFileSync('mount', ['--bind', m.source, dir]);
    else execFileSync('mount', ['-t', m.type, m.source, '-o', m.options.join(','), dir], m.cwd ? { cwd: m.cwd } : {});
  }
  return {
    dir,
    release: async () => {
      execFileSync('umount', [dir]);
      fs.rmdirSync(dir);
      await store.snapshots.remove(key);
    },
  };
}

export interface TarFile { header: tar.Header | (Partial<tar.Header> & { name: string }); data: Buffer }

/** Reads a (small) tar file into memory. */
export async function readTar(file: string | Buffer): Promise<TarFile[]> {
  const extract = tar.extract();
  const src = Buffer.isBuffer(file) ? Readable.from([file]) : fs.createReadStream(file);
  src.pipe(extract as unknown as NodeJS.WritableStream);
  const out: TarFile[] = [];
  for await (const e of extract) {
    const chunks: Buffer[] = [];
    for await (const c of e as AsyncIterable<Buffer>) chunks.push(c);
    out.push({ header: { ...e.header }, data: Buffer.concat(chunks) });
  }
  return out;
}

/** Writes entries into a tar buffer. */
export async function writeTar(files: TarFile[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => { for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c); })();
  for (const f of files) {
    await new Promise<void>((res, rej) => pack.entry({ ...f.header, size: f.data.length }, f.data, (e) => (e ? rej(e) : res())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Everything the store holds: images, blobs, layer snapshots, in-flight markers. */
export async function storeContents(store: ImageStore) {
  return {
    images: store.ids(),
    blobs: (await store.content.list()).map((b) => b.digest),
    snapshots: (await store.snapshots.list()).map((s) => s.key),
    ops: fs.readdirSync(store.opsDir),
  };
}
