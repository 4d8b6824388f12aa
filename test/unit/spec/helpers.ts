// Shared fixtures for the spec tests: a temp rootfs on disk, a host view whose /proc and /sys
// and mount table are fixed (so results do not depend on the machine running the tests).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realHost, type FileKind, type HostView } from '../../../src/runtime/spec/host.js';

/** /proc and /sys as a typical kernel shows them (kcore and keys are files, acpi a directory). */
export const KERNEL_PATHS: Record<string, FileKind> = {
  '/proc/acpi': 'dir', '/proc/kcore': 'file', '/proc/keys': 'file', '/proc/timer_list': 'file',
  '/proc/sched_debug': 'file', '/proc/scsi': 'dir', '/proc/bus': 'dir', '/proc/fs': 'dir', '/proc/irq': 'dir',
  '/proc/sys': 'dir', '/proc/sysrq-trigger': 'file', '/sys/firmware': 'dir', '/sys/devices/virtual/powercap': 'dir',
};

export const MOUNTINFO_V1 = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  '23 22 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw',
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpu,cpuacct',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory',
  '40 31 0:37 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,xattr,name=systemd',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw',
  '50 22 0:40 / /srv/ro\\040data ro,nosuid,nodev,relatime shared:9 - ext4 /dev/sdb1 ro',
  '60 22 0:41 / /mnt/shared rw,relatime shared:12 - ext4 /dev/sdc1 rw',
].join('\n') + '\n';

export const MOUNTINFO_V2 = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  '30 22 0:27 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate',
].join('\n') + '\n';

export function fakeHost(mountinfo = MOUNTINFO_V1, kernel: Record<string, FileKind> = KERNEL_PATHS): HostView {
  return {
    kind: (path) => (path.startsWith('/proc/') || path.startsWith('/sys/') ? kernel[path] : realHost.kind(path)),
    readlink: (path) => realHost.readlink(path),
    mountinfo: () => mountinfo,
  };
}

export interface Bundle {
  dir: string;
  rootfs: string;
  cleanup(): void;
}

/** A bundle dir with rootfs/{bin,etc,proc,sys,dev,tmp} and a host dir + file to bind. */
export function makeBundle(): Bundle {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-spec-'));
  const rootfs = join(dir, 'rootfs');
  for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp']) mkdirSync(join(rootfs, d), { recursive: true });
  mkdirSync(join(dir, 'hostdata'));
  writeFileSync(join(dir, 'hosts'), '127.0.0.1 localhost\n');
  return { dir, rootfs, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
