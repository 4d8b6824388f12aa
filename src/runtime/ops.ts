// The operation list sent to the native executor (native/wharf-exec). TypeScript decides every
// value; the executor runs the list in order and reports (op index, errno) on failure.
// Encoding is in src/runtime/executor/encode.ts and described in native/PROTOCOL.md.

/** Operations run by the executor itself before the container process exists. */
export type PreOp =
  /** setns(open(path), nstype) in the executor, before clone (joins an existing namespace). */
  | { op: 'setns'; path: string; nstype: number }
  /**
   * mount(2) in the host's mount namespace before any setns (the container's rootfs). The
   * executor undoes these mounts when the init has exited, before reporting the exit.
   */
  | { op: 'mount'; source: string; target: string; fstype: string; flags: number; data: string }
  /** chdir(2) of the executor (relative overlay layer paths are resolved from its cwd). */
  | { op: 'chdir'; path: string }
  /** Clone the init directly into this cgroup2 directory (clone3 CLONE_INTO_CGROUP, kernel 5.7+). */
  | { op: 'clone-into-cgroup'; path: string };

/** Operations run in the container's init process, in order, after clone. */
export type ChildOp =
  /** Block until the parent (TypeScript) has written uid/gid maps and joined cgroups. */
  | { op: 'sync-parent' }
  | { op: 'unshare'; flags: number }
  | { op: 'setns'; path: string; nstype: number }
  | { op: 'mount'; source: string; target: string; fstype: string; flags: number; data: string }
  /** mount with target resolved inside `root` without following symlinks out of it. */
  | { op: 'mount-in'; root: string; source: string; target: string; fstype: string; flags: number; data: string }
  | { op: 'mkdir'; path: string; mode: number; parents: boolean }
  /** Create an empty file (bind-mount target), parents as needed. */
  | { op: 'touch'; path: string; mode: number }
  | { op: 'mknod'; path: string; mode: number; major: number; minor: number; uid: number; gid: number }
  | { op: 'symlink'; target: string; path: string }
  | { op: 'chmod'; path: string; mode: number }
  | { op: 'pivot-root'; root: string }
  | { op: 'chroot'; root: string }
  | { op: 'chdir'; path: string }
  | { op: 'sethostname'; name: string }
  | { op: 'setdomainname'; name: string }
  /** Write data to a file (sysctls under /proc/sys, /proc/self/oom_score_adj). */
  | { op: 'write-file'; path: string; data: string }
  | { op: 'setrlimit'; resource: number; soft: bigint; hard: bigint }
  | { op: 'umask'; mask: number }
  | { op: 'setsid' }
  /** Make fds 0-2 the slave of a new pty opened from /dev/ptmx (inside the container). */
  | { op: 'pty'; consoleSocket?: string }
  | { op: 'keep-caps' }
  | { op: 'setgroups'; gids: number[] }
  | { op: 'setresgid'; gid: number }
  | { op: 'setresuid'; uid: number }
  /** Capability sets as 64-bit masks; bounding drops every cap not in the mask. */
  | { op: 'caps'; bounding: bigint; effective: bigint; permitted: bigint; inheritable: bigint; ambient: bigint }
  | { op: 'no-new-privs' }
  /** Load a seccomp filter: raw struct sock_filter array (8 bytes per instruction). */
  | { op: 'seccomp'; filter: Uint8Array; flags: number }
  /** Resolve a program like execvp would, failing early (ENOENT/EACCES) if absent. */
  | { op: 'lookup'; file: string; path: string }
  /** Block until the container is started (start message on the control channel). */
  | { op: 'wait-start' }
  /** Block until the fifo at path is opened for reading (runc's exec.fifo, used by the CLI). */
  | { op: 'open-fifo'; path: string }
  | { op: 'close-fds'; from: number }
  /** Bring a network interface up (lo in a new network namespace, as Docker does). */
  | { op: 'link-up'; name: string }
  | { op: 'exec'; file: string; argv: string[]; env: string[]; searchPath: string };

export interface ExecutorPlan {
  /** Namespaces joined by the executor before cloning (order matters: user first). */
  pre: PreOp[];
  /** CLONE_NEW* flags for the container init. */
  cloneFlags: number;
  ops: ChildOp[];
}

export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWCGROUP = 0x02000000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;
export const CLONE_NEWTIME = 0x00000080;
