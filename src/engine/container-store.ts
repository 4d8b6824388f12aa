// Persistent container records: <root>/<id>/config.json (ID, Name, Created, Config) and
// state.json, both written atomically. Keeps names unique (with reservation, so two concurrent
// creates cannot take the same name) and resolves references the way Docker does.
import * as fs from 'node:fs/promises';
import { closeSync, constants, fstatSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fsyncDir, removeTree, writeJsonAtomic } from '../storage/atomic.js';
import { BackgroundWork } from '../common/background-work.js';
import { ConflictError, InvalidParameterError, NotFoundError } from './errors.js';
import { findByPrefix, isFullId, newId } from './ids.js';
import { generateUniqueName, normalizeContainerName } from './names.js';

export interface ContainerRecord<C, S> {
  readonly id: string;
  /** Without Docker's leading '/'. */
  name: string;
  /** RFC 3339 creation time. */
  readonly created: string;
  config: C;
  state: S;
}

interface ConfigFile<C> { ID: string; Name: string; Created: string; Config: C }

export interface LoadReport {
  loaded: number;
  /** Directories that could not be loaded (left on disk for inspection). */
  skipped: { id: string; reason: string }[];
}

const CONFIG = 'config.json';
const STATE = 'state.json';
/** Prefix of removed containers' directories, renamed aside and deleted in the background. */
const TRASH = '.trash-';

export class ContainerStore<C, S> {
  private readonly byId = new Map<string, ContainerRecord<C, S>>();
  /** name -> owning container ID (includes reservations of containers being created). */
  private readonly names = new Map<string, string>();
  /** Per-container write chain: writes to one container's files happen in call order. */
  private readonly writes = new Map<string, Promise<unknown>>();
  /** Deletions of removed containers' directories still running (see remove()). */
  private readonly deleting = new BackgroundWork();

  /** `root` is the containers directory, normally <data-root>/containers. */
  /**
   * @param lostState the state to load a container with when its state.json is missing or torn
   *   (a machine crash right after a non-durable save); without it such containers are skipped.
   */
  constructor(readonly root: string, private readonly lostState?: (config: C) => S) {}

  private async readState(dir: string, cfg: ConfigFile<C>): Promise<S> {
    try {
      return JSON.parse(await fs.readFile(path.join(dir, STATE), 'utf8')) as S;
    } catch (err) {
      if (!this.lostState) throw err;
      return this.lostState(cfg.Config);
    }
  }

  dirOf(id: string): string {
    return path.join(this.root, id);
  }

  /** Reads every container directory. Broken ones are reported, not deleted. */
  async load(): Promise<LoadReport> {
    await fs.mkdir(this.root, { recursive: true, mode: 0o710 });
    const report: LoadReport = { loaded: 0, skipped: [] };
    for (const id of (await fs.readdir(this.root)).sort()) {
      // A removal a crash cut short: the container was gone once its directory was renamed.
      if (id.startsWith(TRASH)) await removeTree(path.join(this.root, id)).catch(() => {});
      if (!isFullId(id)) continue;
      try {
        const dir = this.dirOf(id);
        await removeTempFiles(dir);
        const text = await fs.readFile(path.join(dir, CONFIG), 'utf8').catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return '';
          throw err;
        });
        // No config.json (or an empty one a machine crash left of a non-durable write): the create
        // never committed; nothing refers to the directory.
        if (text.trim() === '') {
          await removeTree(dir);
          continue;
        }
        const cfg = JSON.parse(text) as ConfigFile<C>;
        const state = await this.readState(dir, cfg);
        if (cfg.ID !== id) throw new Error(`config.json names ID ${cfg.ID}`);
        const owner = this.names.get(cfg.Name);
        if (owner !== undefined) throw new Error(`name "${cfg.Name}" already used by ${owner}`);
        this.byId.set(id, { id, name: cfg.Name, created: cfg.Created, config: cfg.Config, state });
        this.names.set(cfg.Name, id);
        report.loaded++;
      } catch (err) {
        report.skipped.push({ id, reason: (err as Error).message });
      }
    }
    return report;
  }

  list(): ContainerRecord<C, S>[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }

  /** By full ID, then name (with or without '/'), then unique ID prefix; undefined if none. */
  find(ref: string): ContainerRecord<C, S> | undefined {
    if (ref === '') throw new InvalidParameterError('invalid name or ID supplied: ""');
    const byId = this.byId.get(ref);
    if (byId) return byId;
    const nameOwner = this.names.get(ref.startsWith('/') ? ref.slice(1) : ref);
    const byName = nameOwner === undefined ? undefined : this.byId.get(nameOwner);
    if (byName) return byName;
    return findByPrefix(this.byId, ref);
  }

  /** Like find, but a missing container is Docker's 404 "No such container: ref". */
  resolve(ref: string): ContainerRecord<C, S> {
    const rec = this.find(ref);
    if (!rec) throw new NotFoundError(`No such container: ${ref}`);
    return rec;
  }

  isNameTaken(name: string): boolean {
    return this.names.has(name.startsWith('/') ? name.slice(1) : name);
  }

  /** Claims `name` for container `id`; ConflictError with Docker's message when taken. */
  reserveName(name: string, id: string): void {
    const owner = this.names.get(name);
    if (owner !== undefined && owner !== id) {
      throw new ConflictError(`Conflict. The container name "/${name}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    this.names.set(name, id);
  }

  releaseName(name: string, id: string): void {
    if (this.names.get(name) === id) this.names.delete(name);
  }

  /**
   * Creates the container directory and files. `name` is validated (or generated when absent)
   * and reserved before anything touches the disk; on failure nothing is left behind.
   */
  /**
   * `durable: false` skips the fsyncs of config.json too (the commit point otherwise): for records
   * a machine crash may lose (AutoRemove containers, which a crash ends anyway).
   */
  async create(init: { id?: string; name?: string; config: C; state: S; created?: Date; durable?: boolean }): Promise<ContainerRecord<C, S>> {
    const id = init.id ?? newId();
    if (!isFullId(id)) throw new InvalidParameterError(`invalid container ID: ${id}`);
    if (this.byId.has(id)) throw new ConflictError(`container ${id} already exists`);
    const name = init.name ? normalizeContainerName(init.name) : generateUniqueName((n) => this.names.has(n));
    this.reserveName(name, id);
    const rec: ContainerRecord<C, S> = {
      id, name, created: (init.created ?? new Date()).toISOString(), config: init.config, state: init.state,
    };
    const dir = this.dirOf(id);
    try {
      await fs.mkdir(dir, { recursive: false, mode: 0o710 });
      // state first: config.json is the commit point that load() requires. The state is saved
      // without fsyncs, as every later state save: with lostState, load() rebuilds a lost one.
      if (this.lostState) writeNewJsonSync(path.join(dir, STATE), rec.state);
      else await writeJsonAtomic(path.join(dir, STATE), rec.state, 0o600);
      if (init.durable === false) writeNewJsonSync(path.join(dir, CONFIG), configFile(rec));
      else await writeNewJsonDurable(path.join(dir, CONFIG), configFile(rec));
    } catch (err) {
      this.releaseName(name, id);
      await removeTree(dir).catch(() => {});
      throw err;
    }
    this.byId.set(id, rec);
    return rec;
  }

  /** Replaces and persists the state of container `id`. */
  async saveState(id: string, state: S): Promise<void> {
    const rec = this.mustGet(id);
    rec.state = state;
    // Not fsync'd: rewritten on every transition, and if a machine crash loses the last version,
    // load() falls back and reconcile takes the truth from the runtime (see lostState).
    // Synchronous: a few syscalls cost less than four thread-pool round trips.
    await this.serialize(id, async () => overwriteJsonSync(path.join(this.dirOf(id), STATE), state));
  }

  /** Replaces and persists the config of container `id`. */
  async saveConfig(id: string, config: C): Promise<void> {
    const rec = this.mustGet(id);
    rec.config = config;
    await this.serialize(id, () => writeJsonAtomic(path.join(this.dirOf(id), CONFIG), configFile(rec), 0o600));
  }

  /** Renames container `id`; the old name is free once the new one is on disk. */
  async rename(id: string, newName: string): Promise<{ oldName: string; newName: string }> {
    const rec = this.mustGet(id);
    const name = normalizeContainerName(newName);
    const oldName = rec.name;
    if (name === oldName) throw new InvalidParameterError('Renaming a container with the same name as its current name');
    this.reserveName(name, id);
    rec.name = name;
    try {
      await this.serialize(id, () => writeJsonAtomic(path.join(this.dirOf(id), CONFIG), configFile(rec), 0o600));
    } catch (err) {
      rec.name = oldName;
      this.releaseName(name, id);
      throw err;
    }
    this.releaseName(oldName, id);
    return { oldName, newName: name };
  }

  /**
   * Deletes the container's directory and frees its name. The directory is renamed aside (the
   * removal's commit point: load() ignores and sweeps such names) and deleted in the background.
   */
  async remove(id: string): Promise<void> {
    const rec = this.mustGet(id);
    const trash = path.join(this.root, `${TRASH}${id}-${randomBytes(4).toString('hex')}`);
    await this.serialize(id, async () => {
      try {
        renameSync(this.dirOf(id), trash);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        return;
      }
      this.deleting.add(removeTree(trash));
    });
    this.byId.delete(id);
    this.releaseName(rec.name, id);
    this.writes.delete(id);
  }

  /** Resolves once the directory deletions remove() left running are done. */
  settle(): Promise<void> {
    return this.deleting.settle();
  }

  private mustGet(id: string): ContainerRecord<C, S> {
    const rec = this.byId.get(id);
    if (!rec) throw new NotFoundError(`No such container: ${id}`);
    return rec;
  }

  private serialize<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.writes.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => {});
    this.writes.set(id, settled);
    void settled.then(() => { if (this.writes.get(id) === settled) this.writes.delete(id); });
    return next;
  }
}

function configFile<C>(rec: ContainerRecord<C, unknown>): ConfigFile<C> {
  return { ID: rec.id, Name: rec.name, Created: rec.created, Config: rec.config };
}

/**
 * A new file (O_EXCL), made durable: the file's fsync commits its directory entry and everything
 * before it (one journal commit on ext4; the directory's fsync then has nothing left to commit),
 * where temp file + rename needs a second commit. No reader sees it before it is complete (the
 * record is not known yet); a crash can leave it empty, which load() takes as an uncommitted create.
 */
async function writeNewJsonDurable(file: string, obj: unknown): Promise<void> {
  const fh = await fs.open(file, 'wx', 0o600);
  try {
    await fh.writeFile(JSON.stringify(obj, null, 2) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsyncDir(path.dirname(file));
}

/**
 * Atomic for readers and across a daemon crash (temp file + rename), not fsync'd: for files whose
 * loss in a machine crash is handled (see lostState, create's durable option).
 */
function writeJsonSync(file: string, obj: unknown): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    writeFileSync(tmp, JSON.stringify(obj, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Above this a write may span pages, which a killed process could leave half done. */
const ONE_PAGE = 4096;

/**
 * Rewrites a small JSON file in place with one write(2) at offset 0, padded with spaces (JSON
 * allows them) to at least its old length: no new inode and no rename, which cost the most on a
 * busy filesystem. A killed process leaves the old or the new text (a write within one page is
 * not cut short by SIGKILL); only a machine crash may tear it, as it may lose a non-durable
 * write anyway (see lostState). Falls back to temp file + rename for a missing or large file.
 */
function overwriteJsonSync(file: string, obj: unknown): void {
  const text = JSON.stringify(obj, null, 2) + '\n';
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY);
  } catch {
    return writeJsonSync(file, obj);
  }
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.from(text.length < size ? text.padEnd(size, ' ') : text);
    if (buf.length > ONE_PAGE || size > ONE_PAGE) {
      closeSync(fd);
      fd = -1;
      return writeJsonSync(file, obj);
    }
    writeSync(fd, buf, 0, buf.length, 0);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/**
 * A new file in a directory nobody reads yet, not fsync'd: one write(2) when it fits in a page (a
 * killed process then leaves it empty or complete, and an empty record file is an uncommitted
 * create, an empty state a lost one), else temp file + rename.
 */
function writeNewJsonSync(file: string, obj: unknown): void {
  const buf = Buffer.from(JSON.stringify(obj, null, 2) + '\n');
  if (buf.length > ONE_PAGE) return writeJsonSync(file, obj);
  writeFileSync(file, buf, { mode: 0o600, flag: 'wx' });
}

/** Leftovers of writes interrupted by a crash (see writeFileAtomic's temp naming). */
async function removeTempFiles(dir: string): Promise<void> {
  for (const name of await fs.readdir(dir)) {
    if (name.startsWith('.') && name.includes('.tmp-')) await fs.rm(path.join(dir, name), { force: true });
  }
}
