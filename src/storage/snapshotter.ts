/**
 * Snapshots: read-only layers keyed by chain ID (unpacked once, shared) and writable container
 * snapshots on top, with an overlay driver or a vfs (full copy) driver chosen at open().
 *
 * On disk: <root>/snapshots/<chainhex>/{fs,meta.json}  layers
 *          <root>/snapshots/c-<key>/{fs,work,meta.json}  container snapshots (fs = overlay upper, or full copy for vfs)
 *          <root>/l/<short> -> ../snapshots/<chainhex>/fs short names keeping overlay lowerdir lists short
 *          <root>/tmp/snap-*                              in-progress unpacks (removed by recover())
 */
import * as fs from 'node:fs/promises';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { type Digest, digestHex, isDigest } from './digest.js';
import type { WhiteoutMode } from './apply.js';
import { fsyncDir, removeTree, syncTree, writeJsonAtomic } from './atomic.js';
import { syncFs } from './sys.js';
import { overlayMount, overlaySupported, run } from './overlay.js';
import { copyTree } from './vfs.js';
import { BackgroundWork } from '../common/background-work.js';
import { DeferredSync, markerState } from './deferred-sync.js';
import { readMeta, readMetaSync, shortLinkName, snapshotDirName, type SnapshotMeta } from './snapshot-meta.js';

export type DriverName = 'overlay' | 'vfs';

/** An OCI runtime-spec mount (without destination; the rootfs mount). */
export interface Mount {
  type: string;
  source: string;
  options: string[];
  /**
   * Only when an overlay's layer list is too long for absolute paths (mount data is limited to
   * one page): the option paths are relative to this directory, so chdir there before mount(2).
   */
  cwd?: string;
}

/** 'layer' = read-only layer (key is its chain ID); 'active' = writable container snapshot. */
export type SnapshotKind = 'layer' | 'active';

export interface SnapshotInfo {
  /** Chain ID for layers; the caller's key for active snapshots. */
  key: string;
  kind: SnapshotKind;
  /** Parent layer chain ID or null. */
  parent: Digest | null;
  /** Keys of snapshots whose parent is this one (layers and active snapshots). */
  users: string[];
  /** ISO creation time. */
  created: string;
}

export interface SnapshotUsage {
  /** Bytes used by this snapshot's own content (layer fs, or container upper/copy). */
  size: number;
  inodes: number;
}

export interface SnapshotterOptions {
  /** Force a driver; default 'auto' (overlay when the data root supports it, else vfs). */
  driver?: DriverName | 'auto';
}

export interface EnsureLayerResult<T> {
  chainId: Digest;
  /** True when this call unpacked the layer; false when it existed (or a concurrent call made it). */
  created: boolean;
  /** What the apply callback returned, when this call ran it. */
  result?: T;
}

export class SnapshotInUseError extends Error {
  constructor(readonly key: string, readonly users: string[]) {
    super(`snapshot ${key} is in use by ${users.join(', ')}`);
    this.name = 'SnapshotInUseError';
  }
}

export class SnapshotNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`snapshot ${key} not found`);
    this.name = 'SnapshotNotFoundError';
  }
}

const DRIVER_FILE = '.driver';

export class Snapshotter {
  readonly snapshotsDir: string;
  private readonly linkDir: string;
  private readonly tmpDir: string;
  private readonly emptyDir: string;
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Metas of layers read so far (see meta()). */
  private readonly layerMetas = new Map<string, SnapshotMeta>();
  /** Usage of layers this process unpacked, as their apply reported it (saves usage() a walk). */
  private readonly layerUsage = new Map<string, SnapshotUsage>();
  /** Metas of active snapshots this process made or read (dropped when removed or committed). */
  private readonly activeMetas = new Map<string, SnapshotMeta>();
  /** Deletions of removed snapshots still running in the background (see remove()). */
  private readonly deleting = new BackgroundWork();
  /** Layers published before their content was synced (see deferred-sync.ts). */
  private readonly deferred: DeferredSync;
  /** Layers recover() dropped: published unsynced in an earlier boot, so maybe torn by a crash. */
  readonly droppedLayers: Digest[] = [];
  /** Pulls running now (holdingSyncs): the deferred syncfs waits for them. */
  private busyCount = 0;
  private lock: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly root: string,
    /** The chosen driver ('overlay' or 'vfs'). */
    readonly driver: DriverName,
  ) {
    this.snapshotsDir = path.join(root, 'snapshots');
    this.linkDir = path.join(root, 'l');
    this.tmpDir = path.join(root, 'tmp');
    this.emptyDir = path.join(root, 'snapshots', '.empty');
    this.deferred = new DeferredSync(this.snapshotsDir, () => this.inflight.size > 0 || this.busyCount > 0);
  }

  /** Runs `fn` with the deferred syncs held back (a pull: its fsyncs would wait for the writeback). */
  async holdingSyncs<T>(fn: () => Promise<T>): Promise<T> {
    this.busyCount++;
    try {
      return await fn();
    } finally {
      this.busyCount--;
    }
  }

  /** The whiteout mode layers must be applied with for this driver. */
  get whiteoutMode(): WhiteoutMode { return this.driver === 'overlay' ? 'overlay' : 'delete'; }

  /**
   * Open the snapshot store under `root` (creating dirs), choose the driver and run recover().
   * A root keeps the driver it was created with; forcing another one is an error.
   */
  static async open(root: string, opts: SnapshotterOptions = {}): Promise<Snapshotter> {
    root = path.resolve(root);
    const want = opts.driver ?? 'auto';
    if (want !== 'auto' && want !== 'overlay' && want !== 'vfs') throw new Error(`invalid storage driver ${JSON.stringify(want)}: expected overlay, vfs or auto`);
    for (const d of ['snapshots', 'snapshots/.empty', 'l', 'tmp']) await fs.mkdir(path.join(root, d), { recursive: true });
    const rawDriver = (await fs.readFile(path.join(root, 'snapshots', DRIVER_FILE), 'utf8').catch(() => '')).trim();
    // The file is written with writeJsonAtomic: a JSON string.
    const recorded = (rawDriver.startsWith('"') ? JSON.parse(rawDriver) : rawDriver) as DriverName | '';
    if (recorded && want !== 'auto' && want !== recorded) {
      throw new Error(`storage driver ${want} requested but ${root} holds ${recorded} snapshots`);
    }
    let driver: DriverName = recorded || (want === 'auto' ? 'overlay' : want);
    if (driver === 'overlay' && !(await overlaySupported(path.join(root, 'tmp')))) {
      if (recorded || want === 'overlay') throw new Error(`storage driver overlay is not supported on ${root} (overlay mount failed)`);
      driver = 'vfs';
    }
    if (!recorded) await writeJsonAtomic(path.join(root, 'snapshots', DRIVER_FILE), driver);
    const s = new Snapshotter(root, driver);
    await s.recover();
    return s;
  }

  /** Remove in-progress and half-removed dirs and dangling short links left by a crash. */
  async recover(): Promise<void> {
    for (const name of await fs.readdir(this.tmpDir)) {
      if (name.startsWith('snap-')) await removeTree(path.join(this.tmpDir, name));
    }
    for (const name of await fs.readdir(this.snapshotsDir)) {
      if (name.startsWith('.')) continue;
      const dir = path.join(this.snapshotsDir, name);
      // An active snapshot is made without fsyncs (prepare): a machine crash may leave its meta torn.
      const meta = await readMeta(dir).catch((err: Error) => { if (name.startsWith('c-')) return null; throw err; });
      if (!meta) await removeTree(dir);
      else if (meta.kind === 'layer') {
        const state = await markerState(dir);
        if (state === 'this-boot') this.deferred.add(dir);
        else if (state === 'stale') {
          // Its link is removed below with the other dangling ones; ensureLayer makes it again.
          await removeTree(dir);
          this.droppedLayers.push(meta.key as Digest);
        }
      }
    }
    for (const name of await fs.readdir(this.linkDir)) {
      const p = path.join(this.linkDir, name);
      if (!(await fs.stat(p).catch(() => null))) await fs.unlink(p);
    }
  }

  async hasLayer(chainId: Digest): Promise<boolean> {
    return (await this.meta(chainId))?.kind === 'layer';
  }

  /**
   * Make sure layer `chainId` (on top of `parentChainId`) exists. If absent, `apply(dir)` fills a
   * temp dir (for vfs already holding a copy of the parent) which becomes visible atomically when
   * apply resolves. Idempotent; concurrent calls for one chain ID run `apply` once.
   * `deferSync`: publish before the content is on disk and sync it soon after (deferred-sync.ts),
   * for layers that can be unpacked again from a durable blob.
   */
  async ensureLayer<T>(chainId: Digest, parentChainId: Digest | null, apply: (dir: string) => Promise<T>, opts: { deferSync?: boolean } = {}): Promise<EnsureLayerResult<T>> {
    digestHex(chainId, 'chain ID');
    if (parentChainId !== null) digestHex(parentChainId, 'parent chain ID');
    for (;;) {
      if (await this.hasLayer(chainId)) return { chainId, created: false };
      const pending = this.inflight.get(chainId);
      if (!pending) break;
      await pending.catch(() => {}); // if that attempt failed, try ourselves
    }
    const p = this.createLayer(chainId, parentChainId, apply, opts.deferSync === true);
    this.inflight.set(chainId, p);
    try {
      return await p;
    } finally {
      this.inflight.delete(chainId);
    }
  }

  private async createLayer<T>(chainId: Digest, parent: Digest | null, apply: (dir: string) => Promise<T>, deferSync: boolean): Promise<EnsureLayerResult<T>> {
    if (parent !== null && !(await this.hasLayer(parent))) throw new SnapshotNotFoundError(parent);
    const tmp = await this.makeTmp();
    try {
      const fsDir = path.join(tmp, 'fs');
      if (this.driver === 'vfs' && parent !== null) await copyTree(this.layerDir(parent), fsDir);
      const result = await apply(fsDir);
      const link = shortLinkName(chainId);
      const meta: SnapshotMeta = { kind: 'layer', key: chainId, parent, created: new Date().toISOString(), link };
      // No fsyncs of its own: the syncfs right after makes the meta durable with the content.
      await writeJsonAtomic(path.join(tmp, 'meta.json'), meta, 0o644, { durable: false });
      // Deferred: the marker goes in before the publishing rename, the syncfs comes later.
      if (deferSync) await this.deferred.mark(tmp);
      else await syncFs(tmp);
      const created = await this.locked(async () => {
        if (parent !== null && !(await this.hasLayer(parent))) throw new SnapshotNotFoundError(parent);
        await fs.symlink(`../snapshots/${digestHex(chainId)}/fs`, path.join(this.linkDir, link)).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
        });
        return this.publish(tmp, chainId);
      });
      const usage = (result as { usage?: SnapshotUsage } | null | undefined)?.usage;
      if (created && usage && typeof usage.size === 'number') this.layerUsage.set(chainId, { size: usage.size, inodes: usage.inodes });
      if (created && deferSync) this.deferred.add(path.join(this.snapshotsDir, digestHex(chainId)));
      return created ? { chainId, created, result } : { chainId, created };
    } finally {
      await removeTree(tmp);
    }
  }

  /**
   * Overlay only: turns unmounted active snapshot `key` into layer `chainId` (on the same parent)
   * by moving its upper dir into place: an upper dir (whiteouts as 0:0 char devices, opaque dirs
   * by xattr) is exactly what a lower layer holds, so nothing is unpacked. The caller guarantees
   * the upper dir holds what layer `chainId` is (its diff tar made from it). Crash-safe like
   * ensureLayer: the content and meta are durable before the rename publishes the layer.
   * `parentChainId` must be the snapshot's parent. Returns false when the layer exists already
   * (`key` is then left as it was, unless another process published that layer meanwhile).
   * `durable: false` skips the fsyncs: the caller makes the layer durable later (syncLayer).
   */
  async commitActive(key: string, chainId: Digest, parentChainId: Digest | null, opts: { durable?: boolean } = {}): Promise<boolean> {
    const durable = opts.durable !== false;
    if (this.driver !== 'overlay') throw new Error(`commitActive needs the overlay driver (this store uses ${this.driver})`);
    digestHex(chainId, 'chain ID');
    const src = path.join(this.snapshotsDir, snapshotDirName(key));
    const meta = await this.meta(key);
    if (meta?.kind !== 'active') throw new SnapshotNotFoundError(key);
    if (meta.parent !== parentChainId) throw new Error(`snapshot ${key} is on ${meta.parent ?? 'no layer'}, not on ${parentChainId ?? 'no layer'}`);
    if (await this.hasLayer(chainId)) return false;
    const link = shortLinkName(chainId);
    const layerMeta: SnapshotMeta = { kind: 'layer', key: chainId, parent: meta.parent, created: new Date().toISOString(), link };
    // Content first (outside the lock: the snapshot is unmounted and only its owner commits it).
    if (durable) await syncTree(path.join(src, 'fs'));
    return this.locked(async () => {
      if (await this.hasLayer(chainId)) return false;
      if (meta.parent !== null && !(await this.hasLayer(meta.parent as Digest))) throw new SnapshotNotFoundError(meta.parent);
      // Out of snapshots/ first: from here a crash leaves a tmp/snap-* dir that recover() removes.
      const tmp = path.join(this.tmpDir, 'snap-' + randomBytes(8).toString('hex'));
      this.activeMetas.delete(key);
      await fs.rename(src, tmp);
      try {
        await removeTree(path.join(tmp, 'work'));
        await writeJsonAtomic(path.join(tmp, 'meta.json'), layerMeta, 0o644, { durable });
        await fs.symlink(`../snapshots/${digestHex(chainId)}/fs`, path.join(this.linkDir, link)).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
        });
        return await this.publish(tmp, chainId, durable);
      } finally {
        await removeTree(tmp);
      }
    });
  }

  /** Makes a layer committed with `durable: false` durable: its content, meta, link and entry. */
  async syncLayer(chainId: Digest): Promise<void> {
    await syncTree(path.join(this.snapshotsDir, digestHex(chainId, 'chain ID')));
    await Promise.all([fsyncDir(this.snapshotsDir), fsyncDir(this.linkDir)]);
  }

  /** Read-only directory holding the layer's unpacked content (the overlay lower dir / full copy). */
  layerDir(chainId: Digest): string {
    return path.join(this.snapshotsDir, digestHex(chainId, 'chain ID'), 'fs');
  }

  /**
   * Create a writable snapshot `key` on top of a layer (or empty); returns the rootfs mounts.
   * `durable: false` skips the fsyncs, for short-lived snapshots a crash may lose (build steps).
   */
  async prepare(key: string, parentChainId: Digest | null, opts: { durable?: boolean } = {}): Promise<Mount[]> {
    const durable = opts.durable !== false;
    if (isDigest(key)) throw new Error(`invalid snapshot key ${key}: digests name layers`);
    snapshotDirName(key);
    if (!durable && this.driver === 'overlay') {
      await this.locked(async () => this.prepareInPlace(key, parentChainId));
      return this.mounts(key);
    }
    if (parentChainId !== null && !(await this.hasLayer(parentChainId))) throw new SnapshotNotFoundError(parentChainId);
    if (await this.meta(key)) throw new Error(`snapshot ${key} already exists`);
    const tmp = await this.makeTmp();
    try {
      const upper = path.join(tmp, 'fs');
      const fillUpper = async (): Promise<void> => {
        if (parentChainId === null) return;
        if (this.driver === 'vfs') return copyTree(this.layerDir(parentChainId), upper);
        // The merged root takes the upper root's owner and mode: start from the image's.
        const st = await fs.stat(this.layerDir(parentChainId));
        await Promise.all([fs.chown(upper, st.uid, st.gid), fs.chmod(upper, st.mode & 0o7777)]);
      };
      // Independent parts of the temp dir, made concurrently.
      await Promise.all([
        fillUpper(),
        this.driver === 'overlay' ? fs.mkdir(path.join(tmp, 'work')) : undefined,
        writeJsonAtomic(path.join(tmp, 'meta.json'), { kind: 'active', key, parent: parentChainId, created: new Date().toISOString() } satisfies SnapshotMeta, 0o644, { durable }),
      ]);
      const created = await this.locked(async () => {
        if (parentChainId !== null && !(await this.hasLayer(parentChainId))) throw new SnapshotNotFoundError(parentChainId);
        return this.publish(tmp, key, durable);
      });
      if (!created) throw new Error(`snapshot ${key} already exists`);
    } finally {
      await removeTree(tmp);
    }
    return this.mounts(key);
  }

  /**
   * prepare() without durability on overlay: a handful of synchronous syscalls (no thread-pool
   * round trips), made in place with meta.json last: until it exists, meta() sees no snapshot, and
   * recover() removes a directory a crash left without it. Runs under the lock in one go, so no
   * removal of the parent layer can interleave.
   */
  private prepareInPlace(key: string, parentChainId: Digest | null): void {
    if (parentChainId !== null && this.metaSync(parentChainId)?.kind !== 'layer') throw new SnapshotNotFoundError(parentChainId);
    const dir = path.join(this.snapshotsDir, snapshotDirName(key));
    try {
      mkdirSync(dir, { mode: 0o755 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`snapshot ${key} already exists`);
      throw err;
    }
    try {
      const upper = path.join(dir, 'fs');
      mkdirSync(upper, { mode: 0o755 });
      if (parentChainId === null) chmodSync(upper, 0o755);
      else {
        // The merged root takes the upper root's owner and mode: start from the image's.
        const st = statSync(this.layerDir(parentChainId));
        chownSync(upper, st.uid, st.gid);
        chmodSync(upper, st.mode & 0o7777);
      }
      mkdirSync(path.join(dir, 'work'));
      const meta: SnapshotMeta = { kind: 'active', key, parent: parentChainId, created: new Date().toISOString() };
      // Written last, in one write(2): no one in this process reads it before this returns, and a
      // crash leaves it absent, empty or whole (recover() removes the first two).
      writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n', { mode: 0o644, flag: 'wx' });
      this.activeMetas.set(key, meta);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Mounts of an existing active snapshot (an overlay, or a bind mount of the vfs copy).
   * `volatile: true` (overlay): no syncs, in particular none at unmount, which otherwise syncs the
   * whole filesystem of the data root (milliseconds, more under others' writes): for snapshots a
   * machine crash may lose (AutoRemove containers, as podman does for --rm).
   */
  async mounts(key: string, opts: { volatile?: boolean } = {}): Promise<Mount[]> {
    const meta = await this.meta(key);
    if (meta?.kind !== 'active') throw new SnapshotNotFoundError(key);
    const dirRel = path.join('snapshots', snapshotDirName(key));
    if (this.driver === 'vfs') return [{ type: 'bind', source: path.join(this.root, dirRel, 'fs'), options: ['rbind', 'rw'] }];
    const lowers: string[] = [];
    for (const id of await this.chain(meta.parent)) lowers.push(path.join('l', (await this.meta(id))!.link!));
    if (lowers.length === 0) lowers.push(path.relative(this.root, this.emptyDir));
    // A volatile mount leaves work/work/incompat/volatile, and the kernel refuses to mount the
    // snapshot again while it exists. It only means "a crash may have lost writes": a snapshot
    // mounted volatile is one a crash removes anyway, so it goes before any next mount.
    rmSync(path.join(this.root, dirRel, 'work', 'work', 'incompat'), { recursive: true, force: true });
    return [overlayMount(this.root, lowers, path.join(dirRel, 'fs'), path.join(dirRel, 'work'), opts.volatile ? ['volatile'] : [])];
  }

  /**
   * The directories whose union is active snapshot `key`, topmost first (its own upper dir, then
   * its layers): to read a file of the view without mounting it (see storage/layered-read.ts).
   */
  async viewDirs(key: string): Promise<string[]> {
    const meta = await this.meta(key);
    if (meta?.kind !== 'active') throw new SnapshotNotFoundError(key);
    const own = path.join(this.snapshotsDir, snapshotDirName(key), 'fs');
    if (this.driver === 'vfs') return [own];
    const layers = await this.chain(meta.parent);
    return [own, ...layers.map((id) => path.join(this.snapshotsDir, snapshotDirName(id), 'fs'))];
  }

  /** Mount active snapshot `key` at `target` (handles lowerdir lists beyond the mount option limit). */
  async mount(key: string, target: string): Promise<void> {
    for (const m of await this.mounts(key)) {
      if (m.type === 'bind') await run('mount', ['--bind', m.source, target]);
      else await run('mount', ['-t', m.type, m.source, '-o', m.options.join(','), target], m.cwd);
    }
  }

  /** Unmount what mount() mounted at `target`. */
  async unmount(target: string): Promise<void> {
    await run('umount', [target]);
  }

  /** Writable dir of an active snapshot: overlay upper dir, or the full copy for vfs. */
  upperDir(key: string): string {
    return path.join(this.snapshotsDir, snapshotDirName(key), 'fs');
  }

  /** Layer chain IDs below `parent` inclusive, topmost first ([] for null). */
  async chain(parent: Digest | null): Promise<Digest[]> {
    const out: Digest[] = [];
    for (let id = parent; id !== null;) {
      const m = await this.meta(id);
      if (m?.kind !== 'layer') throw new SnapshotNotFoundError(id);
      out.push(id);
      id = m.parent as Digest | null;
    }
    return out;
  }

  /**
   * Remove an active snapshot (by key) or a layer (by chain ID). Throws SnapshotInUseError if it has users.
   * `durable: false` skips the fsync of the removal (a short-lived snapshot a crash may leave: swept later).
   * `background: true` returns once the snapshot is gone from the store (renamed into tmp/): its
   * files are deleted afterwards (settle() awaits that; recover() finishes what a crash cut short).
   */
  async remove(key: string, opts: { durable?: boolean; background?: boolean } = {}): Promise<void> {
    const name = snapshotDirName(key);
    await this.locked(async () => {
      const meta = await this.meta(key);
      if (!meta) throw new SnapshotNotFoundError(key);
      const users = await this.users(key);
      if (users.length) throw new SnapshotInUseError(key, users);
      const trash = path.join(this.tmpDir, 'snap-del-' + randomBytes(6).toString('hex'));
      this.layerMetas.delete(key);
      this.layerUsage.delete(key);
      this.activeMetas.delete(key);
      if (opts.background) renameSync(path.join(this.snapshotsDir, name), trash); // one syscall: no thread-pool round trip
      else await fs.rename(path.join(this.snapshotsDir, name), trash);
      if (opts.durable !== false) await fsyncDir(this.snapshotsDir);
      if (meta.link) await fs.unlink(path.join(this.linkDir, meta.link)).catch(() => {});
      if (!opts.background) return removeTree(trash);
      this.deleting.add(removeTree(trash));
    });
  }

  /** Resolves once the deletions remove() left running in the background are done, and the layers published unsynced are synced. */
  async settle(): Promise<void> {
    await Promise.all([this.deleting.settle(), this.deferred.flush()]);
  }

  /** Kind and parent of one snapshot (null if absent), without listing all of them as stat() does. */
  async describe(key: string): Promise<{ kind: SnapshotKind; parent: Digest | null } | null> {
    const m = await this.meta(key);
    return m ? { kind: m.kind, parent: m.parent as Digest | null } : null;
  }

  async stat(key: string): Promise<SnapshotInfo> {
    const info = (await this.list()).find((s) => s.key === key);
    if (!info) throw new SnapshotNotFoundError(key);
    return info;
  }

  async list(): Promise<SnapshotInfo[]> {
    const metas: SnapshotMeta[] = [];
    for (const name of await fs.readdir(this.snapshotsDir)) {
      if (name.startsWith('.')) continue;
      const m = await readMeta(path.join(this.snapshotsDir, name));
      if (m) metas.push(m);
    }
    return metas.map((m) => ({
      key: m.key, kind: m.kind, parent: m.parent, created: m.created,
      users: metas.filter((u) => u.parent === m.key).map((u) => u.key),
    }));
  }

  /** Keys of snapshots directly on top of `key` (empty = removable). */
  async users(key: string): Promise<string[]> {
    if (!isDigest(key)) return [];
    return (await this.list()).filter((s) => s.parent === key).map((s) => s.key);
  }

  /** Apparent size (hard links counted once) and inode count of the snapshot's own content. */
  async usage(key: string): Promise<SnapshotUsage> {
    const meta = await this.meta(key);
    if (!meta) throw new SnapshotNotFoundError(key);
    const known = this.layerUsage.get(key);
    if (known) return { ...known };
    const seen = new Set<number>();
    let size = 0;
    let inodes = 0;
    // Synchronous lstat is ~8x cheaper than the promise API for big trees; yielding every few
    // hundred directories keeps the event loop responsive.
    let dirs = 0;
    const walk = async (dir: string): Promise<void> => {
      if (++dirs % 256 === 0) await new Promise((r) => setImmediate(r));
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        const st = lstatSync(p);
        if (seen.has(st.ino)) continue;
        seen.add(st.ino);
        inodes++;
        if (!st.isDirectory()) size += st.size;
        if (e.isDirectory()) await walk(p);
      }
    };
    await walk(path.join(this.snapshotsDir, snapshotDirName(key), 'fs'));
    return { size, inodes };
  }

  private async meta(key: string): Promise<SnapshotMeta | null> {
    return this.metaSync(key);
  }

  private metaSync(key: string): SnapshotMeta | null {
    const dir = path.join(this.snapshotsDir, snapshotDirName(key));
    // A published layer's meta never changes: read once, then only checked to still be there (a
    // build walks its chain many times; one sync stat costs far less than an async read). Reads are
    // synchronous too: one small file.
    // Active snapshots' metas too, once known: they change only through this process (remove, commitActive).
    const cached = this.layerMetas.get(key) ?? this.activeMetas.get(key);
    if (cached && existsSync(path.join(dir, 'meta.json'))) return cached;
    this.layerMetas.delete(key);
    this.activeMetas.delete(key);
    const m = readMetaSync(dir);
    if (m?.kind === 'layer') this.layerMetas.set(key, m);
    else if (m?.kind === 'active') this.activeMetas.set(key, m);
    return m;
  }

  private async makeTmp(): Promise<string> {
    const tmp = path.join(this.tmpDir, 'snap-' + randomBytes(8).toString('hex'));
    await fs.mkdir(path.join(tmp, 'fs'), { recursive: true, mode: 0o755 });
    await fs.chmod(path.join(tmp, 'fs'), 0o755);
    return tmp;
  }

  /** Rename a complete temp dir into place; false if `key` appeared meanwhile (another process). */
  private async publish(tmp: string, key: string, durable = true): Promise<boolean> {
    try {
      await fs.rename(tmp, path.join(this.snapshotsDir, snapshotDirName(key)));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
      throw err;
    }
    if (durable) await fsyncDir(this.snapshotsDir);
    return true;
  }

  /** Serialise metadata changes within this process (parent checks vs. removals). */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => {});
    return next;
  }
}
