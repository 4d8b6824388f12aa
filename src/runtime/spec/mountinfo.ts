// /proc/self/mountinfo parsing: the host's mount flags (kept on bind remounts in a user
// namespace) and its cgroup hierarchies (recreated for the container's /sys/fs/cgroup).
import { MS_NOATIME, MS_NODEV, MS_NODIRATIME, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_RELATIME } from './mountopts.js';
import { isWithin } from './paths.js';

export interface MountInfo {
  mountPoint: string;
  root: string;
  /** Per-mount options ("rw,nosuid,nodev,relatime"). */
  options: string[];
  fstype: string;
  source: string;
  /** Superblock options ("rw,cpu,cpuacct"). */
  superOptions: string[];
}

function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (sep < 0 || fields.length < sep + 4) continue;
    out.push({
      root: unescape(fields[3]!),
      mountPoint: unescape(fields[4]!),
      options: fields[5]!.split(','),
      fstype: fields[sep + 1]!,
      source: unescape(fields[sep + 2]!),
      superOptions: fields[sep + 3]!.split(','),
    });
  }
  return out;
}

/** The mount a path lives on: the longest mount point containing it (the last mounted wins). */
export function mountOf(path: string, mounts: readonly MountInfo[]): MountInfo | undefined {
  let best: MountInfo | undefined;
  for (const m of mounts) {
    if (isWithin(path, m.mountPoint) && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

/** MS_* flags of a mount's per-mount options. */
export function mountFlags(m: MountInfo): number {
  const table: Record<string, number> = {
    ro: MS_RDONLY, nosuid: MS_NOSUID, nodev: MS_NODEV, noexec: MS_NOEXEC, noatime: MS_NOATIME,
    nodiratime: MS_NODIRATIME, relatime: MS_RELATIME,
  };
  return m.options.reduce((flags, o) => flags | (table[o] ?? 0), 0);
}
