// The archive endpoints behind `docker cp`: HEAD (stat), GET (tar of a path) and PUT (extract a
// tar into a directory) on a mounted container root, with Docker's path rules:
//  - paths are taken from the container's `/`; the final component is not followed when it is a
//    symlink (the link itself is copied), unless the path ends in `/` (then it must be a directory);
//  - `dir/.` copies the directory's contents (entries named `./...`);
//  - PUT follows the final symlink too, and the target must be an existing directory.
// Every lookup stays inside the root (scoped-root.ts), whatever the container's symlinks say.
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { decompressed, TarReader, type Snapshotter } from '../../storage/index.js';
import { at, components, ScopedRoot, type DirHandle } from './scoped-root.js';
import { parseContainerPath, type ContainerPath } from './paths.js';
import { toPathStat, type ContainerPathStat } from './stat.js';
import { tarDir, tarEntry, type LinkMap } from './tar-tree.js';
import { tarStream } from './stream.js';
import { CpExtractor } from './extract.js';
import { resolveContainerUser } from './user.js';
import { mountSnapshot } from './mount.js';
import { ContainerPathNotDirectoryError, ContainerPathNotFoundError, ExtractPointNotDirectoryError } from './errors.js';

export interface ArchiveOptions {
  /** Container name or ID, for error messages. */
  containerId?: string;
}

export interface ArchiveGetOptions extends ArchiveOptions {
  /** Called once the tar stream has ended or been destroyed (e.g. to unmount the root). */
  release?: () => void | Promise<void>;
}

export interface ArchivePutOptions extends ArchiveOptions {
  /** Fail instead of replacing a directory with a non-directory (or the reverse). */
  noOverwriteDirNonDir?: boolean;
  /** Own every extracted entry by `user` (the container's Config.User) instead of the archive's owners. */
  copyUIDGID?: boolean;
  /** The container's Config.User ("name", "uid", "name:group", "uid:gid"); used with copyUIDGID. */
  user?: string;
}

interface Located {
  cp: ContainerPath;
  dir: DirHandle;
  st: fs.Stats;
  stat: ContainerPathStat;
}

/** Finds the requested path and stats it; the caller closes `dir.fd`. */
function locate(root: ScopedRoot, requested: string): Located {
  const cp = parseContainerPath(requested);
  const dir = root.openDir(cp.dirParts, requested);
  try {
    let st: fs.Stats;
    if (cp.base === '') {
      st = fs.fstatSync(dir.fd);
    } else {
      const found = fs.lstatSync(at(dir.fd, cp.base), { throwIfNoEntry: false });
      if (!found) throw new ContainerPathNotFoundError(requested, root.label);
      st = found;
    }
    const linkTarget = st.isSymbolicLink() ? root.realPath([...dir.rel, cp.base], requested) : '';
    return { cp, dir, st, stat: toPathStat(cp.name, st, linkTarget) };
  } catch (err) {
    fs.closeSync(dir.fd);
    throw err;
  }
}

function openRoot(rootDir: string, opts: ArchiveOptions): ScopedRoot {
  return new ScopedRoot(rootDir, opts.containerId ?? rootDir);
}

/** HEAD /containers/{id}/archive: the stat of a path (see ContainerPathStat). */
export async function archiveHead(rootDir: string, containerPath: string, opts: ArchiveOptions = {}): Promise<ContainerPathStat> {
  const root = openRoot(rootDir, opts);
  try {
    const { dir, stat } = locate(root, containerPath);
    fs.closeSync(dir.fd);
    return stat;
  } finally {
    root.close();
  }
}

/**
 * GET /containers/{id}/archive: the stat and an uncompressed tar of the path, entries named
 * after the requested base name. The stream must be consumed or destroyed (it holds open files).
 */
export async function archiveGet(rootDir: string, containerPath: string, opts: ArchiveGetOptions = {}): Promise<{ stat: ContainerPathStat; tar: Readable }> {
  const root = openRoot(rootDir, opts);
  let found: Located;
  try {
    found = locate(root, containerPath);
  } catch (err) {
    root.close();
    throw err;
  }
  const { cp, dir, st, stat } = found;
  const links: LinkMap = new Map();
  const body = cp.base === ''
    ? () => tarDir(dir.fd, st, cp.name === '/' ? '.' : cp.name, links)
    : () => tarEntry(dir.fd, cp.base, cp.base, links);
  const tar = tarStream(body, async () => {
    fs.closeSync(dir.fd);
    root.close();
    await opts.release?.();
  });
  return { stat, tar };
}

/**
 * GET archive of a stopped container: mounts snapshot `key` for as long as the tar stream lives
 * (unmounted when it ends, fails or is destroyed, or right away on error).
 */
export async function archiveGetSnapshot(snaps: Snapshotter, key: string, containerPath: string, opts: ArchiveOptions = {}): Promise<{ stat: ContainerPathStat; tar: Readable }> {
  const m = await mountSnapshot(snaps, key);
  try {
    return await archiveGet(m.dir, containerPath, { ...opts, release: m.release });
  } catch (err) {
    await m.release();
    throw err;
  }
}

/**
 * PUT /containers/{id}/archive: extracts a tar (plain, gzip or zstd) into the existing directory
 * `containerPath` (a symlink to a directory is followed). Errors as Docker's: a missing path is
 * ContainerPathNotFoundError, a non-directory ExtractPointNotDirectoryError, a hostile or
 * conflicting entry ArchiveEntryError.
 */
export async function archivePut(rootDir: string, containerPath: string, input: Readable, opts: ArchivePutOptions = {}): Promise<void> {
  const root = openRoot(rootDir, opts);
  let dest: DirHandle | undefined;
  let ex: CpExtractor | undefined;
  try {
    try {
      dest = root.openDir(components(parseContainerPath(containerPath).abs), containerPath);
    } catch (err) {
      if (err instanceof ContainerPathNotDirectoryError) throw new ExtractPointNotDirectoryError(containerPath);
      throw err;
    }
    const chown = opts.copyUIDGID && opts.user ? resolveContainerUser(root, opts.user) : undefined;
    ex = new CpExtractor(root, dest, { noOverwriteDirNonDir: opts.noOverwriteDirNonDir ?? false, ...(chown ? { chown } : {}) });
    const reader = new TarReader(ex);
    for await (const chunk of decompressed(input)) {
      if (!reader.ended) reader.push(chunk);
    }
    reader.finish();
    ex.finish();
  } catch (err) {
    input.destroy();
    throw err;
  } finally {
    ex?.close();
    if (dest) fs.closeSync(dest.fd);
    root.close();
  }
}
