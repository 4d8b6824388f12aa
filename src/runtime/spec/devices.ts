// /dev on a fresh tmpfs (runc's createDevices, setupDevSymlinks, setupPtmx): device nodes
// (bind mounts of the host's nodes in a user namespace, where mknod is not allowed), the
// /dev/fd and std stream links, /dev/core, and /dev/ptmx pointing into the new devpts.
import { dirname } from 'node:path';
import type { ChildOp } from '../ops.js';
import { DEFAULT_DEVICES } from './defaults.js';
import { MS_BIND } from './mountopts.js';
import { hostPath } from './paths.js';
import type { RootfsPlanner } from './rootfs.js';
import { deviceTypeBits } from './tables.js';
import type { LinuxDevice, Spec } from './types.js';

/** Default devices plus the config's, a config entry replacing a default with the same path. */
export function containerDevices(spec: Spec): LinuxDevice[] {
  const byPath = new Map<string, LinuxDevice>();
  for (const d of [...DEFAULT_DEVICES, ...(spec.linux?.devices ?? [])]) byPath.set(d.path, d);
  byPath.delete('/dev/ptmx'); // always the devpts ptmx, linked below
  return [...byPath.values()];
}

export function devOps(spec: Spec, planner: RootfsPlanner): ChildOp[] {
  const { rootfs, userns, host } = planner.ctx;
  const ops: ChildOp[] = [];
  const madeDirs = new Set(['/dev']);
  for (const d of containerDevices(spec)) {
    const dest = planner.resolve(d.path);
    const parent = dirname(dest);
    if (!madeDirs.has(parent)) {
      ops.push({ op: 'mkdir', path: hostPath(rootfs, parent), mode: 0o755, parents: true });
      madeDirs.add(parent);
    }
    if (userns) {
      ops.push({ op: 'touch', path: hostPath(rootfs, dest), mode: 0o644 });
      ops.push({ op: 'mount-in', root: rootfs, source: d.path, target: dest, fstype: '', flags: MS_BIND, data: '' });
    } else {
      ops.push({
        op: 'mknod', path: hostPath(rootfs, dest), mode: deviceTypeBits(d.type) | (d.fileMode ?? 0o666),
        major: d.major ?? 0, minor: d.minor ?? 0, uid: d.uid ?? 0, gid: d.gid ?? 0,
      });
    }
  }
  const links: [string, string][] = [
    ['/proc/self/fd', 'fd'], ['/proc/self/fd/0', 'stdin'], ['/proc/self/fd/1', 'stdout'], ['/proc/self/fd/2', 'stderr'],
  ];
  if (host.kind('/proc/kcore')) links.push(['/proc/kcore', 'core']);
  links.push(['pts/ptmx', 'ptmx']);
  for (const [target, name] of links) ops.push({ op: 'symlink', target, path: `${rootfs}/dev/${name}` });
  return ops;
}
