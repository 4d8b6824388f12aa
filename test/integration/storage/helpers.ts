/** Shared helpers of the storage integration tests. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { encodeTarHeader, tarPadding, TAR_END, type TarWriteHeader } from '../../../src/storage/tar-writer.js';

export { FIXTURES } from '../../helpers/fixtures.js';

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `wharf-st-${tag}-`));
}

export type E = Partial<TarWriteHeader> & { name: string; data?: string | Buffer };

/** A tar built entry by entry (any names, including hostile ones). */
export function buildTar(entries: E[], end = true): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data);
    const h: TarWriteHeader = { type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 1700000000, ...e, size: data.length };
    parts.push(encodeTarHeader(h), data, tarPadding(data.length));
  }
  if (end) parts.push(TAR_END);
  return Buffer.concat(parts);
}

export function stream(b: Buffer): Readable {
  return Readable.from([b]);
}

/** Layer blobs (as stored: compressed or not) and the config's diff IDs of the first image in a docker-archive or OCI-layout tar, base first. */
export async function fixtureLayers(file: string): Promise<{ blobs: Buffer[]; diffIds: string[] }> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (h, s, next) => {
      const chunks: Buffer[] = [];
      s.on('data', (c: unknown) => { chunks.push(c as Buffer); });
      s.on('end', () => { files.set(h.name.replace(/^\.\//, ''), Buffer.concat(chunks)); next(); });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  fs.createReadStream(file).pipe(extract);
  await done;
  const json = (n: string) => JSON.parse(files.get(n)!.toString());
  if (files.has('manifest.json')) {
    const m = json('manifest.json')[0];
    return { blobs: (m.Layers as string[]).map((l) => files.get(l)!), diffIds: json(m.Config).rootfs.diff_ids };
  }
  const blob = (d: string) => files.get('blobs/sha256/' + d.slice(7))!;
  const manifest = JSON.parse(blob(json('index.json').manifests[0].digest).toString());
  const config = JSON.parse(blob(manifest.config.digest).toString());
  return { blobs: (manifest.layers as { digest: string }[]).map((l) => blob(l.digest)), diffIds: config.rootfs.diff_ids };
}

/** Unmount `target` if something is mounted there (test cleanup). */
export function umountQuiet(target: string): void {
  try { execFileSync('umount', [target], { stdio: 'ignore' }); } catch { /* not mounted */ }
}

export function mountedUnder(prefix: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(prefix));
}
