// Binary encoding of an ExecutorPlan for native/wharf-exec (see native/PROTOCOL.md).
// Every record is u32le length + u8 kind + body; strings are u32le length + bytes + NUL.
import type { ChildOp, ExecutorPlan, PreOp } from '../ops.js';
import { MSG_CONTINUE, MSG_KILL, MSG_PLAN, MSG_RESIZE, MSG_START, OPCODES, PLAN_HOLD_STDIN, PLAN_TERMINAL_RELAY } from './protocol.js';

export interface PlanHeader {
  /** Where the monitor writes the exit status (tmp + fsync + rename) when the container exits. */
  statusFile?: string;
  /** Relay a pty master (from a `pty` op without consoleSocket) to the monitor's stdin/stdout. */
  terminalRelay?: boolean;
  /** With terminalRelay: stdin never ends in the monitor (see PLAN_HOLD_STDIN in native/wharf.h). */
  holdStdin?: boolean;
}

const U32_MAX = 0xffffffff;
const U64_MAX = (1n << 64n) - 1n;

class Writer {
  private chunks: Buffer[] = [];

  u32(value: number, field: string): void {
    if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
      throw new RangeError(`${field}: expected an integer in 0..${U32_MAX}, got ${value}`);
    }
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    this.chunks.push(b);
  }

  u64(value: bigint, field: string): void {
    if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) {
      throw new RangeError(`${field}: expected a bigint in 0..2^64-1, got ${String(value)}`);
    }
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(value);
    this.chunks.push(b);
  }

  str(value: string, field: string): void {
    if (typeof value !== 'string') throw new TypeError(`${field}: expected a string`);
    if (value.includes('\0')) throw new RangeError(`${field}: must not contain NUL bytes`);
    const bytes = Buffer.from(value, 'utf8');
    this.u32(bytes.length, field);
    this.chunks.push(bytes, Buffer.alloc(1));
  }

  strList(values: string[], field: string): void {
    this.u32(values.length, field);
    values.forEach((v, i) => this.str(v, `${field}[${i}]`));
  }

  bytes(value: Uint8Array): void {
    this.chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }

  done(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function encodeOp(w: Writer, op: ChildOp | PreOp, at: string): void {
  const f = (name: string) => `${at}.${name}`;
  const code = OPCODES[op.op];
  if (code === undefined) throw new RangeError(`${at}.op: unknown operation ${JSON.stringify(op.op)}`);
  w.u32(code, f('op'));
  switch (op.op) {
    case 'setns': w.str(op.path, f('path')); w.u32(op.nstype, f('nstype')); break;
    case 'unshare': w.u32(op.flags, f('flags')); break;
    case 'mount':
      w.str(op.source, f('source')); w.str(op.target, f('target')); w.str(op.fstype, f('fstype'));
      w.u32(op.flags, f('flags')); w.str(op.data, f('data'));
      break;
    case 'mount-in':
      w.str(op.root, f('root')); w.str(op.source, f('source')); w.str(op.target, f('target'));
      w.str(op.fstype, f('fstype')); w.u32(op.flags, f('flags')); w.str(op.data, f('data'));
      break;
    case 'mkdir': w.str(op.path, f('path')); w.u32(op.mode, f('mode')); w.u32(op.parents ? 1 : 0, f('parents')); break;
    case 'touch': w.str(op.path, f('path')); w.u32(op.mode, f('mode')); break;
    case 'mknod':
      w.str(op.path, f('path')); w.u32(op.mode, f('mode')); w.u32(op.major, f('major'));
      w.u32(op.minor, f('minor')); w.u32(op.uid, f('uid')); w.u32(op.gid, f('gid'));
      break;
    case 'symlink': w.str(op.target, f('target')); w.str(op.path, f('path')); break;
    case 'chmod': w.str(op.path, f('path')); w.u32(op.mode, f('mode')); break;
    case 'pivot-root': case 'chroot': w.str(op.root, f('root')); break;
    case 'chdir': w.str(op.path, f('path')); break;
    case 'sethostname': case 'setdomainname': w.str(op.name, f('name')); break;
    case 'write-file': w.str(op.path, f('path')); w.str(op.data, f('data')); break;
    case 'setrlimit': w.u32(op.resource, f('resource')); w.u64(op.soft, f('soft')); w.u64(op.hard, f('hard')); break;
    case 'umask': w.u32(op.mask, f('mask')); break;
    case 'pty': w.str(op.consoleSocket ?? '', f('consoleSocket')); break;
    case 'setgroups':
      w.u32(op.gids.length, f('gids'));
      op.gids.forEach((g, i) => w.u32(g, `${f('gids')}[${i}]`));
      break;
    case 'setresgid': w.u32(op.gid, f('gid')); break;
    case 'setresuid': w.u32(op.uid, f('uid')); break;
    case 'caps':
      for (const k of ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const) w.u64(op[k], f(k));
      break;
    case 'seccomp':
      if (op.filter.byteLength % 8 !== 0 || op.filter.byteLength === 0 || op.filter.byteLength / 8 > 0xffff) {
        throw new RangeError(`${f('filter')}: expected 1..65535 sock_filter instructions (8 bytes each), got ${op.filter.byteLength} bytes`);
      }
      w.u32(op.flags, f('flags')); w.u32(op.filter.byteLength, f('filter')); w.bytes(op.filter);
      break;
    case 'lookup': w.str(op.file, f('file')); w.str(op.path, f('path')); break;
    case 'open-fifo': w.str(op.path, f('path')); break;
    case 'close-fds': w.u32(op.from, f('from')); break;
    case 'link-up': w.str(op.name, f('name')); break;
    case 'clone-into-cgroup': w.str(op.path, f('path')); break;
    case 'exec':
      w.str(op.file, f('file')); w.strList(op.argv, f('argv')); w.strList(op.env, f('env'));
      w.str(op.searchPath, f('searchPath'));
      break;
    case 'sync-parent': case 'setsid': case 'keep-caps': case 'no-new-privs': case 'wait-start':
      break;
  }
}

function record(kind: number, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32LE(body.length + 1);
  head.writeUInt8(kind, 4);
  return Buffer.concat([head, body]);
}

/** Encodes the plan record (the first message on the control channel). Throws naming the bad field. */
export function encodePlan(plan: ExecutorPlan, header: PlanHeader = {}): Buffer {
  const w = new Writer();
  w.u32((header.terminalRelay ? PLAN_TERMINAL_RELAY : 0) | (header.holdStdin ? PLAN_HOLD_STDIN : 0), 'header.flags');
  w.str(header.statusFile ?? '', 'header.statusFile');
  w.u32(plan.cloneFlags, 'plan.cloneFlags');
  w.u32(plan.pre.length, 'plan.pre');
  plan.pre.forEach((op, i) => {
    if (op.op !== 'setns' && op.op !== 'mount' && op.op !== 'chdir' && op.op !== 'clone-into-cgroup') {
      throw new RangeError(`plan.pre[${i}].op: only setns, mount, chdir and clone-into-cgroup may run before clone`);
    }
    encodeOp(w, op, `plan.pre[${i}]`);
  });
  w.u32(plan.ops.length, 'plan.ops');
  plan.ops.forEach((op, i) => encodeOp(w, op, `plan.ops[${i}]`));
  return record(MSG_PLAN, w.done());
}

export const encodeContinue = (): Buffer => record(MSG_CONTINUE, Buffer.alloc(0));
export const encodeStart = (): Buffer => record(MSG_START, Buffer.alloc(0));

export function encodeResize(rows: number, cols: number): Buffer {
  for (const [name, v] of [['rows', rows], ['cols', cols]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`${name}: expected an integer in 0..65535, got ${v}`);
  }
  const w = new Writer();
  w.u32(rows, 'rows');
  w.u32(cols, 'cols');
  return record(MSG_RESIZE, w.done());
}

export function encodeKill(signal: number): Buffer {
  const w = new Writer();
  w.u32(signal, 'signal');
  return record(MSG_KILL, w.done());
}
