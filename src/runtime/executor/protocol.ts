// Wire constants shared with native/wharf.h (layout described in native/PROTOCOL.md).
import type { ChildOp, PreOp } from '../ops.js';

/** Control records TypeScript -> executor: u32le length, u8 kind, body. */
export const MSG_PLAN = 1;
export const MSG_CONTINUE = 2;
export const MSG_START = 3;
export const MSG_RESIZE = 4;
export const MSG_KILL = 5;

/** Plan header flag: the monitor relays the pty master to its own stdin/stdout. */
export const PLAN_TERMINAL_RELAY = 1;
export const PLAN_HOLD_STDIN = 2;

/** Opcode of every operation; the numbering must match native/wharf.h. */
export const OPCODES: Record<ChildOp['op'] | PreOp['op'], number> = {
  'setns': 1,
  'sync-parent': 2,
  'unshare': 3,
  'mount': 4,
  'mount-in': 5,
  'mkdir': 6,
  'touch': 7,
  'mknod': 8,
  'symlink': 9,
  'chmod': 10,
  'pivot-root': 11,
  'chroot': 12,
  'chdir': 13,
  'sethostname': 14,
  'setdomainname': 15,
  'write-file': 16,
  'setrlimit': 17,
  'umask': 18,
  'setsid': 19,
  'pty': 20,
  'keep-caps': 21,
  'setgroups': 22,
  'setresgid': 23,
  'setresuid': 24,
  'caps': 25,
  'no-new-privs': 26,
  'seccomp': 27,
  'lookup': 28,
  'wait-start': 29,
  'open-fifo': 30,
  'close-fds': 31,
  'exec': 32,
  'link-up': 33,
  'clone-into-cgroup': 34,
};

/** A line the executor writes on the control channel, parsed. */
export type ExecutorMessage =
  | { kind: 'pid'; pid: number }
  | { kind: 'ready' }
  | { kind: 'started' }
  | { kind: 'error'; phase: 'pre' | 'child' | 'setup'; index: number; errno: number; detail: string }
  | { kind: 'exit'; code: number | null; signal: number | null };

/** Parses one line (without the newline); returns null for anything unrecognised. */
export function parseMessage(line: string): ExecutorMessage | null {
  const parts = line.split(' ');
  switch (parts[0]) {
    case 'pid': return { kind: 'pid', pid: Number(parts[1]) };
    case 'ready': return { kind: 'ready' };
    case 'started': return { kind: 'started' };
    case 'error': {
      const phase = parts[1];
      if (phase !== 'pre' && phase !== 'child' && phase !== 'setup') return null;
      return { kind: 'error', phase, index: Number(parts[2]), errno: Number(parts[3]), detail: parts.slice(4).join(' ') };
    }
    case 'exit': {
      const code = Number(parts[1]);
      const signal = Number(parts[2]);
      return { kind: 'exit', code: code < 0 ? null : code, signal: signal > 0 ? signal : null };
    }
  }
  return null;
}
