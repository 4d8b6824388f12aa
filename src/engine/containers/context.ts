// What the container operations share: the record store, live tasks, attach hubs, waiters,
// per-container operation locks and event emission.
import * as path from 'node:path';
import type { Logger } from 'pino';
import type { ImageStore } from '../../image/index.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { ContainerStore } from '../container-store.js';
import type { EventBus } from '../events.js';
import { parseJsonFileOptions, type JsonFileOptions } from '../logs/options.js';
import { FifoPool } from '../stdio/fifo-pool.js';
import { StreamHub } from '../stdio/stream-hub.js';
import type { Rec } from './inspect.js';
import type { Task, TaskEnv } from './task.js';
import type { ContainerSpec, ContainerState } from './types.js';
import type { ContainerVolumes } from './volume-mounts.js';
import { Waiters } from './waiters.js';
import { RestartBackoff } from './restart-policy.js';

export interface ContainerServiceOptions {
  store: ContainerStore<ContainerSpec, ContainerState>;
  images: ImageStore;
  runtime: Runtime;
  events: EventBus;
  logger: Logger;
  dataRoot: string;
  execRoot: string;
  /** Daemon default log driver and options (daemon.json log-driver / log-opts). */
  logDefaults: { Type: string; Config: Record<string, string> };
  /** wharf's init for --init, when built. */
  initPath?: string;
  /** Volumes and mounts (-v, --mount, --tmpfs, --volumes-from, image VOLUMEs). */
  volumes?: ContainerVolumes;
}

export class ContainerContext {
  readonly tasks = new Map<string, Task>();
  readonly hubs = new Map<string, StreamHub>();
  readonly waiters = new Waiters();
  readonly backoffs = new Map<string, RestartBackoff>();
  readonly restartTimers = new Map<string, NodeJS.Timeout>();
  /** Containers whose next exit must not trigger the restart policy (Docker's ExitOnNext). */
  readonly exitOnNext = new Set<string>();
  /** Promise per container of its exit being fully handled (state saved, cleanup done). */
  readonly exitHandled = new Map<string, Promise<void>>();
  /** Background cleanup (runtime delete, unmount) after the last exit of each container. */
  readonly cleanups = new Map<string, Promise<void>>();
  private readonly locks = new Map<string, Promise<unknown>>();
  shuttingDown = false;
  readonly env: TaskEnv;
  /** <exec-root>/fifo-pool: opened at reconcile, removed at shutdown. */
  readonly fifoPool: FifoPool;

  constructor(readonly opts: ContainerServiceOptions) {
    this.fifoPool = new FifoPool(path.join(opts.execRoot, 'fifo-pool'));
    this.env = {
      runtime: opts.runtime,
      snapshots: opts.images.snapshots,
      logger: opts.logger,
      containerDir: (id) => opts.store.dirOf(id),
      execDir: (id) => path.join(opts.execRoot, 'containers', id),
      initPath: opts.initPath,
      fifoPool: this.fifoPool,
    };
  }

  get store(): ContainerStore<ContainerSpec, ContainerState> { return this.opts.store; }
  get logger(): Logger { return this.opts.logger; }

  resolve(ref: string): Rec {
    return this.store.resolve(ref);
  }

  hub(id: string): StreamHub {
    let h = this.hubs.get(id);
    if (!h) this.hubs.set(id, (h = new StreamHub()));
    return h;
  }

  logOptions(rec: Rec): JsonFileOptions | null {
    const cfg = rec.config.HostConfig.LogConfig;
    if (cfg?.Type === 'none') return null;
    return parseJsonFileOptions(cfg?.Config);
  }

  /** Runs `fn` after every earlier operation on the same container (Docker's container lock). */
  withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.then(() => {}, () => {});
    this.locks.set(id, settled);
    void settled.then(() => { if (this.locks.get(id) === settled) this.locks.delete(id); });
    return next;
  }

  /** Emits a container event with Docker's attributes (name, image, labels + extra). */
  emit(rec: Rec, action: string, extra: Record<string, string> = {}): void {
    this.opts.events.emit('container', action, {
      ID: rec.id,
      Attributes: { ...(rec.config.Config.Labels ?? {}), image: rec.config.Config.Image ?? rec.config.Image, name: rec.name, ...extra },
    });
  }

  /** Waits until the previous run's cgroup and mount are gone. */
  async settled(id: string): Promise<void> {
    await this.cleanups.get(id);
    this.cleanups.delete(id);
  }

  async saveState(rec: Rec): Promise<void> {
    await this.store.saveState(rec.id, rec.state);
  }
}
