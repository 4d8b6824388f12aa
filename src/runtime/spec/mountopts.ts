// Mount option strings ("ro", "nosuid", "mode=755", "rslave") to mount(2) flags and data,
// following runc's table: flag options set or clear MS_* bits, propagation options become
// separate mount calls, anything else is filesystem data.

export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_SYNCHRONOUS = 0x10;
export const MS_REMOUNT = 0x20;
export const MS_MANDLOCK = 0x40;
export const MS_DIRSYNC = 0x80;
export const MS_NOSYMFOLLOW = 0x100;
export const MS_NOATIME = 0x400;
export const MS_NODIRATIME = 0x800;
export const MS_BIND = 0x1000;
export const MS_MOVE = 0x2000;
export const MS_REC = 0x4000;
export const MS_SILENT = 0x8000;
export const MS_UNBINDABLE = 0x20000;
export const MS_PRIVATE = 0x40000;
export const MS_SLAVE = 0x80000;
export const MS_SHARED = 0x100000;
export const MS_RELATIME = 0x200000;
export const MS_I_VERSION = 0x800000;
export const MS_STRICTATIME = 0x1000000;
export const MS_LAZYTIME = 0x2000000;

/** Flags a bind mount carries over from its source; in a user namespace a remount must keep
 *  them (the kernel locks them) or it fails with EPERM. */
export const LOCKABLE_FLAGS = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME;

/** [clear?, flag] per option name. */
export const MOUNT_FLAG_OPTIONS: Readonly<Record<string, readonly [boolean, number]>> = {
  async: [true, MS_SYNCHRONOUS],
  atime: [true, MS_NOATIME],
  bind: [false, MS_BIND],
  defaults: [false, 0],
  dev: [true, MS_NODEV],
  diratime: [true, MS_NODIRATIME],
  dirsync: [false, MS_DIRSYNC],
  exec: [true, MS_NOEXEC],
  iversion: [false, MS_I_VERSION],
  lazytime: [false, MS_LAZYTIME],
  loud: [true, MS_SILENT],
  mand: [false, MS_MANDLOCK],
  noatime: [false, MS_NOATIME],
  nodev: [false, MS_NODEV],
  nodiratime: [false, MS_NODIRATIME],
  noexec: [false, MS_NOEXEC],
  noiversion: [true, MS_I_VERSION],
  nolazytime: [true, MS_LAZYTIME],
  nomand: [true, MS_MANDLOCK],
  norelatime: [true, MS_RELATIME],
  nostrictatime: [true, MS_STRICTATIME],
  nosuid: [false, MS_NOSUID],
  nosymfollow: [false, MS_NOSYMFOLLOW],
  rbind: [false, MS_BIND | MS_REC],
  relatime: [false, MS_RELATIME],
  remount: [false, MS_REMOUNT],
  ro: [false, MS_RDONLY],
  rw: [true, MS_RDONLY],
  silent: [false, MS_SILENT],
  strictatime: [false, MS_STRICTATIME],
  suid: [true, MS_NOSUID],
  sync: [false, MS_SYNCHRONOUS],
  symfollow: [true, MS_NOSYMFOLLOW],
};

export const PROPAGATION_OPTIONS: Readonly<Record<string, number>> = {
  private: MS_PRIVATE,
  rprivate: MS_PRIVATE | MS_REC,
  slave: MS_SLAVE,
  rslave: MS_SLAVE | MS_REC,
  shared: MS_SHARED,
  rshared: MS_SHARED | MS_REC,
  unbindable: MS_UNBINDABLE,
  runbindable: MS_UNBINDABLE | MS_REC,
};

/** Options runc knows that wharf cannot honour with mount(2) alone (mount_setattr, idmapped
 *  mounts, copy-up): rejected rather than silently weakened. */
export const UNSUPPORTED_OPTIONS: ReadonlySet<string> = new Set([
  'rro', 'rrw', 'rnosuid', 'rsuid', 'rnodev', 'rdev', 'rnoexec', 'rexec', 'rnodiratime', 'rdiratime',
  'rrelatime', 'rnorelatime', 'rnoatime', 'ratime', 'rstrictatime', 'rnostrictatime', 'rnosymfollow',
  'rsymfollow', 'idmap', 'ridmap', 'tmpcopyup',
]);

export interface ParsedMountOptions {
  /** MS_* flags for the mount call itself (no propagation bits). */
  flags: number;
  /** Propagation changes, each its own mount("", target, "", flag) call, in order. */
  propagation: number[];
  /** Comma-joined filesystem options ("mode=755,size=65536k"). */
  data: string;
  /** Options that cannot be applied (see UNSUPPORTED_OPTIONS). */
  unsupported: string[];
}

export function parseMountOptions(options: readonly string[] | undefined): ParsedMountOptions {
  let flags = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  const unsupported: string[] = [];
  for (const option of options ?? []) {
    const flag = MOUNT_FLAG_OPTIONS[option];
    if (flag) {
      const [clear, bits] = flag;
      flags = clear ? flags & ~bits : flags | bits;
    } else if (option in PROPAGATION_OPTIONS) {
      propagation.push(PROPAGATION_OPTIONS[option]!);
    } else if (UNSUPPORTED_OPTIONS.has(option)) {
      unsupported.push(option);
    } else if (option !== '') {
      data.push(option);
    }
  }
  return { flags, propagation, data: data.join(','), unsupported };
}

/** Whether the options make a bind mount (type "bind" alone also does, per the OCI spec). */
export function isBindMount(type: string | undefined, flags: number): boolean {
  return (flags & MS_BIND) !== 0 || type === 'bind' || type === 'rbind';
}

/** Names of the flags set in a mask, for messages and tests ("MS_RDONLY|MS_NOSUID"). */
export function flagNames(flags: number): string {
  const names: [number, string][] = [
    [MS_RDONLY, 'MS_RDONLY'], [MS_NOSUID, 'MS_NOSUID'], [MS_NODEV, 'MS_NODEV'], [MS_NOEXEC, 'MS_NOEXEC'],
    [MS_SYNCHRONOUS, 'MS_SYNCHRONOUS'], [MS_REMOUNT, 'MS_REMOUNT'], [MS_MANDLOCK, 'MS_MANDLOCK'],
    [MS_DIRSYNC, 'MS_DIRSYNC'], [MS_NOSYMFOLLOW, 'MS_NOSYMFOLLOW'], [MS_NOATIME, 'MS_NOATIME'],
    [MS_NODIRATIME, 'MS_NODIRATIME'], [MS_BIND, 'MS_BIND'], [MS_MOVE, 'MS_MOVE'], [MS_REC, 'MS_REC'],
    [MS_SILENT, 'MS_SILENT'], [MS_UNBINDABLE, 'MS_UNBINDABLE'], [MS_PRIVATE, 'MS_PRIVATE'],
    [MS_SLAVE, 'MS_SLAVE'], [MS_SHARED, 'MS_SHARED'], [MS_RELATIME, 'MS_RELATIME'],
    [MS_I_VERSION, 'MS_I_VERSION'], [MS_STRICTATIME, 'MS_STRICTATIME'], [MS_LAZYTIME, 'MS_LAZYTIME'],
  ];
  return names.filter(([bit]) => flags & bit).map(([, name]) => name).join('|') || '0';
}
