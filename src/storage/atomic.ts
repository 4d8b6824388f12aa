/** Crash-safe file writes: temp file + fsync + rename + fsync of the directory. */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { syncFs } from './sys.js';

/** fsync a directory so a rename/creation inside it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try { await fh.sync(); } finally { await fh.close(); }
}

export interface AtomicWriteOptions {
  /**
   * false: skip both fsyncs. Still atomic for readers and across a daemon crash (the page cache
   * survives it); only a machine crash may leave the previous version. For files rewritten often
   * whose truth can be recovered elsewhere (a container's state.json). Default true.
   */
  durable?: boolean;
}

/**
 * Atomically replace `file` with `data`: readers see the old or the new content, never a part.
 * Writes `<dir>/.<name>.tmp-<rand>`, fsyncs it, renames over `file`, fsyncs the directory.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644, opts: AtomicWriteOptions = {}): Promise<void> {
  const durable = opts.durable !== false;
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${randomBytes(6).toString('hex')}`);
  const fh = await fs.open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    if (durable) await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  if (durable) await fsyncDir(dir);
}

/** Atomically write `obj` as JSON (see writeFileAtomic). */
export async function writeJsonAtomic(file: string, obj: unknown, mode = 0o644, opts: AtomicWriteOptions = {}): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(obj, null, 2) + '\n', mode, opts);
}

/**
 * Remove a directory tree, even one holding read-only dirs or immutable-looking modes
 * (chmods dirs writable first on EACCES). Never follows symlinks. Missing path is fine.
 */
export async function removeTree(p: string): Promise<void> {
  try {
    await fs.rm(p, { recursive: true, force: true, maxRetries: 2 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EACCES' && (err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    await makeDirsWritable(p);
    await fs.rm(p, { recursive: true, force: true });
  }
}

async function makeDirsWritable(p: string): Promise<void> {
  const st = await fs.lstat(p).catch(() => null);
  if (!st?.isDirectory()) return;
  await fs.chmod(p, 0o700);
  for (const name of await fs.readdir(p)) await makeDirsWritable(path.join(p, name));
}

/**
 * Make a freshly written tree durable: fsyncs its regular files and dirs all at once (the journal
 * commits them together), or, above `maxEntries`, one syncfs of its filesystem instead.
 */
export async function syncTree(dir: string, maxEntries = 512): Promise<void> {
  const files: string[] = [];
  const dirs: string[] = [dir];
  for (let i = 0; i < dirs.length; i++) {
    for (const e of await fs.readdir(dirs[i]!, { withFileTypes: true })) {
      if (files.length + dirs.length > maxEntries) return syncFs(dir);
      const p = path.join(dirs[i]!, e.name);
      if (e.isDirectory()) dirs.push(p); else if (e.isFile()) files.push(p);
    }
  }
  await Promise.all([...files.map(fsyncFile), ...dirs.map(fsyncDir)]);
}

async function fsyncFile(file: string): Promise<void> {
  const fh = await fs.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try { await fh.sync(); } finally { await fh.close(); }
}

/** fsync files and dirs in parallel (several blobs written without fsync, made durable at once). */
export async function syncPaths(files: string[], dirs: string[] = []): Promise<void> {
  await Promise.all([...files.map(fsyncFile), ...dirs.map(fsyncDir)]);
}
