// start, stop, kill, restart, pause, unpause, and what happens when a container exits
// (state, events, waiters, restart policy with back-off, AutoRemove).
import type { ContainerNetworking } from '../../network/types.js';
import { ConflictError, NotModifiedError } from '../errors.js';
import type { ContainerContext } from './context.js';
import type { Rec } from './inspect.js';
import { netInfo } from './network-info.js';
import { RestartBackoff } from './restart-policy.js';
import { parseSignal } from './signals.js';
import { StartError, Task, type TaskExit } from './task.js';
import { statusOf } from './types.js';

const SIGKILL = 9;
const DEFAULT_STOP_TIMEOUT = 10;

export class Lifecycle {
  /** Bridge/user networking (sandbox made before start, released after exit); unset: no network layer. */
  network?: ContainerNetworking;
  /** Containers stopped by a restart: their exit does not AutoRemove them (as Docker). */
  private readonly restarting = new Set<string>();

  /** `remove` is the service's removal (used for AutoRemove). */
  constructor(private readonly ctx: ContainerContext, private readonly remove: (id: string) => Promise<void>) {}

  async start(ref: string): Promise<void> {
    const rec = this.ctx.resolve(ref);
    await this.ctx.withLock(rec.id, async () => {
      const st = statusOf(rec.state);
      if (st === 'paused') throw new ConflictError('cannot start a paused container, try unpause instead');
      if (st === 'running') throw new NotModifiedError('container already started');
      if (st === 'removing' || st === 'dead') throw new ConflictError(`container is marked for removal and cannot be started`);
      this.cancelPolicyRestart(rec);
      rec.state.RestartCount = 0;
      this.ctx.backoffs.delete(rec.id);
      await this.startLocked(rec, false);
    });
  }

  /** Starts the task and records it; caller holds the lock. */
  async startLocked(rec: Rec, byPolicy: boolean): Promise<void> {
    const ctx = this.ctx;
    await ctx.settled(rec.id);
    let task: Task;
    try {
      const joinPid = this.joinPids(rec);
      // The network sandbox is made while volumes and rootfs are prepared (Task.start awaits it).
      const netnsPath = this.attachNetwork(rec);
      const unnetwork = () => netnsPath.then(() => this.network?.release(rec.id), () => {}).catch(() => {});
      netnsPath.catch(() => {}); // its failure is reported by Task.start, or superseded by a volume error
      // A mount that cannot be made fails the start like a runtime error (recorded, AutoRemove).
      const mountSetup = await ctx.opts.volumes?.beforeStart(rec).catch(async (err: Error & { statusCode?: number }) => {
        await unnetwork();
        throw new StartError(err.message, 128, err.statusCode ?? 500);
      });
      task = await Task.start(ctx.env, { id: rec.id, spec: rec.config, logOptions: ctx.logOptions(rec), hub: ctx.hub(rec.id), joinPid, mountSetup, netnsPath }).catch(async (err: unknown) => {
        await ctx.opts.volumes?.afterStop(rec).catch(() => {});
        await unnetwork();
        throw err;
      });
    } catch (err) {
      // Clients attached for this run (docker run) must not wait for output that never comes.
      ctx.hub(rec.id).endOutput();
      if (err instanceof StartError) {
        Object.assign(rec.state, { Running: false, Restarting: false, Pid: 0, ExitCode: err.exitCode, Error: err.message });
        await ctx.saveState(rec);
        if (rec.config.HostConfig.AutoRemove && !byPolicy) void this.remove(rec.id).catch(() => {});
      }
      throw err;
    }
    ctx.tasks.set(rec.id, task);
    ctx.exitOnNext.delete(rec.id);
    Object.assign(rec.state, {
      Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: task.pid, ExitCode: 0, Error: '',
      StartedAt: new Date().toISOString(), HasBeenStartedBefore: true,
    });
    if (!byPolicy) rec.state.HasBeenManuallyStopped = false;
    await ctx.saveState(rec);
    ctx.emit(rec, 'start');
    this.watch(rec, task);
  }

  private async attachNetwork(rec: Rec): Promise<string | undefined> {
    return this.network ? (await this.network.attach(netInfo(rec))).netnsPath : undefined;
  }

  /** Pids whose namespaces container:<x> modes join; the other container must be running. */
  private joinPids(rec: Rec): { pid?: number; ipc?: number; uts?: number; net?: number } {
    const h = rec.config.HostConfig;
    const pidOf = (mode: string | undefined, field: string): number | undefined => {
      if (!mode?.startsWith('container:')) return undefined;
      const other = this.ctx.resolve(mode.slice('container:'.length));
      const task = this.ctx.tasks.get(other.id);
      if (!task) throw new ConflictError(`cannot join the ${field} namespace of container ${other.id}: it is not running`);
      return task.pid;
    };
    return { pid: pidOf(h.PidMode, 'pid'), ipc: pidOf(h.IpcMode, 'ipc'), uts: pidOf(h.UTSMode, 'uts'), net: pidOf(h.NetworkMode, 'network') };
  }

  /** Follows a task to its exit (also used for tasks picked up after a daemon restart). */
  watch(rec: Rec, task: Task): void {
    this.ctx.tasks.set(rec.id, task);
    const handled = task.exited
      .then((exit) => this.onExit(rec, task, exit))
      .catch((err) => this.ctx.logger.error({ err, id: rec.id }, 'exit handling failed'));
    this.ctx.exitHandled.set(rec.id, handled);
  }

  async stop(ref: string, timeoutSec?: number, signal?: string): Promise<void> {
    const rec = this.ctx.resolve(ref);
    await this.ctx.withLock(rec.id, async () => {
      if (rec.state.Restarting && !this.ctx.tasks.has(rec.id)) {
        this.cancelPolicyRestart(rec);
        Object.assign(rec.state, { Restarting: false, Running: false, HasBeenManuallyStopped: true });
        await this.ctx.saveState(rec);
        this.ctx.waiters.exited(rec.id, { StatusCode: rec.state.ExitCode, Error: null });
        this.ctx.emit(rec, 'stop');
        return;
      }
      if (!this.ctx.tasks.has(rec.id)) throw new NotModifiedError('container already stopped');
      await this.stopLocked(rec, timeoutSec, signal);
      this.ctx.emit(rec, 'stop');
    });
  }

  /** Stop signal, wait up to the timeout, then SIGKILL; resolves once the exit is handled. */
  async stopLocked(rec: Rec, timeoutSec?: number, signal?: string): Promise<void> {
    const task = this.ctx.tasks.get(rec.id);
    if (!task) return;
    const handled = this.ctx.exitHandled.get(rec.id) ?? Promise.resolve();
    const sig = parseSignal(signal || rec.config.Config.StopSignal || 'SIGTERM', 'signal');
    const t = timeoutSec ?? rec.config.Config.StopTimeout ?? DEFAULT_STOP_TIMEOUT;
    this.signal(rec, task, sig, true);
    if (t >= 0 && !(await settlesWithin(handled, t * 1000))) {
      this.signal(rec, task, SIGKILL, true);
    }
    await handled;
  }

  async kill(ref: string, signal?: string): Promise<void> {
    const rec = this.ctx.resolve(ref);
    const sig = parseSignal(signal || 'SIGKILL', 'signal');
    const task = this.ctx.tasks.get(rec.id);
    if (!rec.state.Running) throw new ConflictError(`Container ${rec.id} is not running`);
    if (!task) {
      // Restarting: no process to signal; the exit-signal just cancels the pending restart.
      if (this.isExitSignal(rec, sig)) await this.stop(rec.id, 0);
      return;
    }
    this.signal(rec, task, sig, false);
  }

  /** Sends a signal as Docker's killWithSignal does (manual-stop flags, unpause for exit signals). */
  private signal(rec: Rec, task: Task, sig: number, stopping: boolean): void {
    const exiting = this.isExitSignal(rec, sig) || stopping;
    if (exiting) this.ctx.exitOnNext.add(rec.id);
    if (!this.ctx.shuttingDown && !rec.state.HasBeenManuallyStopped) {
      rec.state.HasBeenManuallyStopped = true;
      void this.ctx.saveState(rec).catch(() => {});
    }
    try {
      task.container.kill(sig, sig === SIGKILL);
    } catch (err) {
      if (task.container.status() !== 'stopped') throw new ConflictError(`Cannot kill container ${rec.id}: ${(err as Error).message}`);
    }
    if (exiting && rec.state.Paused) {
      try { task.container.resume(); } catch { /* exited meanwhile */ }
      rec.state.Paused = false;
    }
    this.ctx.emit(rec, 'kill', { signal: String(sig) });
  }

  private isExitSignal(rec: Rec, sig: number): boolean {
    return sig === SIGKILL || sig === parseSignal(rec.config.Config.StopSignal || 'SIGTERM');
  }

  async restart(ref: string, timeoutSec?: number, signal?: string): Promise<void> {
    const rec = this.ctx.resolve(ref);
    await this.ctx.withLock(rec.id, async () => {
      if (rec.state.RemovalInProgress || rec.state.Dead) throw new ConflictError('container is marked for removal and cannot be started');
      this.cancelPolicyRestart(rec);
      if (rec.state.Restarting) Object.assign(rec.state, { Restarting: false, Running: false });
      if (this.ctx.tasks.has(rec.id)) {
        this.restarting.add(rec.id);
        try {
          await this.stopLocked(rec, timeoutSec, signal);
        } finally {
          this.restarting.delete(rec.id);
        }
        this.ctx.emit(rec, 'stop');
      }
      rec.state.RestartCount = 0;
      this.ctx.backoffs.delete(rec.id);
      await this.startLocked(rec, false);
      this.ctx.emit(rec, 'restart');
    });
  }

  async pause(ref: string): Promise<void> {
    const rec = this.ctx.resolve(ref);
    await this.ctx.withLock(rec.id, async () => {
      const task = this.runningTask(rec);
      if (rec.state.Paused) throw new ConflictError(`Container ${rec.id} is already paused`);
      task.container.pause();
      rec.state.Paused = true;
      await this.ctx.saveState(rec);
      this.ctx.emit(rec, 'pause');
    });
  }

  async unpause(ref: string): Promise<void> {
    const rec = this.ctx.resolve(ref);
    await this.ctx.withLock(rec.id, async () => {
      const task = this.runningTask(rec);
      if (!rec.state.Paused) throw new ConflictError(`Container ${rec.id} is not paused`);
      task.container.resume();
      rec.state.Paused = false;
      await this.ctx.saveState(rec);
      this.ctx.emit(rec, 'unpause');
    });
  }

  runningTask(rec: Rec): Task {
    const task = this.ctx.tasks.get(rec.id);
    if (rec.state.Restarting) throw new ConflictError(`Container ${rec.id} is restarting, wait until the container is running`);
    if (!task || !rec.state.Running) throw new ConflictError(`Container ${rec.id} is not running`);
    return task;
  }

  /** The exit of a run: record it, tell waiters, then restart policy or AutoRemove. */
  private async onExit(rec: Rec, task: Task, exit: TaskExit): Promise<void> {
    const ctx = this.ctx;
    if (ctx.tasks.get(rec.id) === task) ctx.tasks.delete(rec.id);
    const s = rec.state;
    Object.assign(s, { Running: false, Paused: false, Restarting: false, Pid: 0, ExitCode: exit.exitCode, OOMKilled: exit.oomKilled, FinishedAt: exit.finishedAt });
    if (exit.oomKilled) ctx.emit(rec, 'oom');
    ctx.emit(rec, 'die', { exitCode: String(exit.exitCode) });
    const canceled = ctx.exitOnNext.delete(rec.id) || ctx.shuttingDown || s.RemovalInProgress;
    let backoff = ctx.backoffs.get(rec.id);
    if (!backoff) ctx.backoffs.set(rec.id, (backoff = new RestartBackoff()));
    const ranMs = Date.parse(s.FinishedAt) - Date.parse(s.StartedAt);
    const decision = backoff.decide(rec.config.HostConfig.RestartPolicy, exit.exitCode, canceled, s.HasBeenManuallyStopped, s.RestartCount, ranMs);
    if (decision.restart) Object.assign(s, { Restarting: true, Running: true });
    const autoRemove = rec.config.HostConfig.AutoRemove && !this.restarting.has(rec.id);
    const saved = ctx.saveState(rec).catch((err) => ctx.logger.error({ err, id: rec.id }, 'saving container state failed'));
    // Waiters hear of the exit once the state changed, as Docker's do (not after the disk write).
    ctx.waiters.exited(rec.id, { StatusCode: exit.exitCode, Error: null });
    ctx.cleanups.set(rec.id, this.cleanupAfterExit(rec, exit, saved));
    await saved;
    if (decision.restart) {
      this.schedulePolicyRestart(rec, decision.delayMs);
    } else if (autoRemove && !s.RemovalInProgress && !ctx.shuttingDown) {
      void this.remove(rec.id).catch((err) => ctx.logger.warn({ err, id: rec.id }, 'auto-remove failed'));
    }
  }

  /**
   * What goes after an exit; a following start or remove awaits it (ctx.settled). The runtime state
   * goes once the exit is saved (until then it holds the exit status for a daemon restarted
   * meanwhile), and after pending I/O (the waiters' answers); volumes once the container's own
   * mounts are gone; ports, addresses and the sandbox at once.
   */
  private cleanupAfterExit(rec: Rec, exit: TaskExit, saved: Promise<unknown>): Promise<void> {
    const ctx = this.ctx;
    const volumes = ctx.opts.volumes;
    const runtimeGone = saved.then(() => new Promise((r) => setImmediate(r))).then(() => exit.cleanup());
    const mountsGone = volumes ? runtimeGone.then(() => volumes.afterStop(rec)).catch((err) => ctx.logger.warn({ err, id: rec.id }, 'releasing volumes failed')) : runtimeGone;
    const net = this.network;
    if (!net) return mountsGone;
    return Promise.all([mountsGone, net.release(rec.id).catch((err) => ctx.logger.warn({ err, id: rec.id }, 'releasing the network failed'))]).then(() => {});
  }

  private schedulePolicyRestart(rec: Rec, delayMs: number): void {
    const timer = setTimeout(() => {
      this.ctx.restartTimers.delete(rec.id);
      void this.ctx.withLock(rec.id, async () => {
        if (!rec.state.Restarting || rec.state.RemovalInProgress || this.ctx.shuttingDown) return;
        rec.state.RestartCount++;
        try {
          await this.startLocked(rec, true);
        } catch (err) {
          this.ctx.logger.warn({ err, id: rec.id }, 'restart by policy failed');
          const code = err instanceof StartError ? err.exitCode : 128;
          const backoff = this.ctx.backoffs.get(rec.id) ?? new RestartBackoff();
          const d = backoff.decide(rec.config.HostConfig.RestartPolicy, code, false, rec.state.HasBeenManuallyStopped, rec.state.RestartCount, 0);
          if (d.restart) {
            Object.assign(rec.state, { Restarting: true, Running: true });
            this.schedulePolicyRestart(rec, d.delayMs);
          }
          await this.ctx.saveState(rec);
        }
      });
    }, delayMs);
    timer.unref();
    this.ctx.restartTimers.set(rec.id, timer);
  }

  cancelPolicyRestart(rec: Rec): void {
    const t = this.ctx.restartTimers.get(rec.id);
    if (t) clearTimeout(t);
    this.ctx.restartTimers.delete(rec.id);
  }
}

function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void p.then(() => { clearTimeout(timer); resolve(true); });
  });
}
