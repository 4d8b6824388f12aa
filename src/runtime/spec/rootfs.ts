// The root filesystem part of the plan, before pivot_root: propagation, the rootfs bind, each
// configured mount (targets created first, bind remounts, propagation calls), /dev, and
// read-only remounts deferred until nothing more is mounted below them.
import { isAbsolute, resolve } from 'node:path';
import type { ChildOp } from '../ops.js';
import { cgroupMountOps } from './cgroupfs.js';
import { devOps } from './devices.js';
import { SpecError } from './errors.js';
import type { HostView } from './host.js';
import { mountFlags, mountOf, parseMountInfo, type MountInfo } from './mountinfo.js';
import {
  MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_REMOUNT, MS_SHARED, MS_SLAVE,
  MS_UNBINDABLE, PROPAGATION_OPTIONS, isBindMount, parseMountOptions,
} from './mountopts.js';
import { hostPath, isWithin, resolveInRoot } from './paths.js';
import type { Mount, Spec } from './types.js';

export interface RootfsContext {
  rootfs: string;
  bundle: string;
  host: HostView;
  /** The container runs in a user namespace other than the host's (new or joined). */
  userns: boolean;
  newNetns: boolean;
  newCgroupns: boolean;
  /** The container's cgroup path relative to each hierarchy root (v1: its own dirs are bound). */
  cgroupPath?: string;
}

/** A mount as it will exist in the container, for later decisions (masking, /dev). */
export interface PlannedMount {
  /** Resolved destination, container path. */
  dest: string;
  /** Filesystem type; "bind" for binds. */
  type: string;
  /** Host source of binds. */
  source: string;
  flags: number;
}

/** Flags a remount in a user namespace must keep (the kernel locks them from the source). */
const LOCKED = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;

export class RootfsPlanner {
  readonly ops: ChildOp[] = [];
  readonly mounts: PlannedMount[] = [];
  private readonly deferred: ChildOp[] = [];
  private mountTable?: MountInfo[];

  constructor(private readonly spec: Spec, readonly ctx: RootfsContext) {}

  /** Host mount table, read once and only when a decision needs it. */
  hostMounts(): MountInfo[] {
    this.mountTable ??= parseMountInfo(this.ctx.host.mountinfo());
    return this.mountTable;
  }

  /** Resolved container path of `path`, symlinks followed inside the rootfs only. */
  resolve(path: string): string {
    return resolveInRoot(this.ctx.rootfs, path, this.ctx.host, (p) => this.mounts.some((m) => isWithin(p, m.dest)));
  }

  plan(): ChildOp[] {
    this.prepareRoot();
    (this.spec.mounts ?? []).forEach((m, i) => this.addMount(m, i));
    const dev = this.mounts.find((m) => m.dest === '/dev');
    if (dev && dev.type !== 'bind') this.ops.push(...devOps(this.spec, this));
    this.ops.push(...this.deferred);
    return this.ops;
  }

  /** runc's prepareRoot: make "/" slave (or as configured) so nothing leaks back to the host,
   *  then bind the rootfs on itself so it is a mount point pivot_root accepts. */
  private prepareRoot(): void {
    const { rootfs } = this.ctx;
    const propagation = this.spec.linux?.rootfsPropagation;
    const flag = propagation ? PROPAGATION_OPTIONS[propagation]! : MS_SLAVE | MS_REC;
    this.ops.push({ op: 'mount', source: '', target: '/', fstype: '', flags: flag, data: '' });
    if (flag & MS_SHARED) {
      // pivot_root refuses a new root whose parent mount is shared: make that one private.
      const parent = mountOf(rootfs, this.hostMounts());
      if (parent) this.ops.push({ op: 'mount', source: '', target: parent.mountPoint, fstype: '', flags: MS_PRIVATE, data: '' });
    }
    this.ops.push({ op: 'mount', source: rootfs, target: rootfs, fstype: '', flags: MS_BIND | MS_REC, data: '' });
  }

  private addMount(m: Mount, i: number): void {
    const parsed = parseMountOptions(m.options);
    let type = m.type ?? '';
    let flags = parsed.flags;
    if (type === 'bind') flags |= MS_BIND;
    if (type === 'rbind') flags |= MS_BIND | MS_REC;
    const dest = this.resolve(m.destination);
    if (dest === '/') throw new SpecError(`mounts[${i}].destination`, 'cannot mount over the root of the container');
    if (type === 'cgroup' || type === 'cgroup2') {
      const ops = cgroupMountOps(this, dest, flags);
      this.ops.push(...ops.now);
      this.deferred.push(...ops.deferred);
      this.mounts.push({ dest, type, source: m.source ?? type, flags });
      return;
    }
    let source = m.source ?? type;
    if (type === 'sysfs' && this.ctx.userns && !this.ctx.newNetns) {
      // sysfs cannot be mounted from a user namespace that does not own the network namespace.
      source = '/sys';
      flags |= MS_BIND | MS_REC;
    }
    if (isBindMount(type, flags)) {
      source = isAbsolute(source) ? source : resolve(this.ctx.bundle, source);
      const kind = this.ctx.host.kind(source);
      if (!kind) throw new SpecError(`mounts[${i}].source`, `${source} does not exist`);
      this.createTarget(dest, kind === 'dir' ? 'dir' : 'file');
      this.bind(source, dest, flags, parsed.propagation);
      this.mounts.push({ dest, type: 'bind', source, flags });
      return;
    }
    this.createTarget(dest, 'dir');
    // Read-only filesystems that get more mounts or files below them are mounted writable and
    // made read-only at the end (runc does the same for /dev).
    const later = (this.spec.mounts ?? []).slice(i + 1).some((n) => isWithin(n.destination, m.destination) && n.destination !== m.destination);
    const deferRo = (flags & MS_RDONLY) !== 0 && (later || dest === '/dev');
    const mountFlags = deferRo ? flags & ~MS_RDONLY : flags;
    this.ops.push({ op: 'mount-in', root: this.ctx.rootfs, source, target: dest, fstype: type, flags: mountFlags, data: parsed.data });
    this.propagate(dest, parsed.propagation);
    if (deferRo) this.deferReadonly(dest, flags);
    this.mounts.push({ dest, type, source, flags });
  }

  /** Bind mount, then a remount for flags a bind ignores (ro, nosuid, ...), then propagation. */
  bind(source: string, dest: string, flags: number, propagation: readonly number[]): void {
    const root = this.ctx.rootfs;
    this.ops.push({ op: 'mount-in', root, source, target: dest, fstype: '', flags: MS_BIND | (flags & MS_REC), data: '' });
    const extra = flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
    if (extra !== 0) {
      const remount = (extra | MS_BIND | MS_REMOUNT | this.lockedFlags(source)) >>> 0;
      this.ops.push({ op: 'mount-in', root, source: '', target: dest, fstype: '', flags: remount, data: '' });
    }
    this.propagate(dest, propagation);
  }

  deferReadonly(dest: string, flags: number): void {
    const keep = flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
    this.deferred.push({ op: 'mount-in', root: this.ctx.rootfs, source: '', target: dest, fstype: '', flags: MS_BIND | MS_REMOUNT | MS_RDONLY | keep, data: '' });
  }

  private propagate(dest: string, propagation: readonly number[]): void {
    for (const flag of propagation) {
      if (flag & (MS_PRIVATE | MS_SLAVE | MS_SHARED | MS_UNBINDABLE)) {
        this.ops.push({ op: 'mount-in', root: this.ctx.rootfs, source: '', target: dest, fstype: '', flags: flag, data: '' });
      }
    }
  }

  /** In a user namespace, flags of the source's mount that a remount must repeat. */
  lockedFlags(source: string): number {
    if (!this.ctx.userns) return 0;
    const m = mountOf(source, this.hostMounts());
    return m ? mountFlags(m) & LOCKED : 0;
  }

  /** mkdir (or touch for file binds) the target unless the rootfs already has it. */
  createTarget(dest: string, kind: 'dir' | 'file'): void {
    const op = this.targetOp(dest, kind);
    if (op) this.ops.push(op);
  }

  targetOp(dest: string, kind: 'dir' | 'file'): ChildOp | undefined {
    const path = hostPath(this.ctx.rootfs, dest);
    const onMount = this.mounts.some((m) => isWithin(dest, m.dest));
    if (!onMount && this.ctx.host.kind(path) === kind) return undefined;
    return kind === 'dir' ? { op: 'mkdir', path, mode: 0o755, parents: true } : { op: 'touch', path, mode: 0o644 };
  }
}
