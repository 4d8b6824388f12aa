// Docker's mount specifications, parsed and checked without touching the disk:
// HostConfig.Binds ("name:/path[:mode]", "/host:/path[:mode]", "/path"), HostConfig.Mounts
// (type volume | bind | tmpfs), HostConfig.Tmpfs ({"/path": "size=..,mode=.."}) and
// VolumesFrom ("container[:ro|rw]"). The engine turns the requests into MountPoints.
import * as path from 'node:path';
import { InvalidVolumeError } from './errors.js';
import { validateVolumeName } from './names.js';
import type { MountType } from './types.js';

/** A mount as asked for, before volumes are looked up or created. */
export interface MountRequest {
  Type: MountType;
  /** Volume name ('' for a new anonymous volume) or absolute bind source; '' for tmpfs. */
  Source: string;
  Destination: string;
  RW: boolean;
  Mode: string;
  Propagation: string;
  CopyData: boolean;
  /** From HostConfig.Mounts: a missing bind source is an error (Binds create it). */
  MustExist?: boolean;
  TmpfsData?: string;
  /** From HostConfig.Tmpfs rather than HostConfig.Mounts. */
  HostTmpfs?: boolean;
  /** --mount volume-opt / volume-label / volume-driver, used when the volume is created. */
  VolumeDriver?: string;
  VolumeDriverOptions?: Record<string, string>;
  VolumeLabels?: Record<string, string>;
}

/** HostConfig.Mounts items (Docker's mount.Mount). */
export interface ApiMount {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; CreateMountpoint?: boolean } | null;
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string> | null; DriverConfig?: { Name?: string; Options?: Record<string, string> | null } | null } | null;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number } | null;
}

export const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];
const RW_MODES = ['ro', 'rw'];
const LABEL_MODES = ['z', 'Z'];
const COPY_MODES = ['nocopy'];

/** Options --tmpfs accepts: mount flags plus tmpfs's own data options. */
const TMPFS_FLAGS = ['ro', 'rw', 'exec', 'noexec', 'suid', 'nosuid', 'dev', 'nodev', 'sync', 'async', 'dirsync', 'atime', 'noatime', 'diratime', 'nodiratime', 'relatime', 'norelatime', 'strictatime', 'nostrictatime', 'mand', 'nomand', 'remount', 'bind', 'rbind', 'unbindable', 'runbindable', ...PROPAGATIONS];
const TMPFS_DATA = ['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol', 'huge'];

/** Normalized absolute path without a trailing slash ("/a/b/" and "/a//b" are "/a/b"). */
function clean(p: string): string {
  const n = path.posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

function checkDestination(dest: string, prefix: string): void {
  if (!path.isAbsolute(dest)) throw new InvalidVolumeError(`${prefix}invalid mount path: '${dest}' mount path must be absolute`);
  if (clean(dest) === '/') throw new InvalidVolumeError(`${prefix}invalid specification: destination can't be '/'`);
}

/** Splits and checks a -v mode ("ro,Z,rshared,nocopy"): at most one of each kind. */
export function parseMode(mode: string): { rw: boolean; propagation: string; copy: boolean } {
  const parts = mode === '' ? [] : mode.split(',');
  const count = (set: string[]) => parts.filter((p) => set.includes(p)).length;
  const known = [...RW_MODES, ...LABEL_MODES, ...PROPAGATIONS, ...COPY_MODES];
  if (parts.some((p) => !known.includes(p)) || count(RW_MODES) > 1 || count(LABEL_MODES) > 1 || count(PROPAGATIONS) > 1 || count(COPY_MODES) > 1) {
    throw new InvalidVolumeError(`invalid mode: ${mode}`);
  }
  return { rw: !parts.includes('ro'), propagation: parts.find((p) => PROPAGATIONS.includes(p)) ?? '', copy: !parts.includes('nocopy') };
}

/** One HostConfig.Binds entry. */
export function parseBind(raw: string): MountRequest {
  const arr = raw.split(':');
  if (arr.length < 1 || arr.length > 3 || arr.some((p, i) => p === '' && i < 2)) throw new InvalidVolumeError(`invalid volume specification: '${raw}'`);
  const prefix = `invalid volume specification: '${raw}': `;
  if (arr.length === 1) {
    checkDestination(arr[0]!, prefix);
    return { Type: 'volume', Source: '', Destination: clean(arr[0]!), RW: true, Mode: '', Propagation: '', CopyData: true };
  }
  const [src, dest, mode = ''] = arr as [string, string, string?];
  checkDestination(dest, prefix);
  const m = parseMode(mode);
  const destination = clean(dest);
  if (path.isAbsolute(src)) {
    return { Type: 'bind', Source: clean(src), Destination: destination, RW: m.rw, Mode: mode, Propagation: m.propagation || 'rprivate', CopyData: false };
  }
  validateVolumeName(src);
  return { Type: 'volume', Source: src, Destination: destination, RW: m.rw, Mode: mode || 'z', Propagation: '', CopyData: m.copy };
}

/** One HostConfig.Mounts entry, with Docker's validation messages. */
export function parseApiMount(m: ApiMount): MountRequest {
  const type = m.Type ?? '';
  const prefix = `invalid mount config for type "${type}": `;
  if (!['bind', 'volume', 'tmpfs'].includes(type)) throw new InvalidVolumeError(`${prefix}mount type unknown`);
  if (!m.Target) throw new InvalidVolumeError(`${prefix}field Target must not be empty`);
  checkDestination(m.Target, prefix);
  const dest = clean(m.Target);
  const rw = m.ReadOnly !== true;
  const forbid = (field: 'BindOptions' | 'VolumeOptions' | 'TmpfsOptions') => {
    if (m[field]) throw new InvalidVolumeError(`${prefix}field ${field} must not be specified`);
  };
  if (type === 'bind') {
    forbid('VolumeOptions'); forbid('TmpfsOptions');
    if (!m.Source) throw new InvalidVolumeError(`${prefix}field Source must not be empty`);
    if (!path.isAbsolute(m.Source)) throw new InvalidVolumeError(`${prefix}invalid mount path: '${m.Source}' mount path must be absolute`);
    const prop = m.BindOptions?.Propagation || 'rprivate';
    if (!PROPAGATIONS.includes(prop)) throw new InvalidVolumeError(`${prefix}invalid propagation mode: ${prop}`);
    return { Type: 'bind', Source: clean(m.Source), Destination: dest, RW: rw, Mode: '', Propagation: prop, CopyData: false, MustExist: true };
  }
  if (type === 'volume') {
    forbid('BindOptions'); forbid('TmpfsOptions');
    if (m.Source) validateVolumeName(m.Source);
    const vo = m.VolumeOptions;
    return {
      Type: 'volume', Source: m.Source ?? '', Destination: dest, RW: rw, Mode: 'z', Propagation: '', CopyData: vo?.NoCopy !== true,
      ...(vo?.DriverConfig?.Name ? { VolumeDriver: vo.DriverConfig.Name } : {}),
      ...(vo?.DriverConfig?.Options ? { VolumeDriverOptions: vo.DriverConfig.Options } : {}),
      ...(vo?.Labels ? { VolumeLabels: vo.Labels } : {}),
    };
  }
  forbid('BindOptions'); forbid('VolumeOptions');
  if (m.Source) throw new InvalidVolumeError(`${prefix}field Source must not be specified`);
  const t = m.TmpfsOptions ?? {};
  const data: string[] = [];
  if (t.SizeBytes != null) {
    if (!Number.isInteger(t.SizeBytes) || t.SizeBytes < 0) throw new InvalidVolumeError(`${prefix}invalid tmpfs size: ${t.SizeBytes}`);
    if (t.SizeBytes > 0) data.push(`size=${t.SizeBytes}`);
  }
  if (t.Mode) data.push(`mode=${(t.Mode & 0o7777).toString(8)}`);
  if (!rw) data.push('ro');
  return { Type: 'tmpfs', Source: '', Destination: dest, RW: rw, Mode: '', Propagation: '', CopyData: false, TmpfsData: data.join(',') };
}

/** HostConfig.Tmpfs: destination -> options ("rw,noexec,size=64m"). */
export function parseTmpfs(tmpfs: Record<string, string>): MountRequest[] {
  return Object.entries(tmpfs).map(([dest, opts]) => {
    checkDestination(dest, `invalid tmpfs mount "${dest}": `);
    const parts = (opts ?? '').split(',').filter(Boolean);
    for (const p of parts) {
      const key = p.split('=')[0]!;
      const ok = p.includes('=') ? TMPFS_DATA.includes(key) : TMPFS_FLAGS.includes(p);
      if (!ok) throw new InvalidVolumeError(`invalid tmpfs mount "${dest}": unknown option "${p}"`);
    }
    return { Type: 'tmpfs', Source: '', Destination: clean(dest), RW: !parts.includes('ro'), Mode: '', Propagation: '', CopyData: false, TmpfsData: parts.join(','), HostTmpfs: true } satisfies MountRequest;
  });
}

/** One VolumesFrom entry: the container reference and whether its mounts become read-only. */
export function parseVolumesFrom(raw: string): { container: string; readOnly: boolean | undefined } {
  const i = raw.lastIndexOf(':');
  if (i < 0) return { container: raw, readOnly: undefined };
  const container = raw.slice(0, i);
  const mode = raw.slice(i + 1);
  if (!container || !['ro', 'rw'].includes(mode)) throw new InvalidVolumeError(`invalid mode: ${mode}`);
  return { container, readOnly: mode === 'ro' };
}
