// Classic BPF (struct sock_filter) opcodes and a small assembler with symbolic forward labels.
// Conditional jumps only reach 255 instructions ahead; the assembler inserts `ja` trampolines
// right after a jump whose target is farther, re-laying out until every offset fits.

export const BPF_LD = 0x00, BPF_LDX = 0x01, BPF_ST = 0x02, BPF_STX = 0x03;
export const BPF_ALU = 0x04, BPF_JMP = 0x05, BPF_RET = 0x06, BPF_MISC = 0x07;
export const BPF_W = 0x00, BPF_H = 0x08, BPF_B = 0x10;
export const BPF_IMM = 0x00, BPF_ABS = 0x20, BPF_IND = 0x40, BPF_MEM = 0x60, BPF_LEN = 0x80;
export const BPF_ADD = 0x00, BPF_SUB = 0x10, BPF_MUL = 0x20, BPF_DIV = 0x30, BPF_OR = 0x40, BPF_AND = 0x50;
export const BPF_LSH = 0x60, BPF_RSH = 0x70, BPF_NEG = 0x80, BPF_MOD = 0x90, BPF_XOR = 0xa0;
export const BPF_JA = 0x00, BPF_JEQ = 0x10, BPF_JGT = 0x20, BPF_JGE = 0x30, BPF_JSET = 0x40;
export const BPF_K = 0x00, BPF_X = 0x08, BPF_A = 0x10;
export const BPF_TAX = 0x00, BPF_TXA = 0x80;

export const BPF_MAXINSNS = 4096;
export const SOCK_FILTER_SIZE = 8;

export interface SockFilter {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** A jump target: a label bound later, or 'next' (fall through to the following instruction). */
export type Target = Label | 'next';

export class Label {
  /** Index in the assembler's instruction list of the instruction this label names. */
  index = -1;
  constructor(readonly name: string) {}
}

type Item =
  | { kind: 'plain'; code: number; k: number }
  | { kind: 'cond'; code: number; k: number; jt: Target; jf: Target }
  | { kind: 'ja'; target: Label };

export class Assembler {
  private readonly items: Item[] = [];

  get length(): number {
    return this.items.length;
  }

  bind(label: Label): void {
    if (label.index !== -1) throw new Error(`bpf: label ${label.name} bound twice`);
    label.index = this.items.length;
  }

  /** Load the 32-bit word at `offset` of struct seccomp_data into A. */
  loadAbs(offset: number): void {
    this.items.push({ kind: 'plain', code: BPF_LD | BPF_W | BPF_ABS, k: offset });
  }

  andK(k: number): void {
    this.items.push({ kind: 'plain', code: BPF_ALU | BPF_AND | BPF_K, k: k >>> 0 });
  }

  ret(k: number): void {
    this.items.push({ kind: 'plain', code: BPF_RET | BPF_K, k: k >>> 0 });
  }

  /** if (A <op> k) goto jt else goto jf; op is BPF_JEQ, BPF_JGT, BPF_JGE or BPF_JSET. */
  jump(op: number, k: number, jt: Target, jf: Target): void {
    this.items.push({ kind: 'cond', code: BPF_JMP | op | BPF_K, k: k >>> 0, jt, jf });
  }

  ja(target: Label): void {
    this.items.push({ kind: 'ja', target });
  }

  /** Resolves labels (adding trampolines for far conditional jumps) into sock_filter records. */
  assemble(): SockFilter[] {
    const n = this.items.length;
    const farT = new Uint8Array(n);
    const farF = new Uint8Array(n);
    const pos = new Int32Array(n + 1);
    const targetIndex = (i: number, t: Target): number => {
      if (t === 'next') return i + 1;
      if (t.index === -1) throw new Error(`bpf: label ${t.name} never bound`);
      if (t.index <= i) throw new Error(`bpf: label ${t.name} is not after its jump (BPF jumps forward only)`);
      return t.index;
    };
    const sameFarTarget = (i: number, it: Item & { kind: 'cond' }) =>
      farT[i] && farF[i] && targetIndex(i, it.jt) === targetIndex(i, it.jf);
    const size = (i: number) => {
      const it = this.items[i];
      if (it.kind !== 'cond') return 1;
      return 1 + (sameFarTarget(i, it) ? 1 : farT[i] + farF[i]);
    };
    for (let changed = true; changed; ) {
      changed = false;
      for (let i = 0; i < n; i++) pos[i + 1] = pos[i] + size(i);
      for (let i = 0; i < n; i++) {
        const it = this.items[i];
        if (it.kind !== 'cond') continue;
        if (!farT[i] && pos[targetIndex(i, it.jt)] - pos[i] - 1 > 255) { farT[i] = 1; changed = true; }
        if (!farF[i] && pos[targetIndex(i, it.jf)] - pos[i] - 1 > 255) { farF[i] = 1; changed = true; }
      }
    }
    const out: SockFilter[] = [];
    for (let i = 0; i < n; i++) {
      const it = this.items[i];
      const here = pos[i];
      if (it.kind === 'plain') {
        out.push({ code: it.code, jt: 0, jf: 0, k: it.k });
      } else if (it.kind === 'ja') {
        out.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: pos[targetIndex(i, it.target)] - here - 1 });
      } else {
        const tIdx = targetIndex(i, it.jt);
        const fIdx = targetIndex(i, it.jf);
        // Trampolines sit right after the jump: [jump][ja T?][ja F?]
        const shared = sameFarTarget(i, it);
        const trampT = farT[i] ? here + 1 : -1;
        const trampF = farF[i] ? (shared ? here + 1 : here + 1 + farT[i]) : -1;
        const jt = (farT[i] ? trampT : pos[tIdx]) - here - 1;
        const jf = (farF[i] ? trampF : pos[fIdx]) - here - 1;
        out.push({ code: it.code, jt, jf, k: it.k });
        if (farT[i]) out.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: pos[tIdx] - trampT - 1 });
        if (farF[i] && !shared) out.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: pos[fIdx] - trampF - 1 });
      }
    }
    return out;
  }
}

/** Serializes sock_filter records: u16 code, u8 jt, u8 jf, u32 k, little-endian. */
export function encodeFilter(insns: readonly SockFilter[]): Uint8Array {
  const bytes = new Uint8Array(insns.length * SOCK_FILTER_SIZE);
  const view = new DataView(bytes.buffer);
  insns.forEach((ins, i) => {
    view.setUint16(i * 8, ins.code, true);
    view.setUint8(i * 8 + 2, ins.jt);
    view.setUint8(i * 8 + 3, ins.jf);
    view.setUint32(i * 8 + 4, ins.k >>> 0, true);
  });
  return bytes;
}

export function decodeFilter(bytes: Uint8Array): SockFilter[] {
  if (bytes.length % SOCK_FILTER_SIZE !== 0) throw new Error(`bpf: filter length ${bytes.length} is not a multiple of 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: SockFilter[] = [];
  for (let off = 0; off < bytes.length; off += 8) {
    out.push({ code: view.getUint16(off, true), jt: view.getUint8(off + 2), jf: view.getUint8(off + 3), k: view.getUint32(off + 4, true) });
  }
  return out;
}
