// Launches an init or exec process: compiles the spec to an executor plan, spawns the executor,
// writes id maps and joins the cgroup before the process goes on, and reports failures clearly.
import type { Readable, Writable } from 'node:stream';
import type { Cgroup } from './cgroups/types.js';
import { spawnExecutor, type ExecutorHandle, type StdioSpec } from './executor/index.js';
import { ExecutorError } from './executor/errors.js';
import type { ExitStatus } from './executor/status.js';
import { writeIdMaps } from './idmap.js';
import { compileExec, compileSpec, describeFailure } from './spec/compile.js';
import type { Process, Spec } from './spec/types.js';
import type { ExecutorPlan } from './ops.js';
import { seccompFor } from './filter-cache.js';

export interface LaunchIO {
  /** Default: inherit, or pipes when a terminal is relayed. */
  stdio?: StdioSpec | [StdioSpec, StdioSpec, StdioSpec];
  /** Start the monitor in its own session, to outlive the caller (CLI create). */
  detached?: boolean;
}

export interface Launched {
  pid: number;
  monitorPid: number;
  io: { stdin: Writable | null; stdout: Readable | null; stderr: Readable | null; resize(rows: number, cols: number): void };
  start(): Promise<void>;
  exited: Promise<ExitStatus>;
  /** Stops listening to the monitor; it keeps running and writes the status file. */
  detach(): void;
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
}

function planFor(args: LaunchArgs): ExecutorPlan {
  const seccompFilter = seccompFor(args.spec.linux?.seccomp, args.cacheDir);
  if (args.exec) {
    return compileExec(args.spec, args.exec.initPid, args.exec.process, { seccompFilter, consoleSocket: args.consoleSocket });
  }
  return compileSpec(args.spec, {
    bundle: args.bundle, seccompFilter, consoleSocket: args.consoleSocket,
    startMode: args.startMode === 'fifo' ? 'open-fifo' : 'wait-start', fifoPath: args.fifoPath, cgroupPath: args.cgroup.path,
  });
}

export async function launch(args: LaunchArgs): Promise<Launched> {
  const plan = planFor(args);
  const proc = args.exec?.process ?? args.spec.process;
  const relay = proc?.terminal === true && !args.consoleSocket;
  const newUserNs = !args.exec && (args.spec.linux?.namespaces ?? []).some((n) => n.type === 'user' && !n.path);
  let handle: ExecutorHandle;
  try {
    handle = await spawnExecutor(plan, {
      stdio: args.io?.stdio, terminal: relay, statusFile: args.statusFile, detached: args.io?.detached,
      onPid: (pid) => {
        if (newUserNs) writeIdMaps(pid, args.spec.linux?.uidMappings ?? [], args.spec.linux?.gidMappings ?? []);
        args.cgroup.join(pid);
      },
    });
    await handle.ready;
  } catch (err) {
    throw explain(err, plan);
  }
  return {
    pid: handle.pid,
    monitorPid: handle.monitorPid,
    io: { stdin: handle.stdin, stdout: handle.stdout, stderr: handle.stderr, resize: (r, c) => handle.resize(r, c) },
    start: async () => {
      if (args.startMode === 'message' || args.exec) {
        try { await handle.start(); } catch (err) { throw explain(err, plan); }
      }
    },
    exited: handle.exited,
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
