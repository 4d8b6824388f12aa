// Builds a minimal root filesystem from the host's static busybox (Debian busybox-static), offline.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BUSYBOX = '/bin/busybox';

export function busyboxApplets(): string[] {
  return execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

/** Writes a busybox rootfs into dir (created if missing) and returns dir. */
export function makeBusyboxRootfs(dir: string): string {
  for (const d of ['bin', 'dev', 'proc', 'sys', 'etc', 'tmp', 'root', 'home', 'var', 'usr/bin', 'usr/sbin', 'sbin']) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  chmodSync(join(dir, 'tmp'), 0o1777);
  copyFileSync(BUSYBOX, join(dir, 'bin/busybox'));
  chmodSync(join(dir, 'bin/busybox'), 0o755);
  for (const applet of busyboxApplets()) {
    if (applet === 'busybox') continue;
    try { symlinkSync('busybox', join(dir, 'bin', applet)); } catch { /* duplicate applet name */ }
  }
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');
  return dir;
}

/** A fresh busybox rootfs in a new temp dir; call cleanup() when done. */
export function tempBusyboxRootfs(prefix = 'wharf-rootfs-'): { dir: string; cleanup: () => void } {
  const base = mkdtempSync(join(tmpdir(), prefix));
  const dir = makeBusyboxRootfs(join(base, 'rootfs'));
  return { dir, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}
