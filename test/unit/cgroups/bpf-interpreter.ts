// A tiny eBPF interpreter for BPF_PROG_TYPE_CGROUP_DEVICE programs: enough of the instruction
// set (and of the verifier's rules) to run generated device filters on sample accesses.
// It works on the raw bytes, so it checks the encoding as well as the logic.

export const DEV_BLOCK = 1;
export const DEV_CHAR = 2;
export const ACC_MKNOD = 1;
export const ACC_READ = 2;
export const ACC_WRITE = 4;

export interface DeviceAccess { type: 'b' | 'c'; major: number; minor: number; access: string }

const MASK64 = (1n << 64n) - 1n;
const MASK32 = (1n << 32n) - 1n;

function accessBits(access: string): number {
  let bits = 0;
  for (const c of access) bits |= c === 'r' ? ACC_READ : c === 'w' ? ACC_WRITE : ACC_MKNOD;
  return bits;
}

/** Context struct bpf_cgroup_dev_ctx as the kernel lays it out. */
function makeCtx(a: DeviceAccess): DataView {
  const v = new DataView(new ArrayBuffer(12));
  v.setUint32(0, (accessBits(a.access) << 16) | (a.type === 'b' ? DEV_BLOCK : DEV_CHAR), true);
  v.setUint32(4, a.major, true);
  v.setUint32(8, a.minor, true);
  return v;
}

type Reg = { kind: 'scalar'; v: bigint } | { kind: 'ctx' } | { kind: 'uninit' };

/** Runs `prog` (struct bpf_insn bytes) and returns R0 (1 = allow, 0 = deny). */
export function runDeviceProgram(prog: Uint8Array, access: DeviceAccess): number {
  if (prog.length === 0 || prog.length % 8 !== 0) throw new Error('program length must be a non-zero multiple of 8');
  const n = prog.length / 8;
  const code = new DataView(prog.buffer, prog.byteOffset, prog.byteLength);
  const ctx = makeCtx(access);
  const regs: Reg[] = Array.from({ length: 11 }, () => ({ kind: 'uninit' }) as Reg);
  regs[1] = { kind: 'ctx' };
  const scalar = (r: number): bigint => {
    const reg = regs[r]!;
    if (reg.kind !== 'scalar') throw new Error(`R${r} is ${reg.kind}, not a scalar`);
    return reg.v;
  };

  let pc = 0;
  for (let steps = 0; steps < 4096; steps++) {
    if (pc < 0 || pc >= n) throw new Error(`pc ${pc} out of the program (falls off the end?)`);
    const op = code.getUint8(pc * 8);
    const regsByte = code.getUint8(pc * 8 + 1);
    const dst = regsByte & 0xf;
    const src = regsByte >> 4;
    const off = code.getInt16(pc * 8 + 2, true);
    const imm = code.getInt32(pc * 8 + 4, true);
    if (dst > 10 || src > 10) throw new Error(`bad register at ${pc}`);
    const cls = op & 0x07;
    const useReg = (op & 0x08) !== 0;
    pc++;

    if (op === 0x61) { // ldxw dst = *(u32 *)(src + off)
      if (regs[src]!.kind !== 'ctx') throw new Error(`load through non-ctx register R${src}`);
      if (off < 0 || off > 8 || off % 4 !== 0) throw new Error(`ctx offset ${off} out of bounds`);
      regs[dst] = { kind: 'scalar', v: BigInt(ctx.getUint32(off, true)) };
      continue;
    }
    if (cls === 0x04) { // ALU (32-bit): result zero-extended into the 64-bit register
      if (dst === 10) throw new Error('write to frame pointer');
      const aluOp = op & 0xf0;
      const b = (useReg ? scalar(src) : BigInt(imm)) & MASK32;
      const a = aluOp === 0xb0 ? 0n : scalar(dst) & MASK32;
      let r: bigint;
      switch (aluOp) {
        case 0xb0: r = b; break; // mov
        case 0x00: r = a + b; break; // add
        case 0x50: r = a & b; break; // and
        case 0x40: r = a | b; break; // or
        case 0x60: r = a << (b & 31n); break; // lsh
        case 0x70: r = a >> (b & 31n); break; // rsh
        default: throw new Error(`unsupported ALU op 0x${op.toString(16)} at ${pc - 1}`);
      }
      regs[dst] = { kind: 'scalar', v: r & MASK32 };
      continue;
    }
    if (cls === 0x05) { // JMP (64-bit compares, imm sign-extended)
      const jop = op & 0xf0;
      if (jop === 0x90) { // exit
        return Number(scalar(0));
      }
      if (off < 0) throw new Error(`backward jump at ${pc - 1} (loops are rejected)`);
      if (pc + off >= n) throw new Error(`jump at ${pc - 1} out of the program`);
      if (jop === 0x00) { pc += off; continue; } // ja
      const a = scalar(dst);
      const b = useReg ? scalar(src) : BigInt(imm) & MASK64;
      let taken: boolean;
      switch (jop) {
        case 0x10: taken = a === b; break; // jeq
        case 0x50: taken = a !== b; break; // jne
        case 0x20: taken = a > b; break; // jgt
        case 0x30: taken = a >= b; break; // jge
        case 0x40: taken = (a & b) !== 0n; break; // jset
        default: throw new Error(`unsupported JMP op 0x${op.toString(16)} at ${pc - 1}`);
      }
      if (taken) pc += off;
      continue;
    }
    throw new Error(`unsupported opcode 0x${op.toString(16)} at ${pc - 1}`);
  }
  throw new Error('program did not exit within 4096 steps');
}
