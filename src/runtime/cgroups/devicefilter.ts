// OCI device rules -> a BPF_PROG_TYPE_CGROUP_DEVICE program (raw struct bpf_insn array), the
// cgroup v2 replacement for devices.allow/deny. Same shape as runc's devicefilter: rules are
// checked from last to first so the last matching rule wins; no match means deny, unless a
// wildcard rule ("a *:* rwm") sets the default. Offsets of -1 below are placeholders patched
// to "jump past this rule's block".
import type { LinuxDeviceCgroup } from './types.js';
import { validateDeviceRule } from './validate.js';

/** For the loader (bpf(BPF_PROG_LOAD) / BPF_PROG_ATTACH). */
export const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
export const BPF_CGROUP_DEVICE = 6;
export const DEVICE_PROGRAM_LICENSE = 'Apache';

// struct bpf_cgroup_dev_ctx { u32 access_type /* (ACC << 16) | DEV */; u32 major; u32 minor; }
export const BPF_DEVCG_DEV_BLOCK = 1;
export const BPF_DEVCG_DEV_CHAR = 2;
export const BPF_DEVCG_ACC_MKNOD = 1;
export const BPF_DEVCG_ACC_READ = 2;
export const BPF_DEVCG_ACC_WRITE = 4;
const ACC_ALL = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

// Opcodes (class | op | source) used by the program.
export const OP = {
  LDXW: 0x61, // BPF_LDX | BPF_MEM | BPF_W
  AND32_K: 0x54, // BPF_ALU | BPF_AND | BPF_K
  RSH32_K: 0x74, // BPF_ALU | BPF_RSH | BPF_K
  MOV32_K: 0xb4, // BPF_ALU | BPF_MOV | BPF_K
  MOV32_X: 0xbc, // BPF_ALU | BPF_MOV | BPF_X
  JEQ_K: 0x15, // BPF_JMP | BPF_JEQ | BPF_K
  JNE_K: 0x55, // BPF_JMP | BPF_JNE | BPF_K
  JNE_X: 0x5d, // BPF_JMP | BPF_JNE | BPF_X
  EXIT: 0x95, // BPF_JMP | BPF_EXIT
} as const;

export interface Insn { code: number; dst: number; src: number; off: number; imm: number }

const R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;

function insn(code: number, dst: number, src: number, off: number, imm: number): Insn {
  return { code, dst, src, off, imm };
}

/** Loads ctx fields: R2 = device type, R3 = requested access, R4 = major, R5 = minor. */
function prologue(): Insn[] {
  return [
    insn(OP.LDXW, R2, R1, 0, 0),
    insn(OP.AND32_K, R2, 0, 0, 0xffff),
    insn(OP.LDXW, R3, R1, 0, 0),
    insn(OP.RSH32_K, R3, 0, 0, 16),
    insn(OP.LDXW, R4, R1, 4, 0),
    insn(OP.LDXW, R5, R1, 8, 0),
  ];
}

function accessBits(access: string | undefined): number {
  if (access === undefined || access === '') return ACC_ALL;
  let bits = 0;
  for (const c of access) bits |= c === 'r' ? BPF_DEVCG_ACC_READ : c === 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
  return bits;
}

const anyNum = (n: number | null | undefined): boolean => n === undefined || n === null || n === -1;

/** One rule as a block that returns allow/deny on match and jumps past itself otherwise. */
function ruleBlock(rule: LinuxDeviceCgroup): Insn[] | 'wildcard' {
  const type = rule.type ?? 'a';
  const acc = accessBits(rule.access);
  const checks: Insn[] = [];
  // Offsets are patched once the block length is known (jump to the first insn after the block).
  if (type !== 'a') checks.push(insn(OP.JNE_K, R2, 0, -1, type === 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
  if (acc !== ACC_ALL) {
    checks.push(insn(OP.MOV32_X, R1, R3, 0, 0), insn(OP.AND32_K, R1, 0, 0, acc));
    // An allow rule must grant every requested bit ((R3 & acc) == R3); a deny rule matches when
    // any requested bit is denied ((R3 & acc) != 0), so "rw" on a "w"-denied device is refused.
    checks.push(rule.allow ? insn(OP.JNE_X, R1, R3, -1, 0) : insn(OP.JEQ_K, R1, 0, -1, 0));
  }
  if (!anyNum(rule.major)) checks.push(insn(OP.JNE_K, R4, 0, -1, rule.major!));
  if (!anyNum(rule.minor)) checks.push(insn(OP.JNE_K, R5, 0, -1, rule.minor!));
  if (checks.length === 0) return 'wildcard';
  const block = [...checks, insn(OP.MOV32_K, R0, 0, 0, rule.allow ? 1 : 0), insn(OP.EXIT, 0, 0, 0, 0)];
  block.forEach((ins, i) => {
    if (ins.off === -1) ins.off = block.length - (i + 1);
  });
  return block;
}

/** The program as instructions (for tests and disassembly). */
export function deviceProgramInsns(rules: LinuxDeviceCgroup[]): Insn[] {
  rules.forEach((r, i) => validateDeviceRule(r, `devices[${i}]`));
  const out = prologue();
  let defaultAllow = false;
  for (let i = rules.length - 1; i >= 0; i--) {
    const block = ruleBlock(rules[i]!);
    // A wildcard overrides every earlier rule, so earlier rules need no code.
    if (block === 'wildcard') {
      defaultAllow = rules[i]!.allow;
      break;
    }
    out.push(...block);
  }
  out.push(insn(OP.MOV32_K, R0, 0, 0, defaultAllow ? 1 : 0), insn(OP.EXIT, 0, 0, 0, 0));
  return out;
}

/** struct bpf_insn[] bytes (little-endian, as on x86_64 and aarch64). */
export function encodeInsns(insns: Insn[]): Uint8Array {
  const buf = new Uint8Array(insns.length * 8);
  const view = new DataView(buf.buffer);
  insns.forEach((ins, i) => {
    view.setUint8(i * 8, ins.code);
    view.setUint8(i * 8 + 1, ((ins.src & 0xf) << 4) | (ins.dst & 0xf));
    view.setInt16(i * 8 + 2, ins.off, true);
    view.setInt32(i * 8 + 4, ins.imm, true);
  });
  return buf;
}

export function decodeInsns(bytes: Uint8Array): Insn[] {
  if (bytes.length % 8 !== 0) throw new Error(`BPF program: ${bytes.length} bytes is not a multiple of 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let i = 0; i < bytes.length; i += 8) {
    const regs = view.getUint8(i + 1);
    out.push({ code: view.getUint8(i), dst: regs & 0xf, src: regs >> 4, off: view.getInt16(i + 2, true), imm: view.getInt32(i + 4, true) });
  }
  return out;
}

/** The BPF_PROG_TYPE_CGROUP_DEVICE program for OCI `linux.resources.devices`. */
export function deviceProgram(rules: LinuxDeviceCgroup[]): Uint8Array {
  return encodeInsns(deviceProgramInsns(rules));
}
