// linux.readonlyPaths and linux.maskedPaths, applied after pivot_root like runc does. The
// executor cannot stat, so the file-or-directory choice for masking is made here: a path on
// /proc or /sys is looked up on the host's /proc or /sys (same kernel), a path on a bind mount
// in its source, anything else in the rootfs. Paths that do not exist are skipped (runc ignores
// ENOENT for both lists).
import type { ChildOp } from '../ops.js';
import type { FileKind } from './host.js';
import { MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REC, MS_REMOUNT } from './mountopts.js';
import { hostPath, isWithin } from './paths.js';
import type { PlannedMount, RootfsPlanner } from './rootfs.js';
import type { Spec } from './types.js';

const KERNEL_FS_HOST_ROOT: Record<string, string> = { proc: '/proc', sysfs: '/sys' };

interface Probe {
  path: string;
  kind: FileKind | undefined;
  /** nosuid/nodev/noexec of the mount the path is on: a read-only remount keeps them. */
  keep: number;
}

export function probePath(path: string, planner: RootfsPlanner): Probe {
  const resolved = planner.resolve(path);
  let covering: PlannedMount | undefined;
  for (const m of planner.mounts) {
    if (isWithin(resolved, m.dest) && (!covering || m.dest.length >= covering.dest.length)) covering = m;
  }
  const keep = (covering?.flags ?? 0) & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
  if (!covering) return { path: resolved, kind: planner.ctx.host.kind(hostPath(planner.ctx.rootfs, resolved)), keep };
  const rest = resolved.slice(covering.dest.length);
  const base = covering.type === 'bind' ? covering.source : KERNEL_FS_HOST_ROOT[covering.type];
  const kind = base === undefined ? undefined : planner.ctx.host.kind(base + rest);
  return { path: resolved, kind, keep };
}

export function readonlyAndMaskOps(spec: Spec, planner: RootfsPlanner): ChildOp[] {
  const ops: ChildOp[] = [];
  for (const path of spec.linux?.readonlyPaths ?? []) {
    const p = probePath(path, planner);
    if (!p.kind) continue;
    ops.push({ op: 'mount', source: p.path, target: p.path, fstype: '', flags: MS_BIND | MS_REC, data: '' });
    ops.push({ op: 'mount', source: p.path, target: p.path, fstype: '', flags: MS_BIND | MS_REMOUNT | MS_RDONLY | p.keep, data: '' });
  }
  for (const path of spec.linux?.maskedPaths ?? []) {
    const p = probePath(path, planner);
    if (!p.kind) continue;
    if (p.kind === 'dir') {
      ops.push({ op: 'mount', source: 'tmpfs', target: p.path, fstype: 'tmpfs', flags: MS_RDONLY, data: spec.linux?.mountLabel ? `context="${spec.linux.mountLabel}"` : '' });
    } else {
      ops.push({ op: 'mount', source: '/dev/null', target: p.path, fstype: '', flags: MS_BIND, data: '' });
    }
  }
  return ops;
}
