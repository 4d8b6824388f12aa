// The OCI process of an exec: the container's own process (limits, seccomp profile settings,
// capabilities) with the exec's command, environment, user, working directory and TTY, as
// Docker builds it (daemon/exec.go + CreateDaemonEnvironment).
import { readFileSync } from 'node:fs';
import { CAPABILITIES } from '../../runtime/spec/caps.js';
import { DEFAULT_PATH_ENV } from '../../runtime/spec/defaults.js';
import type { Process } from '../../runtime/spec/types.js';
import { resolveUser } from '../user.js';

export interface ExecProcessInput {
  cmd: string[];
  /** Exec's own Env (KEY=value, or KEY alone to unset). */
  env: string[];
  /** Exec's User, else the container's Config.User. */
  user: string;
  /** Exec's WorkingDir, else the container's. */
  workingDir: string;
  tty: boolean;
  privileged: boolean;
  /** The container's Config.Env (image env merged in) and hostname. */
  containerEnv: string[];
  hostname: string;
}

/**
 * Every capability this daemon can hand out: all known ones within our own bounding set (a
 * daemon in a restricted sandbox may lack some, and asking for those fails with EPERM).
 */
export { availableCapabilities } from '../host-caps.js';
import { availableCapabilities } from '../host-caps.js';

/** Docker's ReplaceOrAppendEnvValues: later KEY=v replaces KEY, a bare KEY removes it. */
export function replaceOrAppendEnv(base: string[], overrides: string[]): string[] {
  const out = new Map<string, string | null>();
  const key = (kv: string) => (kv.includes('=') ? kv.slice(0, kv.indexOf('=')) : kv);
  for (const kv of base) out.set(key(kv), kv);
  for (const kv of overrides) out.set(key(kv), kv.includes('=') ? kv : null);
  return [...out.values()].filter((v): v is string => v !== null);
}

/** Environment of an exec: PATH, HOSTNAME, TERM (with a TTY), the container's env, the exec's env. */
export function execEnv(input: Pick<ExecProcessInput, 'env' | 'tty' | 'containerEnv' | 'hostname'>): string[] {
  const daemon = [`PATH=${DEFAULT_PATH_ENV}`, `HOSTNAME=${input.hostname}`];
  if (input.tty) daemon.push('TERM=xterm');
  return replaceOrAppendEnv(replaceOrAppendEnv(daemon, input.containerEnv), input.env);
}

/**
 * Builds the exec process from the container's spec process. `rootfs` is the container's root
 * as mounted on the host (its /etc/passwd and /etc/group resolve the user).
 * Throws InvalidParameterError for an unknown user or group.
 */
export function buildExecProcess(base: Process | undefined, rootfs: string, input: ExecProcessInput): Process {
  const user = resolveUser(rootfs, input.user);
  const allCaps = availableCapabilities();
  const caps = input.privileged
    ? { bounding: allCaps, effective: allCaps, permitted: allCaps }
    : base?.capabilities;
  return {
    terminal: input.tty,
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids, umask: base?.user?.umask ?? 0o022 },
    args: [...input.cmd],
    env: execEnv(input),
    cwd: input.workingDir || '/',
    ...(caps ? { capabilities: caps } : {}),
    ...(base?.rlimits ? { rlimits: base.rlimits } : {}),
    noNewPrivileges: base?.noNewPrivileges ?? false,
    ...(base?.oomScoreAdj !== undefined ? { oomScoreAdj: base.oomScoreAdj } : {}),
  };
}
