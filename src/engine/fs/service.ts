// A container's filesystem for diff, export and cp: a running container's mounted rootfs, or,
// for a stopped one, its snapshot mounted for the duration of the operation (under the container
// lock, so a start cannot mount the same overlay upper dir at the same time).
import { isInitLayerPath } from '../init-layer.js';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import {
  archiveGet, archiveHead, archivePut, exportRootfs, mountSnapshot,
  type ContainerPathStat,
} from '../../image/index.js';
import { changes, type Change } from '../../storage/index.js';
import type { ContainerService } from '../containers/service.js';
import type { Rec } from '../containers/inspect.js';
import { EngineError, InvalidParameterError, NotFoundError } from '../errors.js';

export interface PutOptions {
  noOverwriteDirNonDir: boolean;
  copyUIDGID: boolean;
}

/** Changes without the init-layer paths, and without directories listed only as their parents. */
export function withoutInitLayer(list: Change[]): Change[] {
  const hidden = isInitLayerPath;
  const kept = list.filter((c) => !hidden(c.Path));
  const parentOfHidden = (p: string) => list.some((c) => hidden(c.Path) && c.Path.startsWith(p + '/'));
  const hasKeptChild = (p: string) => kept.some((c) => c.Path.startsWith(p + '/'));
  return kept.filter((c) => !(c.Kind === 0 && parentOfHidden(c.Path) && !hasKeptChild(c.Path)));
}

/** Docker's ErrRootFSReadOnly answer. */
class ReadOnlyRootfsError extends EngineError {
  constructor() { super('container rootfs is marked read-only', 403); }
}

/** The cp library's errors as API errors (404 for a missing path, 400 for the rest). */
export function apiError(err: unknown): unknown {
  const e = err as Error;
  switch (e?.name) {
    case 'ContainerPathNotFoundError': return new NotFoundError(e.message);
    case 'ContainerPathNotDirectoryError':
    case 'ExtractPointNotDirectoryError':
    case 'SymlinkLoopError':
    case 'ArchiveEntryError':
      return new InvalidParameterError(e.message);
    default: return err;
  }
}

export class ContainerFs {
  constructor(private readonly containers: ContainerService) {}

  private get ctx() { return this.containers.ctx; }
  private get snaps() { return this.ctx.opts.images.snapshots; }

  private runningRoot(rec: Rec): string | null {
    return this.ctx.tasks.has(rec.id) ? path.join(this.ctx.store.dirOf(rec.id), 'rootfs') : null;
  }

  /**
   * Runs `fn` on the container's root directory under its lock. `fn` returns a value and a
   * promise of when it is done with the root (e.g. a tar stream closed): the lock and any
   * temporary mount are held until then; the value is returned as soon as it is ready.
   */
  private withRoot<T>(rec: Rec, fn: (root: string, running: boolean) => Promise<{ value: T; done?: Promise<unknown> }>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      void this.ctx.withLock(rec.id, async () => {
        try {
          if (!this.ctx.store.find(rec.id)) throw new NotFoundError(`No such container: ${rec.id}`);
          const running = this.runningRoot(rec);
          if (running) {
            const r = await fn(running, true);
            resolve(r.value);
            return; // a running container's root stays mounted: no need to hold the lock
          }
          const m = await mountSnapshot(this.snaps, rec.id);
          try {
            const r = await fn(m.dir, false);
            resolve(r.value);
            await r.done;
          } finally {
            await m.release();
          }
        } catch (err) {
          reject(apiError(err));
        }
      });
    });
  }

  async changes(ref: string): Promise<Change[]> {
    const rec = this.containers.get(ref);
    return withoutInitLayer(await changes(this.snaps, rec.id));
  }

  /** Tar of the whole filesystem; "export" event. */
  async export(ref: string): Promise<Readable> {
    const rec = this.containers.get(ref);
    const tar = await this.withRoot(rec, async (root) => {
      const t = exportRootfs(root);
      return { value: t, done: new Promise((res) => t.once('close', res)) };
    });
    this.ctx.emit(rec, 'export');
    return tar;
  }

  async stat(ref: string, containerPath: string): Promise<ContainerPathStat> {
    const rec = this.containers.get(ref);
    return this.withRoot(rec, async (root) => ({ value: await archiveHead(root, containerPath, { containerId: ref }) }));
  }

  async get(ref: string, containerPath: string): Promise<{ stat: ContainerPathStat; tar: Readable }> {
    const rec = this.containers.get(ref);
    const result = await this.withRoot(rec, async (root) => {
      const r = await archiveGet(root, containerPath, { containerId: ref });
      return { value: r, done: new Promise((res) => r.tar.once('close', res)) };
    });
    this.ctx.emit(rec, 'archive-path');
    return result;
  }

  async put(ref: string, containerPath: string, input: Readable, opts: PutOptions): Promise<void> {
    const rec = this.containers.get(ref);
    if (rec.config.HostConfig.ReadonlyRootfs) throw new ReadOnlyRootfsError();
    await this.withRoot(rec, async (root) => {
      await archivePut(root, containerPath, input, {
        containerId: ref, noOverwriteDirNonDir: opts.noOverwriteDirNonDir, copyUIDGID: opts.copyUIDGID, user: rec.config.Config.User ?? '',
      });
      return { value: undefined };
    });
    this.ctx.emit(rec, 'extract-to-dir');
  }
}
