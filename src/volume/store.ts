// Volumes on disk: <data-root>/volumes/<name>/volume.json (written atomically, last, so a volume
// exists once its metadata does) and <name>/_data (the mount point containers get). Tracks the
// users of each volume whose filesystem must be mounted (local driver options) so it is mounted
// at the first and unmounted after the last.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { removeTree, writeJsonAtomic } from '../storage/atomic.js';
import { VolumeConflictError, VolumeNotFoundError, VolumeSystemError } from './errors.js';
import { mountLocal, needsMount, unmountAll, validateLocalOptions } from './local-driver.js';
import { mountsUnder } from '../storage/mountinfo.js';
import { validateVolumeName } from './names.js';
import type { VolumeRecord } from './types.js';

const META = 'volume.json';

export interface CreateVolumeOptions {
  driver?: string;
  labels?: Record<string, string> | null;
  options?: Record<string, string> | null;
}

export class VolumeStore {
  private readonly vols = new Map<string, VolumeRecord>();
  private readonly users = new Map<string, Set<string>>();
  private readonly locks = new Map<string, Promise<unknown>>();

  private constructor(readonly root: string) {}

  /** Opens <dataRoot>/volumes: loads every volume, drops half-created ones. */
  static async open(dataRoot: string): Promise<VolumeStore> {
    const s = new VolumeStore(path.join(dataRoot, 'volumes'));
    await fs.mkdir(s.root, { recursive: true, mode: 0o701 });
    for (const name of await fs.readdir(s.root)) {
      const dir = path.join(s.root, name);
      try {
        const rec = JSON.parse(await fs.readFile(path.join(dir, META), 'utf8')) as VolumeRecord;
        if (rec.Name !== name) throw new Error(`volume.json names ${rec.Name}`);
        s.vols.set(name, rec);
      } catch (err) {
        // A create interrupted before its metadata was written: nothing refers to it yet.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && mountsUnder(dir).length === 0) await removeTree(dir);
      }
    }
    return s;
  }

  dataDir(name: string): string {
    return path.join(this.root, name, '_data');
  }

  find(name: string): VolumeRecord | undefined {
    return this.vols.get(name);
  }

  get(name: string): VolumeRecord {
    const v = this.vols.get(name);
    if (!v) throw new VolumeNotFoundError(name);
    return v;
  }

  list(): VolumeRecord[] {
    return [...this.vols.values()];
  }

  /** Creates the volume, or returns the existing one of that name (Docker's idempotent create). */
  async create(name: string, opts: CreateVolumeOptions = {}): Promise<{ volume: VolumeRecord; created: boolean }> {
    const driver = opts.driver || 'local';
    validateVolumeName(name);
    return this.withLock(name, async () => {
      const existing = this.vols.get(name);
      if (existing) {
        if (driver !== existing.Driver) throw new VolumeConflictError(`create ${name}: volume name must be unique: a volume with this name exists with driver "${existing.Driver}"`);
        return { volume: existing, created: false };
      }
      if (driver !== 'local') throw new VolumeNotFoundError(driver, `create ${name}: error looking up volume plugin`);
      validateLocalOptions(opts.options);
      const rec: VolumeRecord = {
        Name: name, Driver: 'local', CreatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        Labels: opts.labels ?? null, Options: opts.options ?? null,
      };
      const dir = path.join(this.root, name);
      await fs.mkdir(path.join(dir, '_data'), { recursive: true, mode: 0o755 });
      await writeJsonAtomic(path.join(dir, META), rec, 0o600);
      this.vols.set(name, rec);
      return { volume: rec, created: true };
    });
  }

  /** Deletes the volume and its data (the caller checked that no container refers to it). */
  remove(name: string): Promise<void> {
    return this.withLock(name, async () => {
      if (!this.vols.has(name)) throw new VolumeNotFoundError(name, 'remove');
      const dir = path.join(this.root, name);
      await unmountAll(dir);
      // Never delete through a mount (a bind-type volume holds the user's own files).
      if (mountsUnder(dir).length) throw new VolumeSystemError(`remove ${name}: volume is still mounted`);
      // Metadata first: a crash mid-way leaves a directory without it, which open() clears.
      await fs.rm(path.join(dir, META), { force: true });
      this.vols.delete(name);
      this.users.delete(name);
      await removeTree(dir);
    });
  }

  /** Marks `user` as using the volume; mounts its filesystem for the first user. */
  acquire(name: string, user: string): Promise<string> {
    return this.withLock(name, async () => {
      const v = this.get(name);
      const target = this.dataDir(name);
      if (needsMount(v.Options)) await mountLocal(v.Options!, target);
      let set = this.users.get(name);
      if (!set) this.users.set(name, (set = new Set()));
      set.add(user);
      return target;
    });
  }

  /** Drops `user`; unmounts the volume's filesystem when nobody uses it any more. */
  release(name: string, user: string): Promise<void> {
    return this.withLock(name, async () => {
      const set = this.users.get(name);
      set?.delete(user);
      if (set && set.size > 0) return;
      this.users.delete(name);
      const v = this.vols.get(name);
      if (v && needsMount(v.Options)) await unmountAll(this.dataDir(name));
    });
  }

  /** Names with at least one active user. */
  inUse(name: string): boolean {
    return (this.users.get(name)?.size ?? 0) > 0;
  }

  /** After a daemon restart: unmount volumes no running container uses any more. */
  async unmountUnused(): Promise<void> {
    for (const v of this.vols.values()) {
      if (needsMount(v.Options) && !this.inUse(v.Name)) await this.withLock(v.Name, () => unmountAll(this.dataDir(v.Name)));
    }
  }

  private withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(name) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.then(() => {}, () => {});
    this.locks.set(name, settled);
    void settled.then(() => { if (this.locks.get(name) === settled) this.locks.delete(name); });
    return next;
  }
}
