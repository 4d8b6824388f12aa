// The "cgroup" mount (Docker's /sys/fs/cgroup): a cgroup2 mount on a unified host; on a v1 or
// hybrid host a tmpfs holding one mount per host hierarchy, as runc and Docker lay it out.
// Hierarchies come from the host's mount table at compile time.
import { basename } from 'node:path';
import type { ChildOp } from '../ops.js';
import { MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REC, MS_REMOUNT } from './mountopts.js';
import type { RootfsPlanner } from './rootfs.js';

const HOST_CGROUP_ROOT = '/sys/fs/cgroup';
const SUPER_OPTIONS_SKIPPED = new Set(['rw', 'ro', 'xattr', 'clone_children', 'noprefix', 'nsdelegate', 'memory_recursiveprot', 'cpuset_v2_mode', 'favordynmods', 'memory_localevents']);

export interface CgroupMountOps {
  now: ChildOp[];
  /** Read-only remount of the tmpfs, after everything below it exists. */
  deferred: ChildOp[];
}

export function cgroupMountOps(planner: RootfsPlanner, dest: string, flags: number): CgroupMountOps {
  const { rootfs, userns, newCgroupns, cgroupPath } = planner.ctx;
  const mounts = planner.hostMounts();
  const unified = mounts.find((m) => m.mountPoint === HOST_CGROUP_ROOT && m.fstype === 'cgroup2');
  const now: ChildOp[] = [];
  const mountIn = (source: string, target: string, fstype: string, f: number, data: string): void => {
    now.push({ op: 'mount-in', root: rootfs, source, target, fstype, flags: f, data });
  };
  const bindHost = (hostDir: string, target: string): void => {
    // A user namespace that does not own the cgroup namespace cannot mount cgroupfs: bind the host's.
    mountIn(hostDir, target, '', MS_BIND | MS_REC, '');
    mountIn('', target, '', MS_BIND | MS_REMOUNT | flags | planner.lockedFlags(hostDir), '');
  };
  const mkdir = planner.targetOp(dest, 'dir');
  if (mkdir) now.push(mkdir);

  if (unified) {
    if (userns && !newCgroupns) bindHost(HOST_CGROUP_ROOT, dest);
    else mountIn('cgroup', dest, 'cgroup2', flags, '');
    return { now, deferred: [] };
  }

  const tmpfsFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  mountIn('tmpfs', dest, 'tmpfs', tmpfsFlags, 'mode=755');
  const hierarchies = mounts.filter((m) => (m.fstype === 'cgroup' || m.fstype === 'cgroup2') && m.mountPoint.startsWith(HOST_CGROUP_ROOT + '/')
    && !m.mountPoint.slice(HOST_CGROUP_ROOT.length + 1).includes('/'));
  const names = new Set(hierarchies.map((h) => basename(h.mountPoint)));
  for (const h of hierarchies) {
    const name = basename(h.mountPoint);
    const target = `${dest}/${name}`;
    now.push({ op: 'mkdir', path: `${rootfs}${target}`, mode: 0o755, parents: false });
    const own = cgroupPath && !newCgroupns ? `${h.mountPoint}/${cgroupPath}` : '';
    if (own && planner.ctx.host.kind(own) === 'dir') {
      // Like Docker on v1 without a cgroup namespace: the container sees its own cgroup as the root.
      bindHost(own, target);
    } else if (userns && !(newCgroupns && h.fstype === 'cgroup2')) {
      bindHost(h.mountPoint, target);
    } else if (h.fstype === 'cgroup2') {
      mountIn('cgroup', target, 'cgroup2', flags, '');
    } else {
      const controllers = h.superOptions.filter((o) => !SUPER_OPTIONS_SKIPPED.has(o) && !o.startsWith('release_agent='));
      const named = controllers.length > 0 && controllers.every((o) => o.startsWith('name='));
      mountIn('cgroup', target, 'cgroup', flags, (named ? ['none', ...controllers] : controllers).join(','));
    }
    // Co-mounted controllers ("cpu,cpuacct") are also reachable by each name, as on the host.
    if (name.includes(',')) {
      for (const alias of name.split(',')) {
        if (!names.has(alias) && !alias.includes('=')) now.push({ op: 'symlink', target: name, path: `${rootfs}${dest}/${alias}` });
      }
    }
  }
  const deferred: ChildOp[] = [];
  if (flags & MS_RDONLY) {
    deferred.push({ op: 'mount-in', root: rootfs, source: '', target: dest, fstype: '', flags: MS_BIND | MS_REMOUNT | MS_RDONLY | tmpfsFlags, data: '' });
  }
  return { now, deferred };
}
