// Emits classic BPF for a seccomp plan:
//   ld arch; jeq AUDIT_ARCH_x -> section x ...; ret bad-arch
//   section: ld nr; binary search (jge) over the plan's intervals; leaves return directly or test
//   arguments (64-bit values as high and low 32-bit words; 32-bit ABIs compare the low word only).
import { Assembler, BPF_JEQ, BPF_JGE, BPF_JGT, Label, type SockFilter, type Target } from './bpf.js';
import { SECCOMP_DATA_ARCH, SECCOMP_DATA_ARGS, SECCOMP_DATA_NR } from './constants.js';
import type { Interval, Leaf, SeccompPlan } from './plan.js';
import type { SeccompCondition } from './validate.js';

const lo32 = (v: bigint) => Number(v & 0xffffffffn);
const hi32 = (v: bigint) => Number((v >> 32n) & 0xffffffffn);
const argLo = (index: number) => SECCOMP_DATA_ARGS + 8 * index; // little-endian u64
const argHi = (index: number) => SECCOMP_DATA_ARGS + 8 * index + 4;

/** Jumps to `pass` if the condition holds on the word at `offset` (A is clobbered), else `fail`. */
function emitWordTest(asm: Assembler, c: SeccompCondition, offset: number, datum: number, mask: number, pass: Target, fail: Target): void {
  asm.loadAbs(offset);
  switch (c.op) {
    case 'SCMP_CMP_EQ': return asm.jump(BPF_JEQ, datum, pass, fail);
    case 'SCMP_CMP_NE': return asm.jump(BPF_JEQ, datum, fail, pass);
    case 'SCMP_CMP_GT': return asm.jump(BPF_JGT, datum, pass, fail);
    case 'SCMP_CMP_GE': return asm.jump(BPF_JGE, datum, pass, fail);
    case 'SCMP_CMP_LT': return asm.jump(BPF_JGE, datum, fail, pass);
    case 'SCMP_CMP_LE': return asm.jump(BPF_JGT, datum, fail, pass);
    case 'SCMP_CMP_MASKED_EQ':
      if (mask !== 0xffffffff) asm.andK(mask);
      return asm.jump(BPF_JEQ, datum, pass, fail);
  }
}

/** Emits one condition; falls through when it holds, jumps to `fail` when it does not. */
function emitCondition(asm: Assembler, c: SeccompCondition, bits: 32 | 64, fail: Label): void {
  const masked = c.op === 'SCMP_CMP_MASKED_EQ';
  const datum = masked ? c.valueTwo : c.value;
  const mask = masked ? c.value : 0xffffffffffffffffn;
  const done = new Label('cond-done');
  if (bits === 64) {
    const dh = hi32(datum);
    const checkLo = new Label('check-lo');
    asm.loadAbs(argHi(c.index));
    switch (c.op) {
      case 'SCMP_CMP_EQ': asm.jump(BPF_JEQ, dh, checkLo, fail); break;
      case 'SCMP_CMP_NE': asm.jump(BPF_JEQ, dh, checkLo, done); break;
      case 'SCMP_CMP_GT':
      case 'SCMP_CMP_GE':
        // hi > dh: holds; hi < dh: fails; hi == dh: decided by the low word.
        if (dh === 0) asm.jump(BPF_JGT, dh, done, checkLo);
        else { asm.jump(BPF_JGT, dh, done, 'next'); asm.jump(BPF_JEQ, dh, checkLo, fail); }
        break;
      case 'SCMP_CMP_LT':
      case 'SCMP_CMP_LE':
        if (dh === 0) asm.jump(BPF_JGT, dh, fail, checkLo);
        else { asm.jump(BPF_JGT, dh, fail, 'next'); asm.jump(BPF_JEQ, dh, checkLo, done); }
        break;
      case 'SCMP_CMP_MASKED_EQ': {
        const mh = hi32(mask);
        if (mh !== 0xffffffff) asm.andK(mh);
        asm.jump(BPF_JEQ, dh, checkLo, fail);
        break;
      }
    }
    asm.bind(checkLo);
  }
  emitWordTest(asm, c, argLo(c.index), lo32(datum), lo32(mask), done, fail);
  asm.bind(done);
}

function emitLeaf(asm: Assembler, leaf: Leaf): void {
  if (leaf.kind === 'ret') return asm.ret(leaf.ret);
  for (const rule of leaf.rules) {
    const nextRule = new Label('next-rule');
    // MASKED_EQ with an all-zero high mask and datum cannot fail on the high word: skip it.
    for (const c of rule.conditions) {
      if (leaf.bits === 64 && c.op === 'SCMP_CMP_MASKED_EQ' && hi32(c.value) === 0 && hi32(c.valueTwo) === 0) {
        emitCondition(asm, c, 32, nextRule);
      } else {
        emitCondition(asm, c, leaf.bits, nextRule);
      }
    }
    asm.ret(rule.ret);
    asm.bind(nextRule);
  }
  asm.ret(leaf.fallback);
}

/** Binary search on the syscall number (in A) over intervals[from, to). */
function emitSearch(asm: Assembler, intervals: Interval[], from: number, to: number): void {
  if (to - from === 1) return emitLeaf(asm, intervals[from].leaf);
  const mid = (from + to) >>> 1;
  const upper = new Label(`nr>=${intervals[mid].lo}`);
  asm.jump(BPF_JGE, intervals[mid].lo, upper, 'next');
  emitSearch(asm, intervals, from, mid);
  asm.bind(upper);
  emitSearch(asm, intervals, mid, to);
}

export function generateProgram(plan: SeccompPlan): SockFilter[] {
  const asm = new Assembler();
  const sectionLabels = plan.sections.map((s) => new Label(`arch-0x${s.audit.toString(16)}`));
  asm.loadAbs(SECCOMP_DATA_ARCH);
  plan.sections.forEach((s, i) => asm.jump(BPF_JEQ, s.audit, sectionLabels[i], 'next'));
  asm.ret(plan.badArchRet);
  plan.sections.forEach((s, i) => {
    asm.bind(sectionLabels[i]);
    asm.loadAbs(SECCOMP_DATA_NR);
    emitSearch(asm, s.intervals, 0, s.intervals.length);
  });
  return asm.assemble();
}
