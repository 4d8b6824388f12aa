// Writes COPY/ADD sources into a mounted root filesystem with Docker's destination rules:
// a directory source copies its contents; a file goes to dest/<name> when dest ends in `/` or is
// an existing directory, else to dest itself; several sources need a directory dest ending in
// `/`; missing parents are created (0755). Owners become 0:0 (or --chown), modes are kept (or
// --chmod). ADD extracts local tar archives (plain or gzip) into the destination directory.
// Everything goes through the scoped extractor of `docker cp`, so nothing lands outside the root.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createReadStream } from 'node:fs';
import { decompressed, TAR_END, TarReader, type TarHandler, type TarHeader } from '../../storage/index.js';
import { ScopedRoot, type DirHandle } from '../../image/cp/scoped-root.js';
import { CpExtractor } from '../../image/cp/extract.js';
import { tarDir, tarEntry, type LinkMap } from '../../image/cp/tar-tree.js';
import type { SourceInfo } from './sources.js';

export interface ApplyOptions {
  /** Owner of everything copied (default 0:0); `null` keeps the archive's owners (ADD of a tar). */
  chown?: { uid: number; gid: number };
  chmod?: number;
  /** ADD: local tar archives are extracted. */
  extractArchives?: boolean;
  cmd: string;
}

/** Rewrites modes of entries (--chmod) before they reach the extractor. */
class ModeOverride implements TarHandler {
  constructor(private readonly inner: TarHandler, private readonly mode: number) {}
  onEntry(h: TarHeader): void { this.inner.onEntry(h.type === 'file' || h.type === 'dir' ? { ...h, mode: this.mode } : h); }
  onData(chunk: Buffer): void { this.inner.onData(chunk); }
  onEntryEnd(): void { this.inner.onEntryEnd(); }
}

async function feed(chunks: AsyncIterable<Buffer>, root: ScopedRoot, dest: DirHandle, chown: { uid: number; gid: number } | undefined, chmod: number | undefined): Promise<void> {
  const ex = new CpExtractor(root, dest, chown ? { chown } : {});
  try {
    const reader = new TarReader(chmod === undefined ? ex : new ModeOverride(ex, chmod));
    for await (const c of chunks) if (!reader.ended) reader.push(c);
    reader.finish();
    ex.finish();
  } finally {
    ex.close();
  }
}

/** Entries of a tree walk, closed as an archive. */
async function* archive(entries: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield* entries;
  yield TAR_END;
}

/** True when the file is a tar archive (plain or gzip): its first header carries the ustar magic or a valid checksum. */
export async function isTarArchive(file: string): Promise<boolean> {
  const input = createReadStream(file, { highWaterMark: 64 * 1024 });
  try {
    let head = Buffer.alloc(0);
    for await (const c of decompressed(input)) {
      head = Buffer.concat([head, c]);
      if (head.length >= 512) break;
    }
    if (head.length < 512) return false;
    if (head.subarray(257, 262).toString('latin1') === 'ustar') return true;
    const stored = parseInt(head.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : head[i]!;
    return stored === sum && head[0] !== 0;
  } catch {
    return false;
  } finally {
    input.destroy();
  }
}

function isDirIn(root: ScopedRoot, parts: string[]): boolean {
  try {
    fs.closeSync(root.openDir(parts, '/' + parts.join('/')).fd);
    return true;
  } catch {
    return false;
  }
}

/** Copies `infos` to the container path `dest` (absolute) inside the root mounted at `rootDir`. */
export async function applySources(rootDir: string, infos: SourceInfo[], dest: string, opts: ApplyOptions): Promise<void> {
  if (infos.length > 1 && !dest.endsWith('/')) {
    throw new Error(`When using ${opts.cmd} with more than one source file, the destination must be a directory and end with a /`);
  }
  const target = new ScopedRoot(rootDir, 'image');
  const chown = opts.chown ?? { uid: 0, gid: 0 };
  try {
    const destParts = dest.split('/').filter((c) => c && c !== '.');
    for (const info of infos) {
      const src = new ScopedRoot(info.root.dir, 'source');
      try {
        const relParts = info.rel.split('/').filter(Boolean);
        const host = path.join(info.root.dir, info.rel);
        if (info.isDir) {
          const dir = target.openDir(destParts, dest, true);
          const sdir = src.openDir(relParts, info.rel || '/');
          try {
            await feed(archive(tarDir(sdir.fd, fs.fstatSync(sdir.fd), '.', new Map() as LinkMap)), target, dir, chown, opts.chmod);
          } finally {
            fs.closeSync(sdir.fd);
            fs.closeSync(dir.fd);
          }
          continue;
        }
        if (opts.extractArchives && (await isTarArchive(host))) {
          const dir = target.openDir(destParts, dest, true);
          try {
            await feed(decompressed(createReadStream(host)), target, dir, opts.chown, opts.chmod);
          } finally {
            fs.closeSync(dir.fd);
          }
          continue;
        }
        const intoDir = dest.endsWith('/') || isDirIn(target, destParts);
        const dirParts = intoDir ? destParts : destParts.slice(0, -1);
        const name = intoDir ? info.name : destParts[destParts.length - 1];
        if (!name) throw new Error(`${opts.cmd} failed: cannot copy a file to ${dest}`);
        const dir = target.openDir(dirParts, dest, true);
        const sdir = src.openDir(relParts.slice(0, -1), info.rel);
        try {
          await feed(archive(tarEntry(sdir.fd, relParts[relParts.length - 1]!, name, new Map())), target, dir, chown, opts.chmod);
        } finally {
          fs.closeSync(sdir.fd);
          fs.closeSync(dir.fd);
        }
      } finally {
        src.close();
      }
    }
  } finally {
    target.close();
  }
}
