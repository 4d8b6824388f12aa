// The engine: image store, runtime and container service under one data root, with the
// lifecycle hooks the daemon calls (reconcile at start, stop containers at shutdown).
import * as path from 'node:path';
import type { Logger } from 'pino';
import { ImageStore } from '../image/index.js';
import { Runtime } from '../runtime/runtime.js';
import { ContainerStore } from './container-store.js';
import { ContainerService } from './containers/service.js';
import type { ContainerSpec, ContainerState } from './containers/types.js';
import type { EventBus } from './events.js';
import { initBinaryPath } from './init-binary.js';

export interface EngineOptions {
  dataRoot: string;
  execRoot: string;
  events: EventBus;
  logger: Logger;
  /** 'overlay' | 'vfs' | undefined (auto). */
  storageDriver?: string;
  logDriver?: string;
  logOpts?: Record<string, string>;
  /** Parent cgroup of every container (default "wharf"). */
  cgroupParent?: string;
  /** wharf-init for --init (default: native/build/wharf-init when built). */
  initPath?: string;
}

export class Engine {
  private constructor(
    readonly images: ImageStore,
    readonly runtime: Runtime,
    readonly containers: ContainerService,
  ) {}

  /** Opens the stores and reconciles containers with what is really running. */
  static async open(opts: EngineOptions): Promise<Engine> {
    const driver = opts.storageDriver === 'overlay2' ? 'overlay' : opts.storageDriver;
    const images = await ImageStore.open(opts.dataRoot, { snapshotter: { driver: (driver as 'overlay' | 'vfs' | undefined) ?? 'auto' } });
    const runtime = new Runtime({ root: path.join(opts.execRoot, 'runtime'), cgroupParent: opts.cgroupParent ?? 'wharf' });
    const store = new ContainerStore<ContainerSpec, ContainerState>(path.join(opts.dataRoot, 'containers'));
    const containers = new ContainerService({
      store, images, runtime, events: opts.events, logger: opts.logger,
      dataRoot: opts.dataRoot, execRoot: opts.execRoot,
      logDefaults: { Type: opts.logDriver || 'json-file', Config: opts.logOpts ?? {} },
      initPath: opts.initPath ?? initBinaryPath(),
    });
    await containers.reconcile();
    return new Engine(images, runtime, containers);
  }

  /** Counts for /info. */
  containerCounts(): { total: number; running: number; paused: number; stopped: number } {
    return this.containers.counts();
  }

  /** Daemon shutdown: running containers are stopped cleanly (stop signal, then SIGKILL). */
  async shutdown(): Promise<void> {
    await this.containers.shutdown();
  }
}
