// Kernel numbers the config names symbolically: namespaces, rlimits, device file types.
import {
  CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWTIME, CLONE_NEWUSER,
  CLONE_NEWUTS,
} from '../ops.js';
import type { NamespaceType } from './types.js';

export const NAMESPACE_FLAGS: Readonly<Record<NamespaceType, number>> = {
  mount: CLONE_NEWNS, pid: CLONE_NEWPID, network: CLONE_NEWNET, uts: CLONE_NEWUTS, ipc: CLONE_NEWIPC,
  user: CLONE_NEWUSER, cgroup: CLONE_NEWCGROUP, time: CLONE_NEWTIME,
};

/** Entry names under /proc/<pid>/ns/. */
export const NAMESPACE_PROC_NAMES: Readonly<Record<NamespaceType, string>> = {
  mount: 'mnt', pid: 'pid', network: 'net', uts: 'uts', ipc: 'ipc', user: 'user', cgroup: 'cgroup', time: 'time',
};

/** Join order for setns: user first (it grants the rights to join the rest), mount last
 *  (joining it changes how later paths resolve). */
export const NAMESPACE_JOIN_ORDER: readonly NamespaceType[] = ['user', 'ipc', 'uts', 'network', 'pid', 'cgroup', 'time', 'mount'];

export const RLIMITS: Readonly<Record<string, number>> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10, RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

export const RLIM_INFINITY = 0xffff_ffff_ffff_ffffn;

/** A JSON number as an unsigned 64-bit limit: doubles at or above 2^64-1 (which JSON.parse
 *  rounds to 2^64) mean infinity. */
export function toU64(n: number): bigint {
  if (n >= 2 ** 64 - 1) return RLIM_INFINITY;
  return BigInt(Math.trunc(n));
}

export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

export function deviceTypeBits(type: string): number {
  if (type === 'b') return S_IFBLK;
  if (type === 'p') return S_IFIFO;
  return S_IFCHR; // 'c' and 'u' (unbuffered char)
}
