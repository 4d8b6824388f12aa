// A classic-BPF interpreter with the kernel's seccomp rules (seccomp_check_filter), so compiled
// programs are tested by running them on struct seccomp_data exactly as the kernel would.
import { archFromName, ARCHES } from './arch.js';
import {
  BPF_A, BPF_ABS, BPF_ALU, BPF_DIV, BPF_IMM, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET,
  BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_MAXINSNS, BPF_MEM, BPF_MISC, BPF_MOD, BPF_NEG, BPF_RET, BPF_ST,
  BPF_STX, BPF_TAX, BPF_TXA, BPF_W, BPF_X, decodeFilter, type SockFilter,
} from './bpf.js';
import {
  MAX_ERRNO, SECCOMP_DATA_SIZE, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_DATA,
  SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG, SECCOMP_RET_TRACE, SECCOMP_RET_TRAP,
  SECCOMP_RET_USER_NOTIF,
} from './constants.js';

export interface SeccompData {
  /** AUDIT_ARCH_* value, or an architecture name (x86_64, x86, x32, aarch64, arm, x64, arm64...). */
  arch: number | string;
  /** Raw syscall number as the kernel reports it (x32 numbers carry X32_SYSCALL_BIT). */
  nr: number;
  args?: readonly (number | bigint)[];
  instructionPointer?: number | bigint;
}

export type SeccompVerdict =
  | 'SCMP_ACT_KILL_PROCESS' | 'SCMP_ACT_KILL_THREAD' | 'SCMP_ACT_TRAP' | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_NOTIFY' | 'SCMP_ACT_TRACE' | 'SCMP_ACT_LOG' | 'SCMP_ACT_ALLOW';

export interface SeccompResult {
  action: SeccompVerdict;
  /** For SCMP_ACT_ERRNO: the errno the syscall fails with. */
  errno?: number;
  /** SECCOMP_RET_DATA: the low 16 bits of the return value. */
  data: number;
  /** The full 32-bit value the filter returned. */
  ret: number;
  /** Instructions executed. */
  steps: number;
}

/** Rejects programs the kernel would refuse (EINVAL from seccomp(2)), like seccomp_check_filter. */
export function checkFilter(insns: readonly SockFilter[]): void {
  if (insns.length === 0 || insns.length > BPF_MAXINSNS) throw new Error(`bpf: program length ${insns.length} not in 1..${BPF_MAXINSNS}`);
  insns.forEach((ins, pc) => {
    const cls = ins.code & 0x07;
    const fail = (why: string) => { throw new Error(`bpf: instruction ${pc} (code 0x${ins.code.toString(16)}): ${why}`); };
    switch (ins.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        if (ins.k >= SECCOMP_DATA_SIZE || ins.k % 4 !== 0) fail(`load offset ${ins.k} outside seccomp_data`);
        return;
      case BPF_LD | BPF_W | BPF_LEN: case BPF_LDX | BPF_W | BPF_LEN: case BPF_LD | BPF_IMM: case BPF_LDX | BPF_IMM:
      case BPF_RET | BPF_K: case BPF_RET | BPF_A: case BPF_MISC | BPF_TAX: case BPF_MISC | BPF_TXA:
        return;
      case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM: case BPF_ST: case BPF_STX:
        if (ins.k >= 16) fail(`scratch memory index ${ins.k} >= 16`);
        return;
      case BPF_JMP | BPF_JA:
        if (pc + 1 + ins.k >= insns.length) fail('jump out of program');
        return;
    }
    if (cls === BPF_ALU) {
      const op = ins.code & 0xf0;
      if ((ins.code & 0x08) === BPF_K && (op === BPF_DIV || op === BPF_MOD) && ins.k === 0) fail('division by zero');
      if (op > 0xa0 || (op === BPF_NEG && ins.code !== (BPF_ALU | BPF_NEG))) fail('unknown ALU operation');
      return;
    }
    if (cls === BPF_JMP && [BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET].includes(ins.code & 0xf0)) {
      if (pc + 1 + Math.max(ins.jt, ins.jf) >= insns.length) fail('jump out of program');
      return;
    }
    fail('opcode not allowed in seccomp filters');
  });
  const last = insns[insns.length - 1].code;
  if (last !== (BPF_RET | BPF_K) && last !== (BPF_RET | BPF_A)) throw new Error('bpf: program does not end with a return');
}

function seccompDataWords(d: SeccompData): Uint32Array {
  const words = new Uint32Array(SECCOMP_DATA_SIZE / 4);
  let arch: number;
  if (typeof d.arch === 'number') arch = d.arch;
  else {
    const a = archFromName(d.arch);
    if (!a) throw new Error(`seccomp data: unknown architecture "${d.arch}"`);
    arch = ARCHES[a].audit;
  }
  words[0] = d.nr >>> 0;
  words[1] = arch >>> 0;
  const put64 = (word: number, v: number | bigint) => {
    const b = BigInt.asUintN(64, BigInt(v));
    words[word] = Number(b & 0xffffffffn);
    words[word + 1] = Number(b >> 32n);
  };
  put64(2, d.instructionPointer ?? 0);
  const args = d.args ?? [];
  if (args.length > 6) throw new Error('seccomp data: at most 6 arguments');
  args.forEach((v, i) => put64(4 + 2 * i, v));
  return words;
}

const VERDICTS: Record<number, SeccompVerdict> = {
  [SECCOMP_RET_KILL_THREAD]: 'SCMP_ACT_KILL_THREAD',
  [SECCOMP_RET_TRAP]: 'SCMP_ACT_TRAP',
  [SECCOMP_RET_ERRNO]: 'SCMP_ACT_ERRNO',
  [SECCOMP_RET_USER_NOTIF]: 'SCMP_ACT_NOTIFY',
  [SECCOMP_RET_TRACE]: 'SCMP_ACT_TRACE',
  [SECCOMP_RET_LOG]: 'SCMP_ACT_LOG',
  [SECCOMP_RET_ALLOW]: 'SCMP_ACT_ALLOW',
};

/** Interprets a return value as the kernel does (unknown actions kill the process). */
export function decodeReturn(ret: number): Omit<SeccompResult, 'steps'> {
  ret >>>= 0;
  const data = ret & SECCOMP_RET_DATA;
  const action = VERDICTS[(ret & SECCOMP_RET_ACTION_FULL) >>> 0] ?? 'SCMP_ACT_KILL_PROCESS';
  return action === 'SCMP_ACT_ERRNO' ? { action, errno: Math.min(data, MAX_ERRNO), data, ret } : { action, data, ret };
}

/** Runs a seccomp filter (bytes or decoded) on one syscall, like the kernel's BPF interpreter. */
export function runSeccompFilter(filter: Uint8Array | readonly SockFilter[], data: SeccompData): SeccompResult {
  const insns = filter instanceof Uint8Array ? decodeFilter(filter) : filter;
  const words = seccompDataWords(data);
  const mem = new Uint32Array(16);
  let a = 0, x = 0, steps = 0;
  for (let pc = 0; pc < insns.length; pc++) {
    const { code, jt, jf, k } = insns[pc];
    steps++;
    const cls = code & 0x07;
    if (cls === BPF_RET) return { ...decodeReturn(code === (BPF_RET | BPF_A) ? a : k), steps };
    if (cls === BPF_JMP) {
      const src = (code & BPF_X) ? x : k;
      switch (code & 0xf0) {
        case BPF_JA: pc += k; break;
        case BPF_JEQ: pc += a === src ? jt : jf; break;
        case BPF_JGT: pc += a > src ? jt : jf; break;
        case BPF_JGE: pc += a >= src ? jt : jf; break;
        case BPF_JSET: pc += (a & src) !== 0 ? jt : jf; break;
        default: throw new Error(`bpf: bad jump at ${pc}`);
      }
      continue;
    }
    switch (code) {
      case BPF_LD | BPF_W | BPF_ABS:
        if (k % 4 !== 0 || k >= SECCOMP_DATA_SIZE) throw new Error(`bpf: load offset ${k} outside seccomp_data`);
        a = words[k / 4]; break;
      case BPF_LD | BPF_W | BPF_LEN: a = SECCOMP_DATA_SIZE; break;
      case BPF_LDX | BPF_W | BPF_LEN: x = SECCOMP_DATA_SIZE; break;
      case BPF_LD | BPF_IMM: a = k; break;
      case BPF_LDX | BPF_IMM: x = k; break;
      case BPF_LD | BPF_MEM: a = mem[k]; break;
      case BPF_LDX | BPF_MEM: x = mem[k]; break;
      case BPF_ST: mem[k] = a; break;
      case BPF_STX: mem[k] = x; break;
      case BPF_MISC | BPF_TAX: x = a; break;
      case BPF_MISC | BPF_TXA: a = x; break;
      default:
        if (cls !== BPF_ALU) throw new Error(`bpf: opcode 0x${code.toString(16)} not allowed at ${pc}`);
        // Division by a zero X register ends the program with 0 (SECCOMP_RET_KILL_THREAD).
        if ((code & BPF_X) && x === 0 && ((code & 0xf0) === BPF_DIV || (code & 0xf0) === BPF_MOD)) return { ...decodeReturn(0), steps };
        a = alu(code, a, (code & BPF_X) ? x : k);
    }
  }
  throw new Error('bpf: program ran off its end');
}

function alu(code: number, a: number, v: number): number {
  switch (code & 0xf0) {
    case 0x00: return (a + v) >>> 0;
    case 0x10: return (a - v) >>> 0;
    case 0x20: return Math.imul(a, v) >>> 0;
    case 0x30: return v === 0 ? 0 : Math.floor(a / v) >>> 0;
    case 0x40: return (a | v) >>> 0;
    case 0x50: return (a & v) >>> 0;
    case 0x60: return v >= 32 ? 0 : (a << v) >>> 0;
    case 0x70: return v >= 32 ? 0 : a >>> v;
    case 0x80: return (-a) >>> 0;
    case 0x90: return v === 0 ? 0 : (a % v) >>> 0;
    case 0xa0: return (a ^ v) >>> 0;
    default: throw new Error(`bpf: unknown ALU operation 0x${code.toString(16)}`);
  }
}
