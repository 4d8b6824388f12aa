// The executor reports failures as (op index, errno); this turns them into messages a user
// can act on, in the style of runc/Docker ("exec: "x": executable file not found in $PATH").
import { constants } from 'node:os';
import type { ChildOp, ExecutorPlan, PreOp } from '../ops.js';
import { capNames } from './caps.js';
import { flagNames, MS_BIND, MS_PRIVATE, MS_REMOUNT, MS_SHARED, MS_SLAVE, MS_UNBINDABLE } from './mountopts.js';
import { RLIMITS } from './tables.js';

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** "ENOENT" for 2 or "ENOENT"; unknown numbers as "errno 999". */
export function errnoName(errno: number | string): string {
  if (typeof errno === 'string') return errno;
  return errnoNames.get(Math.abs(errno)) ?? `errno ${errno}`;
}

const rlimitNames = new Map(Object.entries(RLIMITS).map(([name, n]) => [n, name]));

/** An executor failure report (structurally the executor's ExecutorError). */
export interface FailureReport {
  phase: 'pre' | 'child' | 'setup';
  opIndex: number;
  errno: number;
  code?: string;
  detail?: string;
}

/**
 * Message for a failed op. `opIndex` indexes plan.ops (the container side) or, with
 * phase 'pre', plan.pre (namespaces joined by the executor before clone).
 */
export function describeFailure(plan: ExecutorPlan, failure: FailureReport): string;
export function describeFailure(plan: ExecutorPlan, opIndex: number, errno: number | string, phase?: 'pre' | 'child'): string;
export function describeFailure(plan: ExecutorPlan, what: number | FailureReport, errno?: number | string, phase: 'pre' | 'child' = 'child'): string {
  if (typeof what === 'object') {
    const err = what.code ?? errnoName(what.errno);
    if (what.phase === 'setup') return `executor setup failed: ${err}${what.detail ? `: ${what.detail}` : ''}`;
    return describeFailure(plan, what.opIndex, err, what.phase);
  }
  const op: ChildOp | PreOp | undefined = phase === 'pre' ? plan.pre[what] : plan.ops[what];
  const err = errnoName(errno ?? 0);
  if (!op) return `container setup failed at step ${what}: ${err}`;
  return describeOp(op, err);
}

function describeOp(op: ChildOp | PreOp, err: string): string {
  switch (op.op) {
    case 'setns':
      return `setns ${op.path}: ${err}${hint(err, { ENOENT: 'no such namespace path', EINVAL: 'not a namespace of the expected type', EPERM: 'not permitted to join it' })}`;
    case 'sync-parent':
      return `waiting for the runtime to set up user maps and cgroups: ${err}`;
    case 'unshare':
      return `unshare(0x${op.flags.toString(16)}): ${err}`;
    case 'mount':
    case 'mount-in':
      return describeMount(op, err);
    case 'mkdir':
      return `mkdir ${op.path}: ${err}`;
    case 'touch':
      return `create mount target ${op.path}: ${err}`;
    case 'mknod':
      return `mknod ${op.path} (${deviceType(op.mode)} ${op.major}:${op.minor}): ${err}`;
    case 'symlink':
      return `symlink ${op.path} -> ${op.target}: ${err}`;
    case 'chmod':
      return `chmod ${op.path}: ${err}`;
    case 'pivot-root':
      return `pivot_root ${op.root}: ${err}${hint(err, { EINVAL: 'the rootfs must be a mount point whose parent mount is not shared', ENOENT: 'no such rootfs' })}`;
    case 'chroot':
      return `chroot ${op.root}: ${err}`;
    case 'chdir':
      return `chdir to cwd ${JSON.stringify(op.path)}: ${err}${hint(err, { ENOENT: 'no such directory in the container', EACCES: 'the user cannot enter it' })}`;
    case 'sethostname':
      return `sethostname ${JSON.stringify(op.name)}: ${err}`;
    case 'setdomainname':
      return `setdomainname ${JSON.stringify(op.name)}: ${err}`;
    case 'write-file':
      if (op.path.startsWith('/proc/sys/')) return `sysctl ${op.path.slice(10).replace(/\//g, '.')}=${op.data}: ${err}`;
      if (op.path.endsWith('/oom_score_adj')) return `set oom_score_adj to ${op.data}: ${err}`;
      return `write ${op.path}: ${err}`;
    case 'setrlimit':
      return `setrlimit ${rlimitNames.get(op.resource) ?? op.resource} (soft ${op.soft}, hard ${op.hard}): ${err}`;
    case 'umask':
      return `umask ${op.mask.toString(8)}: ${err}`;
    case 'setsid':
      return `setsid: ${err}`;
    case 'pty':
      return `set up the terminal${op.consoleSocket ? ` (console socket ${op.consoleSocket})` : ''}: ${err}`;
    case 'keep-caps':
      return `prctl(PR_SET_KEEPCAPS): ${err}`;
    case 'setgroups':
      return `setgroups [${op.gids.join(', ')}]: ${err}${hint(err, { EPERM: 'setgroups is denied in this user namespace', EINVAL: 'a group is not mapped in the user namespace' })}`;
    case 'setresgid':
      return `setresgid ${op.gid}: ${err}${hint(err, { EINVAL: 'gid not mapped in the user namespace' })}`;
    case 'setresuid':
      return `setresuid ${op.uid}: ${err}${hint(err, { EINVAL: 'uid not mapped in the user namespace' })}`;
    case 'caps':
      return `set capabilities (bounding ${capNames(op.bounding).join(',') || 'none'}): ${err}`;
    case 'no-new-privs':
      return `prctl(PR_SET_NO_NEW_PRIVS): ${err}`;
    case 'seccomp':
      return `load seccomp filter (${op.filter.length / 8} instructions): ${err}`;
    case 'lookup':
    case 'exec':
      return describeExec(op.file, err);
    case 'wait-start':
      return `waiting for start: ${err}`;
    case 'open-fifo':
      return `open exec fifo ${op.path}: ${err}`;
    case 'close-fds':
      return `close fds from ${op.from}: ${err}`;
    case 'clone-into-cgroup':
      return `open cgroup ${op.path} to clone into: ${err}`;
    case 'link-up':
      return `bring network interface ${op.name} up: ${err}`;
  }
}

function hint(err: string, hints: Record<string, string>): string {
  return hints[err] ? ` (${hints[err]})` : '';
}

function describeExec(file: string, err: string): string {
  const name = JSON.stringify(file);
  if (err === 'ENOENT') return file.includes('/') ? `exec: ${name}: no such file or directory` : `exec: ${name}: executable file not found in $PATH`;
  if (err === 'EACCES') return `exec: ${name}: permission denied`;
  if (err === 'ENOEXEC') return `exec: ${name}: exec format error`;
  if (err === 'ENOTDIR') return `exec: ${name}: not a directory`;
  return `exec: ${name}: ${err}`;
}

function describeMount(op: Extract<ChildOp, { op: 'mount' | 'mount-in' }>, err: string): string {
  const where = op.op === 'mount-in' ? `${op.root === '/' ? '' : op.root}${op.target}` : op.target;
  const inContainer = op.op === 'mount-in' ? op.target : op.target;
  const propagation = op.flags & (MS_PRIVATE | MS_SLAVE | MS_SHARED | MS_UNBINDABLE);
  if (propagation && !(op.flags & MS_BIND)) return `set mount propagation ${flagNames(op.flags)} on ${where}: ${err}`;
  if (op.flags & MS_REMOUNT) return `remount ${inContainer} (${flagNames(op.flags)}) on ${where}: ${err}`;
  if (op.flags & MS_BIND) {
    return `mount ${inContainer} (bind ${op.source}) on ${where}: ${err}${hint(err, { ENOENT: 'source or target does not exist' })}`;
  }
  const mountErrHints = { ENODEV: `filesystem type ${op.fstype} not supported by the kernel`, ENOENT: 'target does not exist' };
  return `mount ${inContainer} (${op.fstype || op.source}) on ${where}: ${err}${hint(err, mountErrHints)}`;
}

function deviceType(mode: number): string {
  const type = mode & 0o170000;
  return type === 0o060000 ? 'b' : type === 0o010000 ? 'p' : 'c';
}
