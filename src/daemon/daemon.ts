// Starting and stopping the daemon: locks, directories, engine, API listeners, clean shutdown.
// main.ts is the command-line wrapper; tests can call startDaemon directly.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pino, type Logger } from 'pino';
import { buildApp } from '../api/app.js';
import type { ApiEngine, EngineSettings, RouteRegistrar } from '../api/engine.js';
import { systemRoutes } from '../api/routes/system.js';
import { ApiServer } from '../api/server.js';
import { containerRoutes } from '../api/routes/containers.js';
import { imageRoutes } from '../api/routes/images.js';
import { authRoutes } from '../api/routes/auth.js';
import { systemDfRoutes } from '../api/routes/system-df.js';
import { execRoutes } from '../api/routes/exec.js';
import { containerFsRoutes } from '../api/routes/containers-fs.js';
import { containerResourceRoutes } from '../api/routes/containers-resources.js';
import { volumeRoutes } from '../api/routes/volumes.js';
import { buildRoutes } from '../api/routes/build.js';
import type { Builder } from '../build/index.js';
import { buildWorkRoot, sweepBuildLeftovers } from '../build/sweep.js';
import { ExecService } from '../engine/exec/service.js';
import { HealthMonitor } from '../engine/health/monitor.js';
import { ContainerFs } from '../engine/fs/service.js';
import { ResourceService } from '../engine/resources/service.js';
import { ImageService } from '../engine/images.js';
import { containerSideOf } from '../engine/images-containers.js';
import { NO_FILTERS } from '../engine/filters.js';
import { Engine } from '../engine/engine.js';
import { networkBackend, networkRoutes } from '../api/routes/networks.js';
import { EventBus } from '../engine/events.js';
import type { DaemonConfig } from './config.js';
import { acquirePidFile, PidFileInUseError } from './pidfile.js';

/** The engine as the daemon sees it: API backend plus lifecycle hooks. */
export interface DaemonEngine extends ApiEngine {
  /** Route groups beyond the system routes (containers, images, exec...). */
  routes?(): RouteRegistrar[];
  /** Called after the API is listening (restart policies, reconciliation...). */
  started?(): Promise<void>;
  /** Called on shutdown before connections are cut: stop containers, flush state. */
  shutdown?(): Promise<void>;
}

export interface EngineContext {
  config: DaemonConfig;
  logger: Logger;
  settings: EngineSettings;
  events: EventBus;
}

export type EngineFactory = (ctx: EngineContext) => Promise<DaemonEngine>;

export interface StartOptions {
  logger?: Logger;
  /** Builds the engine; the default serves only the system routes. */
  createEngine?: EngineFactory;
}

export interface RunningDaemon {
  readonly config: DaemonConfig;
  readonly engine: DaemonEngine;
  readonly logger: Logger;
  /** e.g. ["unix:///run/wharf/wharf.sock"] */
  readonly addresses: string[];
  readonly server: ApiServer;
  /** Clean shutdown; safe to call more than once. */
  stop(): Promise<void>;
}

export function wharfVersion(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      return (JSON.parse(fs.readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch { /* try the next layout */ }
  }
  return '0.0.0';
}

export function createLogger(level: string): Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}

/** The engine's stable ID, created on first start. */
function engineId(dataRoot: string): string {
  const file = path.join(dataRoot, 'engine-id');
  try {
    const id = fs.readFileSync(file, 'utf8').trim();
    if (id) return id;
  } catch { /* first start */ }
  const id = randomUUID();
  fs.writeFileSync(file, id + '\n', { mode: 0o600 });
  return id;
}

/** The full engine: images, runtime and containers under the data root. */
export const wharfEngine: EngineFactory = async ({ config, logger, settings, events }) => {
  const engine = await Engine.open({
    dataRoot: config.dataRoot, execRoot: config.execRoot, events, logger,
    storageDriver: config.storageDriver, logDriver: config.logDriver, logOpts: config.logOpts,
    network: config.network ?? { iptables: true },
  });
  const execs = new ExecService({ containers: engine.containers, events, logger });
  const health = new HealthMonitor({ containers: engine.containers, execs, events, logger });
  // The builder (and its Dockerfile parser) loads on the first build: a lighter daemon until then.
  // What a crash left of earlier builds goes now, as the rest of the reconciliation at start.
  await sweepBuildLeftovers(engine.images, engine.runtime, buildWorkRoot(config.dataRoot));
  let builder: Promise<Builder> | undefined;
  const getBuilder = (): Promise<Builder> => (builder ??= import('../build/index.js').then(async ({ Builder }) => {
    const b = new Builder({ store: engine.images, runtime: engine.runtime, dataRoot: config.dataRoot, events });
    await b.init();
    return b;
  }));
  return {
    settings, events,
    info: { containers: () => engine.containerCounts(), images: () => engine.images.ids().length },
    routes: () => {
      const images = new ImageService({ store: engine.images, events, containers: containerSideOf(engine.containers), ...(config.registry ? { registry: config.registry } : {}) });
      return [
        containerRoutes(engine.containers),
        imageRoutes(images),
        authRoutes(images),
        systemDfRoutes({
          images, containers: () => engine.containers.list({ all: true, limit: -1, size: true, filters: NO_FILTERS }),
          volumes: () => engine.volumes.service.diskUsage(),
        }),
        volumeRoutes(engine.volumes.service),
        ...(engine.network ? [networkRoutes(networkBackend(engine.network, engine.containers, events))] : []),
        execRoutes(execs),
        containerResourceRoutes(new ResourceService(engine.containers)),
        containerFsRoutes(new ContainerFs(engine.containers)),
        buildRoutes(getBuilder),
      ];
    },
    shutdown: () => { health.close(); return engine.shutdown(); },
  };
};

export async function startDaemon(config: DaemonConfig, opts: StartOptions = {}): Promise<RunningDaemon> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  fs.mkdirSync(config.dataRoot, { recursive: true, mode: 0o711 });
  fs.mkdirSync(config.execRoot, { recursive: true, mode: 0o700 });

  const releases: (() => void)[] = [];
  const releaseAll = (): void => { while (releases.length) releases.pop()!(); };
  let engine: DaemonEngine | undefined;
  try {
    // The lock in the data root stops a second daemon on the same state even with another exec root.
    releases.push(acquireOrExplain(path.join(config.dataRoot, 'wharfd.lock'), (pid, file) =>
      `data root ${config.dataRoot} is in use by another wharfd (pid ${pid}); if it is not running, delete ${file}`));
    releases.push(acquireOrExplain(config.pidfile, (pid, file) =>
      `pid file found, ensure wharfd is not running or delete ${file} (process ${pid} is alive)`));

    const events = new EventBus();
    const settings: EngineSettings = {
      id: engineId(config.dataRoot),
      name: os.hostname(),
      version: wharfVersion(),
      dataRoot: config.dataRoot,
      execRoot: config.execRoot,
      debug: config.debug,
      experimental: config.experimental,
      loggingDriver: config.logDriver,
      labels: config.labels,
      defaultRuntime: 'wharf',
      runtimes: { wharf: { path: 'wharf-exec' } },
      initBinary: 'wharf-init',
    };
    engine = await (opts.createEngine ?? wharfEngine)({ config, logger, settings, events });
    const app = buildApp({ engine, logger, routes: [systemRoutes(engine), ...(engine.routes?.() ?? [])] });
    const server = await ApiServer.listen({
      app, addresses: config.hosts, tls: config.tls, socketGroup: config.group, groupRequired: config.groupExplicit, logger,
    }).catch(async (err) => { await app.close(); throw err; });
    await engine.started?.();
    logger.info({ version: settings.version, dataRoot: config.dataRoot, addresses: server.addresses }, 'daemon started');

    let stopping: Promise<void> | undefined;
    const ready = engine;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        logger.info('shutting down');
        server.stopAccepting();
        try {
          await ready.shutdown?.();
        } catch (err) {
          logger.error({ err }, 'engine shutdown failed');
        }
        await server.close();
        await app.close();
        releaseAll();
        logger.info('daemon stopped');
      })();
      return stopping;
    };
    return { config, engine, logger, addresses: server.addresses, server, stop };
  } catch (err) {
    await engine?.shutdown?.().catch(() => {});
    releaseAll();
    throw err;
  }
}

function acquireOrExplain(file: string, inUse: (pid: number, file: string) => string): () => void {
  try {
    return acquirePidFile(file);
  } catch (err) {
    if (err instanceof PidFileInUseError) throw new Error(inUse(err.pid, err.file));
    throw new Error(`cannot create lock file ${file}: ${(err as Error).message}`);
  }
}
