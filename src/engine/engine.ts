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
import { lostState } from './containers/types.js';
import { VolumeStore } from '../volume/index.js';
import { ContainerVolumes } from './containers/volume-mounts.js';
import { openNetworking, type NetworkOptions, type Networking } from '../network/index.js';

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
  /** Bridge/user networking (the daemon always gives it); absent: containers get an empty netns. */
  network?: Omit<NetworkOptions, 'dataRoot' | 'execRoot' | 'logger'>;
}

export class Engine {
  /** Networks and container sandboxes (when EngineOptions.network was given). */
  network?: Networking;

  private constructor(
    readonly images: ImageStore,
    readonly runtime: Runtime,
    readonly containers: ContainerService,
    readonly volumes: ContainerVolumes,
  ) {}

  /** Opens the stores and reconciles containers with what is really running. */
  static async open(opts: EngineOptions): Promise<Engine> {
    const driver = opts.storageDriver === 'overlay2' ? 'overlay' : opts.storageDriver;
    const images = await ImageStore.open(opts.dataRoot, { snapshotter: { driver: (driver as 'overlay' | 'vfs' | undefined) ?? 'auto' } });
    const runtime = new Runtime({ root: path.join(opts.execRoot, 'runtime'), cgroupParent: opts.cgroupParent ?? 'wharf', spawner: true, keepCgroupParent: true, backgroundDeletes: true });
    const store = new ContainerStore<ContainerSpec, ContainerState>(path.join(opts.dataRoot, 'containers'), lostState);
    const volumes = new ContainerVolumes(await VolumeStore.open(opts.dataRoot), { containers: store, snapshots: images.snapshots, events: opts.events });
    const containers = new ContainerService({
      volumes,
      store, images, runtime, events: opts.events, logger: opts.logger,
      dataRoot: opts.dataRoot, execRoot: opts.execRoot,
      logDefaults: { Type: opts.logDriver || 'json-file', Config: opts.logOpts ?? {} },
      initPath: opts.initPath ?? initBinaryPath(),
    });
    const network = opts.network
      ? await openNetworking({ ...opts.network, dataRoot: opts.dataRoot, execRoot: opts.execRoot, logger: opts.logger }, (id) => {
        const rec = store.find(id);
        return rec?.id === id ? rec.name : undefined;
      })
      : undefined;
    containers.network = network?.sandboxes;
    await containers.reconcile();
    await volumes.reconcile(store.list().filter((r) => containers.ctx.tasks.has(r.id)));
    return Object.assign(new Engine(images, runtime, containers, volumes), { network });
  }

  /** Counts for /info. */
  containerCounts(): { total: number; running: number; paused: number; stopped: number } {
    return this.containers.counts();
  }

  /** Daemon shutdown: running containers are stopped cleanly (stop signal, then SIGKILL). */
  async shutdown(): Promise<void> {
    await this.containers.shutdown();
    await this.network?.networks.shutdown();
    this.runtime.close();
  }
}
