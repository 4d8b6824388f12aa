// `docker export`: a container's whole filesystem as one uncompressed tar stream (entries named
// "bin/", "bin/sh", ... with no root entry; hard links, symlinks, devices, FIFOs, owners, modes,
// mtimes kept; sockets skipped). Walks the tree through directory fds, so nothing outside the
// root is ever read, even if the container rearranges its files meanwhile.
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { Snapshotter } from '../storage/index.js';
import { ScopedRoot } from './cp/scoped-root.js';
import { tarDir } from './cp/tar-tree.js';
import { tarStream } from './cp/stream.js';
import { mountSnapshot, type MountedSnapshot } from './cp/mount.js';

/** Tar of the filesystem mounted at `rootDir` (a running container's rootfs). */
export function exportRootfs(rootDir: string): Readable {
  let root: ScopedRoot | undefined;
  return tarStream(
    async function* () {
      root = new ScopedRoot(rootDir);
      yield* tarDir(root.fd, fs.fstatSync(root.fd), '', new Map());
    },
    () => root?.close(),
  );
}

/**
 * Tar of container snapshot `key` (a stopped container): mounted at a temp dir when the stream is
 * first read, unmounted when it ends, fails or is destroyed. Errors (unknown snapshot, mount
 * failure) arrive as stream errors.
 */
export function exportContainer(snaps: Snapshotter, key: string): Readable {
  let mounted: MountedSnapshot | undefined;
  let root: ScopedRoot | undefined;
  return tarStream(
    async function* () {
      mounted = await mountSnapshot(snaps, key);
      root = new ScopedRoot(mounted.dir);
      yield* tarDir(root.fd, fs.fstatSync(root.fd), '', new Map());
    },
    async () => {
      root?.close();
      await mounted?.release();
    },
  );
}
