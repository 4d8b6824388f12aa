// Runs a plan with native/wharf-exec and exposes the container's lifecycle as promises.
import { spawn } from 'node:child_process';
import { PassThrough, type Duplex, type Readable, type Writable } from 'node:stream';
import type { ExecutorPlan } from '../ops.js';
import { encodeContinue, encodePlan, encodeResize, encodeStart } from './encode.js';
import { ExecutorError, errnoName } from './errors.js';
import { executorPath } from './path.js';
import { parseMessage, type ExecutorMessage } from './protocol.js';
import { signalName, type ExitStatus } from './status.js';
import { monitorFromSpawner, spawnerStdio, type ExecutorSpawner, type MonitorProcess } from './spawner.js';

export type StdioSpec = 'inherit' | 'pipe' | 'ignore' | number;

export interface SpawnExecutorOptions {
  /** stdio of the executor (inherited by the container unless a pty is relayed). Default 'inherit',
   *  or pipes when `terminal` is set. */
  stdio?: StdioSpec | [StdioSpec, StdioSpec, StdioSpec];
  /** Relay the pty master (from a `pty` op without consoleSocket) over the executor's stdin/stdout. */
  terminal?: boolean;
  /** With terminal: the relayed stdin never ends (no ^D when its writers go; a daemon restart). */
  holdStdin?: boolean;
  /** File where the monitor writes the exit status, even after this process died. */
  statusFile?: string;
  /** Runs after clone, before `continue` (write id maps, join cgroups). Throwing kills the container. */
  onPid?: (pid: number) => Promise<void> | void;
  /** Environment of the executor process (not the container's: that is in the exec op). */
  env?: NodeJS.ProcessEnv;
  /** New session for the monitor so signals to our process group do not reach it. */
  detached?: boolean;
  /**
   * Fork the monitor from this spawner instead of from Node (used when every stdio slot is an
   * fd or 'ignore'; `env` is then the spawner's).
   */
  spawner?: ExecutorSpawner;
  /** A monitor already asked of the spawner (requestMonitor), forked while the plan was made. */
  monitor?: Promise<MonitorProcess>;
}

function spawnDirect(std: [StdioSpec, StdioSpec, StdioSpec], options: SpawnExecutorOptions): MonitorProcess {
  const proc = spawn(executorPath(), [], {
    stdio: [...std, 'pipe'],
    env: options.env ?? process.env,
    detached: options.detached ?? false,
  });
  return {
    ctl: proc.stdio[3] as Duplex,
    monitorPid: proc.pid ?? -1,
    stdin: proc.stdin,
    stdout: buffered(proc.stdout),
    stderr: buffered(proc.stderr),
    onError: (cb) => proc.on('error', cb),
    unref() {
      proc.unref();
      for (const s of [proc.stdin, proc.stdout, proc.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
    },
  };
}

export interface ExecutorHandle {
  /** Host pid of the container init. */
  readonly pid: number;
  /** Pid of the monitor (wharf-exec), the init's parent. */
  readonly monitorPid: number;
  /** Resolves when the init waits at wait-start/open-fifo (or has exec'd); rejects with ExecutorError. */
  readonly ready: Promise<void>;
  /** Resolves once execve succeeded; rejects with ExecutorError. */
  readonly started: Promise<void>;
  /** Sends `start` (for a wait-start plan) and resolves once the process exec'd. */
  start(): Promise<void>;
  /** Resolves when the init exited (never after detach()). */
  readonly exited: Promise<ExitStatus>;
  /** Resolves when the control channel closed: the monitor is gone (or detach() was called). */
  readonly closed: Promise<void>;
  /** Sets the relayed pty's window size. */
  resize(rows: number, cols: number): void;
  /** Closes our end of the control channel; the monitor keeps running and writes the status file. */
  detach(): void;
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  promise.catch(() => {}); // rejections are for whoever awaits; never crash the process
  return { promise, resolve, reject };
}

/** Node drops the output of an exited child nobody listened to yet; a PassThrough keeps it. */
function buffered(stream: Readable | null): Readable | null {
  return stream ? stream.pipe(new PassThrough()) : null;
}

/** Spawns the executor and resolves once the container init exists and `onPid` has run. */
export async function spawnExecutor(plan: ExecutorPlan, options: SpawnExecutorOptions = {}): Promise<ExecutorHandle> {
  const encoded = encodePlan(plan, { statusFile: options.statusFile, terminalRelay: options.terminal, holdStdin: options.holdStdin });
  const syncParent = plan.ops.some((o) => o.op === 'sync-parent');
  const waitStart = plan.ops.some((o) => o.op === 'wait-start');
  // Error reports name the failing op; none can come once the process exec'd, so the plan (and
  // its seccomp filter) is not kept for the life of the container.
  let failPlan: ExecutorPlan | undefined = plan;
  const std = options.stdio ?? (options.terminal ? 'pipe' : 'inherit');
  const slots: [StdioSpec, StdioSpec, StdioSpec] = Array.isArray(std) ? std : [std, std, std];
  const viaSpawner = options.spawner && !options.monitor ? spawnerStdio(slots) : undefined;
  const proc = options.monitor
    ? await options.monitor
    : viaSpawner
      ? await monitorFromSpawner(options.spawner!, viaSpawner, options.detached ?? false)
      : spawnDirect(slots, options);
  const { ctl, stdout, stderr } = proc;
  const pidD = deferred<number>();
  const readyD = deferred<void>();
  const startedD = deferred<void>();
  const exitedD = deferred<ExitStatus>();
  let detached = false;
  let onClosed!: () => void;
  const closed = new Promise<void>((resolve) => { onClosed = resolve; });

  const toError = (m: Extract<ExecutorMessage, { kind: 'error' }>) => {
    const op = m.phase === 'pre' ? failPlan?.pre[m.index] : m.phase === 'child' ? failPlan?.ops[m.index] : undefined;
    return new ExecutorError(m.phase, m.index, m.errno, errnoName(m.errno), op, m.detail);
  };
  const failAll = (e: Error) => { pidD.reject(e); readyD.reject(e); startedD.reject(e); };

  const onMessage = (m: ExecutorMessage) => {
    switch (m.kind) {
      case 'pid': pidD.resolve(m.pid); break;
      case 'ready': readyD.resolve(); break;
      case 'started': failPlan = undefined; readyD.resolve(); startedD.resolve(); break;
      case 'error': failAll(toError(m)); break;
      case 'exit': {
        const e = new Error(`container exited before starting (code ${m.code}, signal ${signalName(m.signal)})`);
        failAll(e);
        exitedD.resolve({ code: m.code, signal: signalName(m.signal) });
        break;
      }
    }
  };

  let pending = '';
  ctl.setEncoding('utf8');
  ctl.on('data', (chunk: string) => {
    pending += chunk;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const m = parseMessage(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      if (m) onMessage(m);
    }
  });
  ctl.resume(); // a spawner connection arrives paused after its hello line
  ctl.on('error', () => {}); // EPIPE after the monitor exits; the close handler reports
  ctl.on('close', () => {
    onClosed();
    if (detached) return;
    const e = new Error('executor exited without reporting the container exit');
    failAll(e);
    exitedD.reject(e);
  });
  proc.onError((e) => { failAll(e); exitedD.reject(e); });
  ctl.write(encoded);

  const send = (buf: Buffer) => { if (!detached && ctl.writable) ctl.write(buf); };
  const pid = await pidD.promise;
  try {
    await options.onPid?.(pid);
  } catch (e) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    await exitedD.promise.catch(() => {});
    throw e;
  }
  if (syncParent) send(encodeContinue());

  return {
    pid,
    monitorPid: proc.monitorPid,
    ready: readyD.promise,
    started: startedD.promise,
    exited: exitedD.promise,
    closed,
    start() {
      if (waitStart) send(encodeStart());
      return startedD.promise;
    },
    resize(rows: number, cols: number) { send(encodeResize(rows, cols)); },
    detach() {
      detached = true;
      ctl.destroy();
      proc.unref();
    },
    stdin: proc.stdin,
    stdout,
    stderr,
  };
}
