// Launches an init or exec process: compiles the spec to an executor plan, spawns the executor,
// writes id maps and joins the cgroup before the process goes on, and reports failures clearly.
import { release } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { Cgroup } from './cgroups/types.js';
import { discardMonitor, requestMonitor, spawnExecutor, type ExecutorHandle, type ExecutorSpawner, type MonitorProcess, type StdioSpec } from './executor/index.js';
import { ExecutorError } from './executor/errors.js';
import type { ExitStatus } from './executor/status.js';
import { writeIdMaps } from './idmap.js';
import { compileExec, compileSpec, describeFailure } from './spec/compile.js';
import type { Process, Spec } from './spec/types.js';
import type { ExecutorPlan, PreOp } from './ops.js';
import { seccompFor } from './filter-cache.js';

export interface LaunchIO {
  /** Default: inherit, or pipes when a terminal is relayed. */
  stdio?: StdioSpec | [StdioSpec, StdioSpec, StdioSpec];
  /** Start the monitor in its own session, to outlive the caller (CLI create). */
  detached?: boolean;
  /**
   * A relayed terminal's stdin (a fifo) stays open in the monitor: the container sees no EOF
   * (^D) when the writer goes away, e.g. a daemon that is restarted.
   */
  holdStdin?: boolean;
}

export interface Launched {
  pid: number;
  monitorPid: number;
  io: { stdin: Writable | null; stdout: Readable | null; stderr: Readable | null; resize(rows: number, cols: number): void };
  start(): Promise<void>;
  exited: Promise<ExitStatus>;
  /** Resolves once the monitor is gone (it exits right after reporting the exit and writing the status file). */
  monitorGone: Promise<void>;
  /** Stops listening to the monitor; it keeps running and writes the status file. */
  detach(): void;
}

/** A mount made by the executor in the host mount namespace before clone (see Runtime.create). */
export interface HostMount {
  source: string;
  /** Absolute path. */
  target: string;
  fstype: string;
  /** MS_* flags (e.g. MS_BIND for a bind mount). */
  flags?: number;
  data?: string;
  /** Directory to resolve relative paths in `data` from (long overlay layer lists). */
  cwd?: string;
}

export interface LaunchArgs {
  spec: Spec;
  bundle: string;
  cgroup: Cgroup;
  io?: LaunchIO;
  consoleSocket?: string;
  startMode: 'message' | 'fifo';
  fifoPath: string;
  statusFile: string;
  /** Set for an exec into a running container. */
  exec?: { initPid: number; process: Process };
  /** Root-only directory for compiled seccomp filters shared between runtime processes. */
  cacheDir?: string;
  hostMounts?: HostMount[];
  /** Fork monitors from this long-lived spawner rather than from Node (see ExecutorSpawner). */
  spawner?: ExecutorSpawner;
  /** Runs before the plan is compiled, while the spawner forks the monitor (e.g. making the cgroup). */
  prepare?: () => void;
  /** A monitor the caller asked the spawner for earlier (requestMonitor), for these stdio. */
  monitor?: Promise<MonitorProcess>;
}

function hostMountOps(mounts: HostMount[]): PreOp[] {
  const ops: PreOp[] = [];
  for (const m of mounts) {
    if (!m.target.startsWith('/')) throw new Error(`host mount target "${m.target}" must be an absolute path`);
    if (m.cwd) ops.push({ op: 'chdir', path: m.cwd });
    ops.push({ op: 'mount', source: m.source, target: m.target, fstype: m.fstype, flags: m.flags ?? 0, data: m.data ?? '' });
    if (m.cwd) ops.push({ op: 'chdir', path: '/' });
  }
  return ops;
}

/** clone3 with CLONE_INTO_CGROUP exists from Linux 5.7. */
const CLONE_INTO_CGROUP_OK = (() => {
  const [major = 0, minor = 0] = release().split('.').map((n) => parseInt(n, 10));
  return major > 5 || (major === 5 && minor >= 7);
})();

/** The init joins its cgroup by itself unless it gets a new user namespace (see Cgroup.birthJoin). */
function birthJoin(args: LaunchArgs): { selfTasks: string[]; cloneInto?: string } | undefined {
  if (args.exec || newUserNamespace(args)) return undefined;
  const birth = args.cgroup.birthJoin();
  if (birth.cloneInto && !CLONE_INTO_CGROUP_OK) return undefined;
  return birth;
}

function newUserNamespace(args: LaunchArgs): boolean {
  return !args.exec && (args.spec.linux?.namespaces ?? []).some((n) => n.type === 'user' && !n.path);
}

/** Resolves after the event loop polled for I/O once (from an I/O callback, one setImmediate would not). */
const turnOfEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

function planFor(args: LaunchArgs): ExecutorPlan {
  const seccompFilter = seccompFor(args.spec.linux?.seccomp, args.cacheDir);
  if (args.exec) {
    return compileExec(args.spec, args.exec.initPid, args.exec.process, { seccompFilter, consoleSocket: args.consoleSocket });
  }
  const plan = compileSpec(args.spec, {
    bundle: args.bundle, seccompFilter, consoleSocket: args.consoleSocket,
    startMode: args.startMode === 'fifo' ? 'open-fifo' : 'wait-start', fifoPath: args.fifoPath, cgroupPath: args.cgroup.path,
    cgroupBirth: birthJoin(args),
  });
  // Host mounts come first: they happen in the host's mount namespace, before any setns.
  if (args.hostMounts?.length) plan.pre = [...hostMountOps(args.hostMounts), ...plan.pre];
  return plan;
}

export async function launch(args: LaunchArgs): Promise<Launched> {
  const proc = args.exec?.process ?? args.spec.process;
  const relay = proc?.terminal === true && !args.consoleSocket;
  // The spawner forks the monitor (another process) while this one makes the cgroup and the plan.
  const monitor = args.monitor ?? (args.spawner ? requestMonitor(args.spawner, args.io?.stdio ?? (relay ? 'pipe' : 'inherit'), args.io?.detached ?? false) : undefined);
  let plan: ExecutorPlan;
  try {
    args.prepare?.();
    // Each turn of the event loop lets it take the monitor's connection, then its hello, while
    // the plan is still being made: otherwise both wait until the plan is done (milliseconds).
    if (monitor) await turnOfEventLoop();
    plan = planFor(args);
    if (monitor) await turnOfEventLoop();
  } catch (err) {
    discardMonitor(monitor);
    throw err;
  }
  const newUserNs = newUserNamespace(args);
  const parentJoins = birthJoin(args) === undefined;
  let handle: ExecutorHandle;
  try {
    handle = await spawnExecutor(plan, {
      stdio: args.io?.stdio, terminal: relay, statusFile: args.statusFile, detached: args.io?.detached, spawner: args.spawner, monitor,
      holdStdin: args.io?.holdStdin,
      onPid: (pid) => {
        if (newUserNs) writeIdMaps(pid, args.spec.linux?.uidMappings ?? [], args.spec.linux?.gidMappings ?? []);
        if (parentJoins) args.cgroup.join(pid);
      },
    });
    await handle.ready;
  } catch (err) {
    discardMonitor(monitor); // one that never got its plan would wait for it forever
    throw explain(err, plan);
  }
  return launched(handle, args.startMode === 'message' || args.exec !== undefined, plan);
}

/**
 * The handle given back. Built outside launch() so its closures do not keep launch's scope (the
 * spec with its seccomp profile) alive for the life of every container; the plan goes after start.
 */
function launched(handle: ExecutorHandle, viaMessage: boolean, plan: ExecutorPlan): Launched {
  let startPlan: ExecutorPlan | undefined = plan;
  return {
    pid: handle.pid,
    monitorPid: handle.monitorPid,
    io: { stdin: handle.stdin, stdout: handle.stdout, stderr: handle.stderr, resize: (r, c) => handle.resize(r, c) },
    start: async () => {
      try {
        if (viaMessage) await handle.start();
      } catch (err) {
        throw startPlan ? explain(err, startPlan) : err;
      } finally {
        startPlan = undefined;
      }
    },
    exited: handle.exited,
    monitorGone: handle.closed,
    detach: () => handle.detach(),
  };
}

function explain(err: unknown, plan: ExecutorPlan): Error {
  if (err instanceof ExecutorError) {
    const e = new Error(describeFailure(plan, err));
    (e as NodeJS.ErrnoException).code = err.code;
    return e;
  }
  return err as Error;
}
