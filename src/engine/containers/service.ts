// The container service behind /containers/*: create, list, inspect, remove, rename, prune,
// wait, logs and attach points; lifecycle operations are delegated to Lifecycle.
import * as os from 'node:os';
import * as path from 'node:path';
import type { ContainerConfig, HostConfig } from '../docker-types.js';
import { ConflictError, InvalidParameterError, NotFoundError } from '../errors.js';
import { matchKeyValueList, validateFilterKeys, type FilterArgs } from '../filters.js';
import { newId } from '../ids.js';
import { normalizeContainerName } from '../names.js';
import { openLogs, type LogsRequest, type LogStreamHandle } from '../logs/follow.js';
import { parseJsonFileOptions } from '../logs/options.js';
import { removeFifos } from '../stdio/fifos.js';
import type { StreamHub } from '../stdio/stream-hub.js';
import { mergeImageConfig, normalizeHostConfig, pathAndArgs, validateConfig, validateHostConfig } from './config.js';
import { ContainerContext, type ContainerServiceOptions } from './context.js';
import { writeContainerFiles } from './files.js';
import { inspectView, summaryView, type NetView, type Rec, type SizeInfo } from './inspect.js';
import { Lifecycle } from './lifecycle.js';
import { netInfo } from './network-info.js';
import type { ContainerNetworking, NetworkingConfig } from '../../network/types.js';
import { listContainers, type ListQuery } from './list.js';
import { unmountRootfs } from './rootfs.js';
import { reconcile } from './reconcile.js';
import { reconcileSnapshots } from './snapshot-sweep.js';
import { Task } from './task.js';
import { initialState, statusOf, type ContainerSpec } from './types.js';
import type { WaitCondition, WaitResult } from './waiters.js';

export interface CreateBody extends ContainerConfig {
  HostConfig?: HostConfig;
  NetworkingConfig?: unknown;
}

export interface AttachPoint {
  id: string;
  tty: boolean;
  /** Client input goes to the container (OpenStdin). */
  openStdin: boolean;
  /** Client stdin EOF closes the container's stdin (StdinOnce, no TTY). */
  closeStdinOnEof: boolean;
  hub: StreamHub;
  /** Marks the attach in the event log. */
  emit(action: 'attach' | 'detach'): void;
}

export class ContainerService {
  readonly ctx: ContainerContext;
  readonly lifecycle: Lifecycle;

  constructor(opts: ContainerServiceOptions) {
    this.ctx = new ContainerContext(opts);
    // AutoRemove takes the container's anonymous volumes with it, as Docker does.
    this.lifecycle = new Lifecycle(this.ctx, (id) => this.removeById(id, true, true));
  }

  private get images() { return this.ctx.opts.images; }

  /** The network layer (bridge/user networks, ports, DNS); set by the engine before reconcile. */
  get network(): ContainerNetworking | undefined { return this.lifecycle.network; }
  set network(n: ContainerNetworking | undefined) { this.lifecycle.network = n; }

  private netView(rec: Rec): NetView | undefined {
    return this.network?.view(rec.id, rec.config.HostConfig.NetworkMode, rec.config.Config.ExposedPorts);
  }

  // ---- create / inspect / list ----

  async create(name: string | undefined, body: CreateBody): Promise<{ Id: string; Warnings: string[] }> {
    if (!body || typeof body !== 'object') throw new InvalidParameterError('config cannot be empty in order to create a container');
    const { HostConfig: hostIn = {}, NetworkingConfig: _net, ...config } = body;
    if (!config.Image) throw new InvalidParameterError('No image specified: Config.Image is required');
    validateConfig(config);
    // With the network layer, NetworkMode may name a user network: it checks the mode itself.
    validateHostConfig(this.network ? { ...hostIn, NetworkMode: undefined } : hostIn);
    this.ctx.opts.volumes?.requests(config, hostIn); // bad mount specs fail before anything is made
    const host = normalizeHostConfig(hostIn, this.ctx.opts.logDefaults);
    if (host.LogConfig?.Type !== 'none') parseJsonFileOptions(host.LogConfig?.Config);
    if (name) {
      const n = normalizeContainerName(name);
      // Fail before preparing a snapshot; reserveName throws Docker's conflict message.
      if (this.ctx.store.isNameTaken(n)) this.ctx.store.reserveName(n, '');
    }
    for (const mode of [host.NetworkMode, host.PidMode, host.IpcMode, host.UTSMode]) {
      if (mode?.startsWith('container:')) this.ctx.resolve(mode.slice('container:'.length)); // 404 when unknown
    }
    const image = await this.images.get(config.Image);
    const merged = mergeImageConfig(config, image.config.config ?? {});
    const { Path, Args } = pathAndArgs(merged);
    const id = newId();
    const hostNetwork = host.NetworkMode === 'host';
    if (!merged.Hostname) merged.Hostname = hostNetwork ? os.hostname() : id.slice(0, 12);
    const dir = this.ctx.store.dirOf(id);
    const spec: ContainerSpec = {
      Path, Args, Config: merged, HostConfig: host, Image: image.id, Driver: this.images.snapshots.driver === 'overlay' ? 'overlay2' : 'vfs',
      LogPath: path.join(dir, `${id}-json.log`), ResolvConfPath: path.join(dir, 'resolv.conf'),
      HostnamePath: path.join(dir, 'hostname'), HostsPath: path.join(dir, 'hosts'),
    };
    const parent = await this.images.ensureImageLayers(image.id);
    // Without fsyncs: the record's config.json is the commit point; reconcileSnapshots (daemon
    // start) removes a snapshot no record owns and makes again one a machine crash lost.
    await this.images.snapshots.prepare(id, parent, { durable: false });
    let rec: Rec;
    const volumes = this.ctx.opts.volumes;
    try {
      if (volumes) spec.MountPoints = await volumes.setup(id, merged, host, (ref) => this.ctx.resolve(ref));
      // An AutoRemove container does not outlive a crash anyway: its record is not fsync'd either.
      rec = await this.ctx.store.create({ id, name, config: spec, state: initialState(), durable: !host.AutoRemove });
      await writeContainerFiles(dir, merged.Hostname, hostNetwork);
      await this.network?.register(netInfo(rec), _net as NetworkingConfig | undefined);
      await volumes?.settle(id, false);
    } catch (err) {
      if (this.ctx.store.find(id)) await this.ctx.store.remove(id).catch(() => {});
      await volumes?.settle(id, true);
      await this.images.snapshots.remove(id).catch(() => {});
      throw err;
    }
    this.ctx.emit(rec, 'create');
    return { Id: id, Warnings: [] };
  }

  get(ref: string): Rec {
    return this.ctx.resolve(ref);
  }

  async inspect(ref: string, size = false): Promise<Record<string, unknown>> {
    const rec = this.ctx.resolve(ref);
    return inspectView(rec, this.graphDriver(rec), size ? await this.size(rec) : undefined, this.netView(rec));
  }

  async list(q: ListQuery & { size?: boolean }): Promise<Record<string, unknown>[]> {
    const recs = listContainers(this.ctx.store.list(), q, {
      find: (r) => this.ctx.store.find(r),
      matchesAncestor: (rec, a) => this.matchesAncestor(rec, a),
    });
    const out: Record<string, unknown>[] = [];
    for (const rec of recs) out.push(summaryView(rec, q.size ? await this.size(rec) : undefined, this.netView(rec)));
    return out;
  }

  counts(): { total: number; running: number; paused: number; stopped: number } {
    let running = 0;
    let paused = 0;
    const all = this.ctx.store.list();
    for (const r of all) {
      if (r.state.Paused) paused++;
      else if (r.state.Running) running++;
    }
    return { total: all.length, running, paused, stopped: all.length - running - paused };
  }

  /** True when a container uses the image (image removal asks this). */
  imageInUse(imageId: string): boolean {
    return this.ctx.store.list().some((r) => r.config.Image === imageId);
  }

  private matchesAncestor(rec: Rec, ancestor: string): boolean {
    if (rec.config.Image === ancestor || rec.config.Image.slice(7).startsWith(ancestor.replace(/^sha256:/, ''))) return true;
    try { return this.images.resolve(ancestor) === rec.config.Image; } catch { return false; }
  }

  private graphDriver(rec: Rec): { Name: string; Data: Record<string, string> | null } {
    const snaps = this.images.snapshots;
    const upper = snaps.upperDir(rec.id);
    if (snaps.driver !== 'overlay') return { Name: 'vfs', Data: null };
    return { Name: 'overlay2', Data: { MergedDir: path.join(this.ctx.store.dirOf(rec.id), 'rootfs'), UpperDir: upper, WorkDir: path.join(path.dirname(upper), 'work') } };
  }

  private async size(rec: Rec): Promise<SizeInfo> {
    const rw = await this.images.snapshots.usage(rec.id).then((u) => u.size, () => 0);
    let image = 0;
    try { image = this.images.imageSize(await this.images.byId(rec.config.Image)); } catch { /* image gone */ }
    return { SizeRw: rw, SizeRootFs: rw + image };
  }

  // ---- lifecycle (delegated) ----

  start(ref: string): Promise<void> { return this.lifecycle.start(ref); }
  stop(ref: string, t?: number, signal?: string): Promise<void> { return this.lifecycle.stop(ref, t, signal); }
  restart(ref: string, t?: number, signal?: string): Promise<void> { return this.lifecycle.restart(ref, t, signal); }
  kill(ref: string, signal?: string): Promise<void> { return this.lifecycle.kill(ref, signal); }
  pause(ref: string): Promise<void> { return this.lifecycle.pause(ref); }
  unpause(ref: string): Promise<void> { return this.lifecycle.unpause(ref); }

  /** The running task (exec, top, stats, update use it); 409 when not running. */
  runningTask(ref: string): { rec: Rec; task: Task } {
    const rec = this.ctx.resolve(ref);
    return { rec, task: this.lifecycle.runningTask(rec) };
  }

  // ---- wait ----

  /**
   * Registers a waiter synchronously, so the caller can answer the HTTP headers before a
   * following start request (docker run relies on that), then resolves with the result.
   */
  wait(ref: string, condition: string | undefined): Promise<WaitResult> {
    const cond = (condition || 'not-running') as WaitCondition;
    if (!['not-running', 'next-exit', 'removed'].includes(cond)) throw new InvalidParameterError(`invalid condition: "${condition}"`);
    const rec = this.ctx.resolve(ref);
    if (cond === 'not-running' && !rec.state.Running) return Promise.resolve({ StatusCode: rec.state.ExitCode, Error: null });
    return this.ctx.waiters.add(rec.id, cond);
  }

  // ---- remove / rename / prune ----

  async remove(ref: string, opts: { force?: boolean; removeVolumes?: boolean } = {}): Promise<void> {
    const rec = this.ctx.resolve(ref);
    await this.removeById(rec.id, opts.force === true, opts.removeVolumes === true);
  }

  private async removeById(id: string, force: boolean, removeVolumes = false): Promise<void> {
    const rec = this.ctx.store.find(id);
    if (!rec || rec.id !== id) throw new NotFoundError(`No such container: ${id}`);
    await this.ctx.withLock(id, async () => {
      if (!this.ctx.store.find(id)) throw new NotFoundError(`No such container: ${id}`);
      const s = rec.state;
      if (s.RemovalInProgress && !force) throw new ConflictError(`removal of container ${id} is already in progress`);
      if (s.Running && !force) {
        const what = s.Paused ? 'paused' : s.Restarting ? 'restarting' : 'running';
        throw new ConflictError(`You cannot remove a ${what} container ${id}. Stop the container before attempting removal or force remove`);
      }
      s.RemovalInProgress = true;
      // Persisted when a stop comes first (reconcile finishes a removal a crash cut short); for a
      // stopped container the rename of its directory in store.remove commits the removal at once.
      if (s.Running || this.ctx.tasks.has(id)) await this.ctx.saveState(rec);
      this.lifecycle.cancelPolicyRestart(rec);
      if (this.ctx.tasks.has(id)) await this.lifecycle.stopLocked(rec, 0, 'SIGKILL');
      Object.assign(s, { Running: false, Restarting: false });
      await this.cleanup(rec);
      if (removeVolumes) await this.ctx.opts.volumes?.removeAnonymous(rec);
    });
  }

  /** Deletes everything of a container that is not running; emits destroy. */
  private async cleanup(rec: Rec): Promise<void> {
    const id = rec.id;
    await this.ctx.settled(id);
    await unmountRootfs(path.join(this.ctx.store.dirOf(id), 'rootfs'));
    // The record first (its directory renamed aside commits the removal): a crash before the
    // snapshot goes leaves an orphan that reconcileSnapshots removes. Files are deleted in the background.
    await this.ctx.store.remove(id);
    await this.images.snapshots.remove(id, { durable: false, background: true }).catch((err: Error) => {
      if (err.name !== 'SnapshotNotFoundError') throw err;
    });
    const fifos = Task.fifos(this.ctx.env, { id, spec: rec.config, logOptions: null, hub: this.ctx.hub(id) });
    this.ctx.hubs.delete(id);
    this.ctx.backoffs.delete(id);
    // Gone for clients now (docker run --rm waits for this); the rest finishes before rm answers.
    this.ctx.emit(rec, 'destroy');
    this.ctx.waiters.removed(id, { StatusCode: rec.state.ExitCode, Error: null });
    await new Promise((r) => setImmediate(r)); // their answers are written first
    removeFifos(fifos);
    await this.network?.forget(id);
  }

  async rename(ref: string, newName: string): Promise<void> {
    if (!newName) throw new InvalidParameterError('Neither old nor new names may be empty');
    const rec = this.ctx.resolve(ref);
    const { oldName } = await this.ctx.store.rename(rec.id, newName);
    this.ctx.emit(rec, 'rename', { oldName: `/${oldName}` });
  }

  async prune(filters: FilterArgs): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
    validateFilterKeys(filters, ['until', 'label', 'label!']);
    const until = [...(filters.get('until') ?? [])][0];
    const untilMs = until === undefined ? undefined : parseUntil(until);
    const deleted: string[] = [];
    let space = 0;
    for (const rec of this.ctx.store.list()) {
      const st = statusOf(rec.state);
      if (st !== 'created' && st !== 'exited' && st !== 'dead') continue;
      if (untilMs !== undefined && Date.parse(rec.created) >= untilMs) continue;
      const labels = rec.config.Config.Labels ?? {};
      if (!matchKeyValueList(filters, 'label', labels)) continue;
      if (filters.get('label!')?.size && [...filters.get('label!')!].some((l) => matchKeyValueList(new Map([['label', new Set([l])]]), 'label', labels))) continue;
      const usage = await this.images.snapshots.usage(rec.id).then((u) => u.size, () => 0);
      try {
        await this.removeById(rec.id, false);
        deleted.push(rec.id);
        space += usage;
      } catch (err) {
        this.ctx.logger.warn({ err, id: rec.id }, 'prune: could not remove container');
      }
    }
    this.ctx.opts.events.emit('container', 'prune', { ID: '', Attributes: { reclaimed: String(space) } });
    return { ContainersDeleted: deleted, SpaceReclaimed: space };
  }

  // ---- logs / attach ----

  logs(ref: string, req: LogsRequest): { tty: boolean; stream: LogStreamHandle } {
    const rec = this.ctx.resolve(ref);
    const opts = this.ctx.logOptions(rec);
    const task = this.ctx.tasks.get(rec.id);
    const stream = openLogs({ path: opts ? rec.config.LogPath : null, maxFiles: opts?.maxFiles ?? 1, writer: task?.log ?? null }, req);
    return { tty: rec.config.Config.Tty === true, stream };
  }

  attachPoint(ref: string): AttachPoint {
    const rec = this.ctx.resolve(ref);
    if (rec.state.Paused) throw new ConflictError(`container ${rec.id} is paused, unpause the container before attach`);
    if (rec.state.Restarting) throw new ConflictError(`container ${rec.id} is restarting, wait until the container is running`);
    const c = rec.config.Config;
    return {
      id: rec.id,
      tty: c.Tty === true,
      openStdin: c.OpenStdin === true,
      closeStdinOnEof: c.StdinOnce === true && c.Tty !== true,
      hub: this.ctx.hub(rec.id),
      emit: (action) => this.ctx.emit(rec, action),
    };
  }

  async resize(ref: string, height: number, width: number): Promise<void> {
    const { rec, task } = this.runningTask(ref);
    if (rec.config.Config.Tty) await task.container.resize(height, width);
    this.ctx.emit(rec, 'resize', { height: String(height), width: String(width) });
  }

  // ---- daemon start / stop ----

  /** Daemon start: see reconcile.ts. */
  async reconcile(): Promise<void> {
    await this.ctx.store.load();
    await reconcileSnapshots(this.ctx.store, this.images, this.ctx.logger);
    await this.ctx.fifoPool.open();
    await reconcile(this.ctx, this.lifecycle, (id) => this.removeById(id, true));
    // Sandboxes of containers that no longer run (crash, kill -9) go; running ones are served again.
    await this.network?.sweep(new Set(this.ctx.store.list().map((r) => r.id)), new Set(this.ctx.tasks.keys()));
  }

  async shutdown(): Promise<void> {
    this.ctx.shuttingDown = true;
    for (const [, t] of this.ctx.restartTimers) clearTimeout(t);
    this.ctx.restartTimers.clear();
    const running = [...this.ctx.tasks.keys()].map((id) => this.ctx.store.find(id)).filter((r): r is Rec => !!r);
    await Promise.all(running.map((rec) => this.ctx.withLock(rec.id, async () => {
      await this.lifecycle.stopLocked(rec).catch((err) => this.ctx.logger.warn({ err, id: rec.id }, 'stop at shutdown failed'));
    })));
    await Promise.all([...this.ctx.cleanups.values()]);
    await Promise.all([this.ctx.store.settle(), this.images.snapshots.settle(), this.ctx.opts.runtime.settle()]);
    await this.ctx.fifoPool.close();
  }
}

function parseUntil(v: string): number {
  const d = /^(\d+)(s|m|h)$/.exec(v);
  if (d) return Date.now() - Number(d[1]) * { s: 1e3, m: 6e4, h: 3.6e6 }[d[2] as 's' | 'm' | 'h'];
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new InvalidParameterError(`invalid filter 'until=${v}'`);
  return ms;
}


