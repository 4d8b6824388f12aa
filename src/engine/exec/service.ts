// Exec instances behind /containers/{id}/exec and /exec/{id}/*: create, start (attached or
// detached), resize, inspect; plus one-off probes for healthchecks. Instances live in memory
// (as in Docker) and go away with their container.
import type { Logger } from 'pino';
import type { ContainerService } from '../containers/service.js';
import type { Rec } from '../containers/inspect.js';
import type { Task } from '../containers/task.js';
import { ConflictError, InvalidParameterError, NotFoundError } from '../errors.js';
import type { EventBus } from '../events.js';
import { newId } from '../ids.js';
import { parseDetachKeys } from '../stdio/detach-keys.js';
import { execStdio, launchExec, rootfsOf, type LaunchedExec } from './launch.js';
import { ExecLaunchError, type ExecCreateBody, type ExecRun, type ExecSettings, type ExecStartBody } from './types.js';

/** Finished execs kept per container for inspect; older ones are forgotten first. */
const MAX_FINISHED_PER_CONTAINER = 256;

interface ExecInstance {
  id: string;
  containerId: string;
  settings: ExecSettings;
  started: boolean;
  running: boolean;
  exitCode: number | null;
  pid: number;
  launched: LaunchedExec['launched'] | null;
}

/** What start() needs back from the caller before launching: validation happens first. */
export interface PreparedStart {
  id: string;
  tty: boolean;
  detachKeys: string;
  settings: ExecSettings;
  /** Starts the process; ExecLaunchError (exit code recorded) when it cannot. */
  launch(): Promise<ExecRun>;
}

export interface ExecServiceOptions {
  containers: ContainerService;
  events: EventBus;
  logger: Logger;
}

export class ExecService {
  private readonly execs = new Map<string, ExecInstance>();

  constructor(private readonly opts: ExecServiceOptions) {
    // Execs share their container's fate (Docker drops them when the container goes).
    opts.events.subscribe({}, (ev) => {
      if (ev.Type === 'container' && ev.Action === 'destroy') this.forgetContainer(ev.Actor.ID);
    });
  }

  private get containers(): ContainerService { return this.opts.containers; }

  /** The running container (409 when it is not running, paused or restarting). */
  private runnable(ref: string): { rec: Rec; task: Task } {
    const { rec, task } = this.containers.runningTask(ref);
    if (rec.state.Paused) throw new ConflictError(`Container ${rec.id} is paused, unpause the container before exec`);
    return { rec, task };
  }

  create(containerRef: string, body: ExecCreateBody | undefined): { Id: string } {
    const b = body ?? {};
    const cmd = typeof b.Cmd === 'string' ? [b.Cmd] : [...(b.Cmd ?? [])];
    if (cmd.length === 0 || cmd[0] === '') throw new InvalidParameterError('No exec command specified');
    for (const e of b.Env ?? []) if (typeof e !== 'string' || e === '' || e.startsWith('=')) throw new InvalidParameterError(`invalid environment variable: ${String(e)}`);
    if (b.DetachKeys) parseDetachKeys(b.DetachKeys);
    const size = b.ConsoleSize;
    if (size != null && (!Array.isArray(size) || size.length !== 2 || size.some((n) => !Number.isInteger(n) || n < 0))) {
      throw new InvalidParameterError('ConsoleSize must be [height, width] with non-negative integers');
    }
    const { rec } = this.runnable(containerRef);
    const settings: ExecSettings = {
      attachStdin: b.AttachStdin === true, attachStdout: b.AttachStdout === true, attachStderr: b.AttachStderr === true,
      detachKeys: b.DetachKeys ?? '', tty: b.Tty === true, env: [...(b.Env ?? [])], cmd,
      privileged: b.Privileged === true, user: b.User ?? '', workingDir: b.WorkingDir ?? '', consoleSize: size ?? null,
    };
    const id = newId();
    this.execs.set(id, { id, containerId: rec.id, settings, started: false, running: false, exitCode: null, pid: 0, launched: null });
    this.emit(rec, 'exec_create', settings.cmd, { execID: id });
    return { Id: id };
  }

  private get(id: string): ExecInstance {
    const e = this.execs.get(id);
    if (!e) throw new NotFoundError(`No such exec instance: ${id}`);
    return e;
  }

  /** Validates a start request; the caller hijacks the connection, then calls launch(). */
  prepareStart(id: string, body: ExecStartBody | undefined): PreparedStart {
    const e = this.get(id);
    if (e.running) throw new ConflictError(`Error: Exec command ${id} is already running`);
    if (e.started) throw new ConflictError(`Error: Exec command ${id} has already run`);
    const { rec, task } = this.runnable(e.containerId);
    e.started = true;
    const detach = body?.Detach === true;
    const settings = { ...e.settings, ...(body?.Tty !== undefined ? { tty: body.Tty } : {}) };
    const consoleSize = body?.ConsoleSize ?? settings.consoleSize;
    return {
      id, tty: settings.tty, detachKeys: settings.detachKeys, settings,
      launch: () => this.launch(e, rec, task, settings, detach, consoleSize),
    };
  }

  private async launch(e: ExecInstance, rec: Rec, task: Task, s: ExecSettings, detach: boolean, size: [number, number] | null): Promise<ExecRun> {
    this.emit(rec, 'exec_start', s.cmd, { execID: e.id });
    let run: LaunchedExec;
    try {
      run = await launchExec(rec, task, rootfsOf(this.containers.ctx.store.dirOf(rec.id)), s, execStdio(s, detach));
    } catch (err) {
      const code = err instanceof ExecLaunchError ? err.exitCode : 126;
      e.exitCode = code;
      this.emit(rec, 'exec_die', null, { execID: e.id, exitCode: String(code) });
      throw err instanceof ExecLaunchError ? err : new ExecLaunchError((err as Error).message, code);
    }
    e.running = true;
    e.pid = run.launched.pid;
    e.launched = run.launched;
    if (s.tty && size && size[0] > 0 && size[1] > 0) run.launched.io.resize(size[0], size[1]);
    const exited = run.exitCode.then((code) => {
      Object.assign(e, { running: false, exitCode: code, launched: null });
      this.emit(rec, 'exec_die', null, { execID: e.id, exitCode: String(code) });
      this.trimFinished(e.containerId);
      return code;
    });
    const io = run.launched.io;
    return { stdin: io.stdin, stdout: io.stdout, stderr: io.stderr, exited };
  }

  resize(id: string, height: number, width: number): void {
    const e = this.get(id);
    if (!e.launched) throw new ConflictError(`Exec ${id} is not running`);
    if (e.settings.tty) e.launched.io.resize(height, width);
  }

  inspect(id: string): Record<string, unknown> {
    const e = this.get(id);
    const s = e.settings;
    return {
      CanRemove: false,
      ContainerID: e.containerId,
      DetachKeys: s.detachKeys,
      ExitCode: e.exitCode,
      ID: e.id,
      OpenStderr: s.attachStderr,
      OpenStdin: s.attachStdin,
      OpenStdout: s.attachStdout,
      ProcessConfig: { arguments: s.cmd.slice(1), entrypoint: s.cmd[0], privileged: s.privileged, tty: s.tty, user: s.user },
      Running: e.running,
      Pid: e.pid,
    };
  }

  /** Exec IDs of a container (container inspect's ExecIDs). */
  idsOf(containerId: string): string[] {
    return [...this.execs.values()].filter((e) => e.containerId === containerId).map((e) => e.id);
  }

  /**
   * Runs a command to completion without an exec instance (healthcheck probes): output of both
   * streams collected up to `maxOutput` bytes, killed after `timeoutMs`. Events as Docker's probes.
   */
  async probe(containerId: string, cmd: string[], timeoutMs: number, maxOutput: number): Promise<{ exitCode: number; output: string; timedOut: boolean }> {
    const { rec, task } = this.runnable(containerId);
    const c = rec.config.Config;
    const s: ExecSettings = {
      attachStdin: false, attachStdout: true, attachStderr: true, detachKeys: '', tty: false, env: [], cmd,
      privileged: false, user: c.User ?? '', workingDir: c.WorkingDir ?? '', consoleSize: null,
    };
    const execID = newId();
    this.emit(rec, 'exec_create', cmd, { execID });
    this.emit(rec, 'exec_start', cmd, { execID });
    let run: LaunchedExec;
    try {
      run = await launchExec(rec, task, rootfsOf(this.containers.ctx.store.dirOf(rec.id)), s, execStdio(s, false));
    } catch (err) {
      const code = err instanceof ExecLaunchError ? err.exitCode : 126;
      this.emit(rec, 'exec_die', null, { execID, exitCode: String(code) });
      return { exitCode: code, output: (err as Error).message, timedOut: false };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (b: Buffer): void => {
      if (size >= maxOutput) return;
      chunks.push(b.subarray(0, maxOutput - size));
      size += Math.min(b.length, maxOutput - size);
    };
    const io = run.launched.io;
    const drained = Promise.all([io.stdout, io.stderr].map((r) => (r ? new Promise<void>((res) => {
      r.on('data', collect);
      r.on('end', res);
      r.on('close', res);
      r.on('error', () => res());
    }) : Promise.resolve())));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(run.launched.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, timeoutMs);
    const exitCode = await run.exitCode;
    clearTimeout(timer);
    await Promise.race([drained, new Promise((r) => setTimeout(r, 1000).unref())]);
    this.emit(rec, 'exec_die', null, { execID, exitCode: String(exitCode) });
    return { exitCode, output: Buffer.concat(chunks).toString('utf8'), timedOut };
  }

  private emit(rec: Rec, action: string, cmd: string[] | null, extra: Record<string, string>): void {
    // Docker names exec_create/exec_start after the command ("exec_start: sh -c ...").
    this.containers.ctx.emit(rec, cmd ? `${action}: ${cmd.join(' ')}` : action, extra);
  }

  private forgetContainer(containerId: string): void {
    for (const [id, e] of this.execs) if (e.containerId === containerId) this.execs.delete(id);
  }

  private trimFinished(containerId: string): void {
    const finished = [...this.execs.values()].filter((e) => e.containerId === containerId && e.started && !e.running);
    for (const e of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED_PER_CONTAINER))) this.execs.delete(e.id);
  }
}
