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

/** Field names are built only for an error message: a plan has hundreds of fields per start. */
const fieldName = (at: string, name?: string): string => (name === undefined ? at : `${at}.${name}`);

/** Appends into one growing buffer (no per-field allocations). */
class Writer {
  private buf = Buffer.allocUnsafe(4096);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  u32(value: number, at: string, name?: string): void {
    if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
      throw new RangeError(`${fieldName(at, name)}: expected an integer in 0..${U32_MAX}, got ${value}`);
    }
    this.room(4);
    this.len = this.buf.writeUInt32LE(value, this.len);
  }

  u64(value: bigint, at: string, name?: string): void {
    if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) {
      throw new RangeError(`${fieldName(at, name)}: expected a bigint in 0..2^64-1, got ${String(value)}`);
    }
    this.room(8);
    this.len = this.buf.writeBigUInt64LE(value, this.len);
  }

  str(value: string, at: string, name?: string): void {
    if (typeof value !== 'string') throw new TypeError(`${fieldName(at, name)}: expected a string`);
    if (value.includes('\0')) throw new RangeError(`${fieldName(at, name)}: must not contain NUL bytes`);
    const n = Buffer.byteLength(value, 'utf8');
    this.room(4 + n + 1);
    this.len = this.buf.writeUInt32LE(n, this.len);
    this.len += this.buf.write(value, this.len, 'utf8');
    this.buf[this.len++] = 0;
  }

  strList(values: string[], at: string, name: string): void {
    this.u32(values.length, at, name);
    for (let i = 0; i < values.length; i++) this.str(values[i]!, `${at}.${name}[${i}]`);
  }

  bytes(value: Uint8Array): void {
    this.room(value.byteLength);
    this.buf.set(value, this.len);
    this.len += value.byteLength;
  }

  done(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

function encodeOp(w: Writer, op: ChildOp | PreOp, at: string): void {
  const code = OPCODES[op.op];
  if (code === undefined) throw new RangeError(`${at}.op: unknown operation ${JSON.stringify(op.op)}`);
  w.u32(code, at, 'op');
  switch (op.op) {
    case 'setns': w.str(op.path, at, 'path'); w.u32(op.nstype, at, 'nstype'); break;
    case 'unshare': w.u32(op.flags, at, 'flags'); break;
    case 'mount':
      w.str(op.source, at, 'source'); w.str(op.target, at, 'target'); w.str(op.fstype, at, 'fstype');
      w.u32(op.flags, at, 'flags'); w.str(op.data, at, 'data');
      break;
    case 'mount-in':
      w.str(op.root, at, 'root'); w.str(op.source, at, 'source'); w.str(op.target, at, 'target');
      w.str(op.fstype, at, 'fstype'); w.u32(op.flags, at, 'flags'); w.str(op.data, at, 'data');
      break;
    case 'mkdir': w.str(op.path, at, 'path'); w.u32(op.mode, at, 'mode'); w.u32(op.parents ? 1 : 0, at, 'parents'); break;
    case 'touch': w.str(op.path, at, 'path'); w.u32(op.mode, at, 'mode'); break;
    case 'mknod':
      w.str(op.path, at, 'path'); w.u32(op.mode, at, 'mode'); w.u32(op.major, at, 'major');
      w.u32(op.minor, at, 'minor'); w.u32(op.uid, at, 'uid'); w.u32(op.gid, at, 'gid');
      break;
    case 'symlink': w.str(op.target, at, 'target'); w.str(op.path, at, 'path'); break;
    case 'chmod': w.str(op.path, at, 'path'); w.u32(op.mode, at, 'mode'); break;
    case 'pivot-root': case 'chroot': w.str(op.root, at, 'root'); break;
    case 'chdir': w.str(op.path, at, 'path'); break;
    case 'sethostname': case 'setdomainname': w.str(op.name, at, 'name'); break;
    case 'write-file': w.str(op.path, at, 'path'); w.str(op.data, at, 'data'); break;
    case 'setrlimit': w.u32(op.resource, at, 'resource'); w.u64(op.soft, at, 'soft'); w.u64(op.hard, at, 'hard'); break;
    case 'umask': w.u32(op.mask, at, 'mask'); break;
    case 'pty': w.str(op.consoleSocket ?? '', at, 'consoleSocket'); break;
    case 'setgroups':
      w.u32(op.gids.length, at, 'gids');
      op.gids.forEach((g, i) => w.u32(g, `${at}.gids[${i}]`));
      break;
    case 'setresgid': w.u32(op.gid, at, 'gid'); break;
    case 'setresuid': w.u32(op.uid, at, 'uid'); break;
    case 'caps':
      for (const k of ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const) w.u64(op[k], at, k);
      break;
    case 'seccomp':
      if (op.filter.byteLength % 8 !== 0 || op.filter.byteLength === 0 || op.filter.byteLength / 8 > 0xffff) {
        throw new RangeError(`${at}.filter: expected 1..65535 sock_filter instructions (8 bytes each), got ${op.filter.byteLength} bytes`);
      }
      w.u32(op.flags, at, 'flags'); w.u32(op.filter.byteLength, at, 'filter'); w.bytes(op.filter);
      break;
    case 'lookup': w.str(op.file, at, 'file'); w.str(op.path, at, 'path'); break;
    case 'open-fifo': w.str(op.path, at, 'path'); break;
    case 'close-fds': w.u32(op.from, at, 'from'); break;
    case 'link-up': w.str(op.name, at, 'name'); break;
    case 'clone-into-cgroup': w.str(op.path, at, 'path'); break;
    case 'exec':
      w.str(op.file, at, 'file'); w.strList(op.argv, at, 'argv'); w.strList(op.env, at, 'env');
      w.str(op.searchPath, at, 'searchPath');
      break;
    case 'sync-parent': case 'setsid': case 'keep-caps': case 'no-new-privs': case 'wait-start':
      break;
  }
}

function record(kind: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out.writeUInt32LE(body.length + 1, 0);
  out.writeUInt8(kind, 4);
  body.copy(out, 5);
  return out;
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
