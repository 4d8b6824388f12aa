// What compilation may look at on the host: file kinds (to pick mkdir or touch for a mount
// target, and a tmpfs or /dev/null for a masked path), symlinks inside the rootfs, and the
// mount table. Injected in tests; the real one is a few stat calls.
import { lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';

export type FileKind = 'dir' | 'file' | 'other';

export interface HostView {
  /** Kind of the file at path following symlinks, or undefined when absent. */
  kind(path: string): FileKind | undefined;
  /** Target of path when it is a symlink, else undefined. */
  readlink(path: string): string | undefined;
  /** Text of /proc/self/mountinfo. */
  mountinfo(): string;
}

export const realHost: HostView = {
  kind(path) {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return undefined;
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  },
  readlink(path) {
    const st = lstatSync(path, { throwIfNoEntry: false });
    return st?.isSymbolicLink() ? readlinkSync(path) : undefined;
  },
  mountinfo() {
    return readFileSync('/proc/self/mountinfo', 'utf8');
  },
};
