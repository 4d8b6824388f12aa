// A started container as the daemon drives it: rootfs mounted, stdio fifos wired to the log
// and attach clients, the runtime container, and a promise of its exit (with cleanup done).
import * as path from 'node:path';
import type { Logger } from 'pino';
import type { Runtime, Container, HostMount } from '../../runtime/runtime.js';
import type { Snapshotter } from '../../storage/index.js';
import { InvalidParameterError } from '../errors.js';
import { JsonFileWriter } from '../logs/json-file.js';
import type { JsonFileOptions } from '../logs/options.js';
import { buildSpec, type SpecInput } from '../oci-spec.js';
import { ContainerIO } from '../stdio/container-io.js';
import type { StreamHub } from '../stdio/stream-hub.js';
import type { FifoPool } from '../stdio/fifo-pool.js';
import { fifoSet, makeFifos, openForStart, reopen, type FifoSet } from '../stdio/fifos.js';
import { watchExit, type WatchedExit } from './exit-watch.js';
import { readUserDb, rootfsHostMounts, unmountRootfs } from './rootfs.js';
import { signalNumber } from './signals.js';
import type { ContainerSpec } from './types.js';
import type { UserDb } from '../user.js';

export interface TaskEnv {
  runtime: Runtime;
  snapshots: Snapshotter;
  logger: Logger;
  /** <data-root>/containers/<id> */
  containerDir(id: string): string;
  /** <exec-root>/containers/<id> (fifos) */
  execDir(id: string): string;
  initPath?: string;
  /** Spare fifos for stdio (no mkfifo spawn per start). */
  fifoPool?: FifoPool;
}

export interface TaskExit {
  exitCode: number;
  oomKilled: boolean;
  finishedAt: string;
  /**
   * Starts (once) the runtime deletion and rootfs unmount. Called after the exit is recorded:
   * until then the runtime state keeps the exit status for a daemon restarted meanwhile.
   */
  cleanup(): Promise<void>;
}

/** A start failure with the exit code Docker records (126, 127, or 128 for other failures). */
export class StartError extends InvalidParameterError {
  constructor(message: string, readonly exitCode: number, readonly status: number) {
    super(message);
    (this as { statusCode: number }).statusCode = status;
  }
}

export interface TaskConfig {
  id: string;
  spec: ContainerSpec;
  logOptions: JsonFileOptions | null;
  hub: StreamHub;
  /** Pids of the containers named by container:<x> namespace modes. */
  joinPid?: { pid?: number; ipc?: number; uts?: number; net?: number };
  /** Volume, bind and tmpfs mounts (see volume-mounts.ts). */
  mountSetup?: SpecInput['mountSetup'];
  /** Network namespace prepared by the network layer (bridge and user networks); a promise lets it be made while the rootfs is prepared. */
  netnsPath?: string | Promise<string | undefined>;
}

export class Task {
  private constructor(
    readonly id: string,
    readonly pid: number,
    readonly container: Container,
    readonly io: ContainerIO,
    /** The json-file writer of this run (null with the "none" driver). */
    readonly log: JsonFileWriter | null,
    readonly exited: Promise<TaskExit>,
  ) {}

  static fifos(env: TaskEnv, cfg: TaskConfig): FifoSet {
    const c = cfg.spec.Config;
    return fifoSet(env.execDir(cfg.id), { stdin: c.OpenStdin === true, tty: c.Tty === true });
  }

  /** Mounts, wires stdio, creates and starts the container. Undoes everything on failure. */
  static async start(env: TaskEnv, cfg: TaskConfig): Promise<Task> {
    const { id, spec } = cfg;
    const dir = env.containerDir(id);
    const rootfs = path.join(dir, 'rootfs');
    await removeStaleRuntimeState(env.runtime, id);
    const set = Task.fifos(env, cfg);
    await makeFifos(set, env.fifoPool);
    let fifos: ReturnType<typeof openForStart>;
    try {
      fifos = openForStart(set);
    } catch (err) {
      throw startError(err);
    }
    const stdio = { stdio: fifos.containerFds, detached: true, holdStdin: true };
    // The runtime's spawner forks the monitor (another process) while the rest is prepared here.
    let monitor = env.runtime.requestMonitor(stdio);
    let prepared: [HostMount[], UserDb, string | undefined];
    try {
      prepared = await Promise.all([
        // An AutoRemove container's changes do not outlive it: its overlay needs no syncs (see Snapshotter.mounts).
        rootfsHostMounts(env.snapshots, id, rootfs, { volatile: spec.HostConfig.AutoRemove === true }), readUserDb(env.snapshots, id), cfg.netnsPath,
      ]);
    } catch (err) {
      env.runtime.releaseMonitor(monitor);
      fifos.closeContainerFds();
      fifos.stdout.destroy(); fifos.stderr?.destroy(); fifos.stdin?.destroy();
      throw err;
    }
    const [hostMounts, userDb, netnsPath] = prepared;
    let io: ContainerIO | undefined;
    try {
      const oci = buildSpec({
        rootfs, userDb, image: {}, config: spec.Config, host: spec.HostConfig, initPath: env.initPath, joinPid: cfg.joinPid, mountSetup: cfg.mountSetup, netnsPath,
        files: { hostname: spec.HostnamePath, hosts: spec.HostsPath, resolvConf: spec.ResolvConfPath },
      });
      const log = cfg.logOptions ? new JsonFileWriter(spec.LogPath, cfg.logOptions) : null;
      io = new ContainerIO(fifos, log, cfg.hub);
      let container: Container;
      try {
        const given = monitor;
        monitor = undefined; // create() takes it over, failures included
        container = await env.runtime.create(id, { bundle: dir, spec: oci, io: stdio, hostMounts, monitor: given });
      } finally {
        fifos.closeContainerFds();
      }
      try {
        await container.start();
      } catch (err) {
        await container.delete(true).catch(() => {});
        throw err;
      }
      const exited = container.wait().then((e) => finishExit(env, id, container, io!, e));
      return new Task(id, container.pid, container, io, log, exited);
    } catch (err) {
      env.runtime.releaseMonitor(monitor);
      fifos.closeContainerFds();
      io?.destroy();
      if (!io) { fifos.stdout.destroy(); fifos.stderr?.destroy(); fifos.stdin?.destroy(); }
      await unmountRootfs(rootfs);
      throw startError(err);
    }
  }

  /**
   * Picks up a container left running by a previous daemon: stdio reopened (logs continue),
   * exit noticed through the monitor's status file. Returns its exit right away when it is gone.
   */
  static async reattach(env: TaskEnv, cfg: TaskConfig): Promise<Task | TaskExit> {
    const { id, spec } = cfg;
    let container: Container;
    try {
      container = env.runtime.get(id);
    } catch {
      const cleanup = once(() => unmountRootfs(path.join(env.containerDir(id), 'rootfs')));
      return { exitCode: 255, oomKilled: false, finishedAt: new Date().toISOString(), cleanup };
    }
    const watched = watchExit(env.runtime, id);
    if (container.status() === 'stopped') {
      const e = await watched;
      return finishExit(env, id, container, null, e);
    }
    const ends = reopen(Task.fifos(env, cfg));
    const log = ends && cfg.logOptions ? new JsonFileWriter(spec.LogPath, cfg.logOptions) : null;
    const io = new ContainerIO(ends, log, cfg.hub);
    const exited = watched.then((e) => finishExit(env, id, container, io, e));
    return new Task(id, container.pid, container, io, log, exited);
  }
}

async function removeStaleRuntimeState(runtime: Runtime, id: string): Promise<void> {
  if (!runtime.states.read(id)) return;
  try {
    await runtime.get(id).delete(true);
  } catch {
    runtime.states.remove(id);
  }
}

/** Everything after the init exited: OOM flag (before the cgroup goes), output drained, cleanup. */
async function finishExit(
  env: TaskEnv, id: string, container: Container, io: ContainerIO | null, e: WatchedExit,
): Promise<TaskExit> {
  const exitCode = e.code ?? 128 + signalNumber(e.signal);
  const oomKilled = container.oomKilled();
  const finishedAt = (e.finishedAt ?? new Date()).toISOString();
  // Output still in the pipes belongs in the log before anyone sees the container as exited.
  if (io) await Promise.race([io.done, new Promise((r) => setTimeout(r, 2000).unref())]);
  io?.destroy();
  // The exit is reported first; cgroup and mount go in the background (start/remove await it).
  const cleanup = once(() => Promise.all([
    container.delete(true).catch((err) => env.logger.warn({ err, id }, 'runtime delete failed')),
    unmountRootfs(path.join(env.containerDir(id), 'rootfs')),
  ]).then(() => {}, (err) => env.logger.warn({ err, id }, 'unmounting the rootfs failed')));
  return { exitCode, oomKilled, finishedAt, cleanup };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

/** Maps a runtime failure to Docker's start error (exit code 127/126/128). */
function startError(err: unknown): Error {
  if (err instanceof StartError || err instanceof InvalidParameterError) return err as Error;
  const e = err as NodeJS.ErrnoException;
  const msg = e.message ?? String(err);
  if (msg.startsWith('exec: ')) {
    const notFound = e.code === 'ENOENT' || e.code === 'ENOTDIR';
    const code = notFound ? 127 : 126;
    return new StartError(`failed to create task for container: OCI runtime create failed: ${msg}: unknown`, code, 400);
  }
  return new StartError(`failed to create task for container: OCI runtime create failed: ${msg}: unknown`, 128, 500);
}
