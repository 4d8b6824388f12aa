// Starting an exec process in a running container through the runtime (same namespaces and
// cgroup as the container's init), with Docker's exit codes for launch failures.
import { constants } from 'node:os';
import * as path from 'node:path';
import type { Launched } from '../../runtime/launch.js';
import type { StdioSpec } from '../../runtime/executor/index.js';
import type { Task } from '../containers/task.js';
import type { Rec } from '../containers/inspect.js';
import { EngineError } from '../errors.js';
import { buildExecProcess } from './process.js';
import { ExecLaunchError, type ExecSettings } from './types.js';

const SIGNALS = constants.signals as Record<string, number>;

export interface LaunchedExec {
  launched: Launched;
  /** Exit code: the process's, or 128+signal. */
  exitCode: Promise<number>;
}

export type ExecStdio = [StdioSpec, StdioSpec, StdioSpec];

/** Stdio for the executor: pipes for what the client attached, /dev/null for the rest. */
export function execStdio(s: Pick<ExecSettings, 'tty' | 'attachStdin' | 'attachStdout' | 'attachStderr'>, detach: boolean): ExecStdio {
  if (detach) return ['ignore', 'ignore', 'ignore'];
  // A relayed pty uses the executor's stdin/stdout; its stderr only carries executor diagnostics.
  if (s.tty) return ['pipe', 'pipe', 'ignore'];
  return [s.attachStdin ? 'pipe' : 'ignore', s.attachStdout ? 'pipe' : 'ignore', s.attachStderr ? 'pipe' : 'ignore'];
}

/** 127 when the command does not exist, 126 when it cannot be run (or anything else failed). */
export function launchExitCode(err: unknown): number {
  const e = err as NodeJS.ErrnoException;
  const msg = e?.message ?? '';
  if (msg.startsWith('exec: ') && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) return 127;
  return 126;
}

export async function launchExec(rec: Rec, task: Task, rootfsDir: string, s: ExecSettings, stdio: ExecStdio): Promise<LaunchedExec> {
  const c = rec.config.Config;
  let launched: Launched;
  try {
    const proc = buildExecProcess(task.container.spec.process, rootfsDir, {
      cmd: s.cmd, env: s.env, user: s.user || c.User || '', workingDir: s.workingDir || c.WorkingDir || '',
      tty: s.tty, privileged: s.privileged, containerEnv: c.Env ?? [], hostname: c.Hostname ?? '',
    });
    launched = await task.container.exec(proc, { stdio });
  } catch (err) {
    const code = err instanceof EngineError ? 126 : launchExitCode(err);
    throw new ExecLaunchError(`OCI runtime exec failed: exec failed: ${(err as Error).message}: unknown`, code);
  }
  const exitCode = launched.exited.then(
    (e) => e.code ?? 128 + (SIGNALS[e.signal ?? ''] ?? 0),
    () => 255,
  );
  return { launched, exitCode };
}

export function rootfsOf(containerDir: string): string {
  return path.join(containerDir, 'rootfs');
}
