// OCI config -> executor plan. compileSpec builds the container init (new namespaces, root
// filesystem, process); compileExec builds an extra process joining a running container.
// The op order follows runc's init (standard_init_linux.go, rootfs_linux.go).
import { resolve } from 'node:path';
import type { ChildOp, ExecutorPlan, PreOp } from '../ops.js';
import { CLONE_NEWTIME } from '../ops.js';
import { SpecError } from './errors.js';
export { describeFailure } from './describe.js';
import { realHost, type HostView } from './host.js';
import { readonlyAndMaskOps } from './masks.js';
import { MS_BIND, MS_RDONLY, MS_REMOUNT } from './mountopts.js';
import { hostPath, isWithin } from './paths.js';
import { oomScoreOps, processTailOps, type SeccompFilter } from './process.js';
import { RootfsPlanner } from './rootfs.js';
import { NAMESPACE_FLAGS, NAMESPACE_JOIN_ORDER, NAMESPACE_PROC_NAMES } from './tables.js';
import type { LinuxNamespace, NamespaceType, Process, Spec } from './types.js';

export interface CompileContext {
  /** Bundle directory: root.path and relative bind sources are relative to it. */
  bundle: string;
  /** linux.seccomp compiled to BPF (src/runtime/seccomp); required when the config has one. */
  seccompFilter?: SeccompFilter;
  /** wait-start: the library's start message; open-fifo: runc-style exec.fifo (the CLI). */
  startMode: 'wait-start' | 'open-fifo';
  fifoPath?: string;
  /** Unix socket that receives the pty master (process.terminal). */
  consoleSocket?: string;
  /** Extra fds (3, 4, ...) passed through to the process. */
  preserveFds?: number;
  /** Host lookups (tests inject one); defaults to the real filesystem. */
  host?: HostView;
  /**
   * The init enters its (already created) cgroup by itself: writes "0" to each v1 `tasks` file
   * and/or is cloned into the cgroup2 dir, instead of being moved by the parent at sync-parent
   * (see Cgroup.birthJoin). Not with a new user namespace (the init could not write host files).
   */
  cgroupBirth?: { selfTasks: string[]; cloneInto?: string };
  /** The container's cgroup, relative to each hierarchy root, already created. */
  cgroupPath?: string;
}

export interface ExecContext {
  seccompFilter?: SeccompFilter;
  consoleSocket?: string;
  preserveFds?: number;
}

function findNs(spec: Spec, type: NamespaceType): LinuxNamespace | undefined {
  return spec.linux?.namespaces?.find((n) => n.type === type);
}

function isNew(spec: Spec, type: NamespaceType): boolean {
  const ns = findNs(spec, type);
  return ns !== undefined && !ns.path;
}

/** setns ops for the namespaces given by path, user first and mount last. */
function joinOps(namespaces: readonly LinuxNamespace[]): PreOp[] {
  const joined = namespaces.filter((n) => n.path);
  joined.sort((a, b) => NAMESPACE_JOIN_ORDER.indexOf(a.type) - NAMESPACE_JOIN_ORDER.indexOf(b.type));
  return joined.map((n) => ({ op: 'setns', path: n.path!, nstype: NAMESPACE_FLAGS[n.type] }));
}

export function compileSpec(spec: Spec, ctx: CompileContext): ExecutorPlan {
  if (!spec.root?.path) throw new SpecError('root.path', 'is required');
  const process = spec.process;
  if (!process) throw new SpecError('process', 'is required to create a container');
  if (spec.linux?.seccomp && !ctx.seccompFilter) throw new SpecError('linux.seccomp', 'no compiled filter was supplied');
  if (ctx.startMode === 'open-fifo' && !ctx.fifoPath) throw new SpecError('', 'open-fifo start mode needs a fifo path');
  const host = ctx.host ?? realHost;
  const rootfs = resolve(ctx.bundle, spec.root.path);
  const namespaces = spec.linux?.namespaces ?? [];

  let cloneFlags = 0;
  for (const ns of namespaces) if (!ns.path && ns.type !== 'time') cloneFlags |= NAMESPACE_FLAGS[ns.type];
  const userns = findNs(spec, 'user') !== undefined;

  if (ctx.cgroupBirth && isNew(spec, 'user')) throw new SpecError('linux.namespaces', 'a new user namespace needs the parent to join the cgroup');
  const birth = ctx.cgroupBirth;
  const ops: ChildOp[] = birth ? birth.selfTasks.map((path) => ({ op: 'write-file', path, data: '0' })) : [{ op: 'sync-parent' }];
  // Before becoming root of a new user namespace: /proc/self files stay writable by the owner.
  ops.push(...oomScoreOps(process));
  if (isNew(spec, 'user')) {
    // Maps are written now: become root of the new namespace so created files are owned by it.
    ops.push({ op: 'setresgid', gid: 0 }, { op: 'setresuid', uid: 0 });
  }
  ops.push({ op: 'setsid' });
  // A new network namespace starts with lo down; Docker (and runc) bring it up.
  if (isNew(spec, 'network')) ops.push({ op: 'link-up', name: 'lo' });
  if (isNew(spec, 'time')) ops.push(...timeNamespaceOps(spec));

  let planner: RootfsPlanner | undefined;
  if (isNew(spec, 'mount')) {
    planner = new RootfsPlanner(spec, {
      rootfs, bundle: ctx.bundle, host, userns, newNetns: isNew(spec, 'network'), newCgroupns: isNew(spec, 'cgroup'), cgroupPath: ctx.cgroupPath,
    });
    ops.push({ op: 'umask', mask: 0 }); // modes of created dirs and device nodes are exact
    ops.push(...planner.plan());
    ops.push(...cwdOps(process.cwd, planner));
    ops.push({ op: 'pivot-root', root: rootfs });
  } else if (!findNs(spec, 'mount')) {
    throw new SpecError('linux.namespaces', 'a mount namespace is required to set up the root filesystem');
  }
  if (process.terminal) ops.push(ctx.consoleSocket ? { op: 'pty', consoleSocket: ctx.consoleSocket } : { op: 'pty' });
  if (planner && spec.root.readonly) {
    const keep = planner.lockedFlags(rootfs);
    ops.push({ op: 'mount', source: '', target: '/', fstype: '', flags: MS_BIND | MS_REMOUNT | MS_RDONLY | keep, data: '' });
  }
  if (spec.hostname !== undefined && spec.hostname !== '') ops.push({ op: 'sethostname', name: spec.hostname });
  if (spec.domainname !== undefined && spec.domainname !== '') ops.push({ op: 'setdomainname', name: spec.domainname });
  for (const [key, value] of Object.entries(spec.linux?.sysctl ?? {})) {
    ops.push({ op: 'write-file', path: `/proc/sys/${key.replace(/\./g, '/')}`, data: value });
  }
  if (planner) ops.push(...readonlyAndMaskOps(spec, planner));
  const barrier: ChildOp = ctx.startMode === 'open-fifo' ? { op: 'open-fifo', path: ctx.fifoPath! } : { op: 'wait-start' };
  ops.push(...processTailOps(process, { seccomp: ctx.seccompFilter, barrier, preserveFds: ctx.preserveFds }));
  const pre: PreOp[] = birth?.cloneInto ? [{ op: 'clone-into-cgroup', path: birth.cloneInto }] : [];
  return { pre: [...pre, ...joinOps(namespaces)], cloneFlags, ops };
}

/** A new time namespace cannot come from clone(): unshare it and set its offsets before any
 *  process enters it (the exec'd program does). */
function timeNamespaceOps(spec: Spec): ChildOp[] {
  const ops: ChildOp[] = [{ op: 'unshare', flags: CLONE_NEWTIME }];
  const offsets = spec.linux?.timeOffsets;
  const lines = (['monotonic', 'boottime'] as const)
    .filter((clock) => offsets?.[clock])
    .map((clock) => `${clock} ${offsets![clock]!.secs ?? 0} ${offsets![clock]!.nanosecs ?? 0}\n`);
  if (lines.length > 0) ops.push({ op: 'write-file', path: '/proc/self/timens_offsets', data: lines.join('') });
  return ops;
}

/** runc creates a missing working directory. */
function cwdOps(cwd: string, planner: RootfsPlanner): ChildOp[] {
  const dest = planner.resolve(cwd);
  if (dest === '/') return [];
  const onMount = planner.mounts.some((m) => isWithin(dest, m.dest));
  const path = hostPath(planner.ctx.rootfs, dest);
  if (!onMount && planner.ctx.host.kind(path) === 'dir') return [];
  return [{ op: 'mkdir', path, mode: 0o755, parents: true }];
}

/** Plan for an extra process in the running container whose init is `containerInitPid`:
 *  join each of its namespaces through /proc, then become the configured process. */
export function compileExec(spec: Spec, containerInitPid: number, process: Process, ctx: ExecContext = {}): ExecutorPlan {
  if (!Number.isInteger(containerInitPid) || containerInitPid <= 0) throw new SpecError('', `invalid container pid ${containerInitPid}`);
  if (!process.args || process.args.length === 0) throw new SpecError('process.args', 'must be a non-empty array');
  if (spec.linux?.seccomp && !ctx.seccompFilter) throw new SpecError('linux.seccomp', 'no compiled filter was supplied');
  const types = new Set((spec.linux?.namespaces ?? []).map((n) => n.type));
  const pre: PreOp[] = NAMESPACE_JOIN_ORDER.filter((t) => types.has(t)).map((t) => ({
    op: 'setns', path: `/proc/${containerInitPid}/ns/${NAMESPACE_PROC_NAMES[t]}`, nstype: NAMESPACE_FLAGS[t],
  }));
  const ops: ChildOp[] = [{ op: 'sync-parent' }, { op: 'setsid' }];
  if (process.terminal) ops.push(ctx.consoleSocket ? { op: 'pty', consoleSocket: ctx.consoleSocket } : { op: 'pty' });
  ops.push(...oomScoreOps(process));
  ops.push(...processTailOps(process, { seccomp: ctx.seccompFilter, preserveFds: ctx.preserveFds }));
  return { pre, cloneFlags: 0, ops };
}
