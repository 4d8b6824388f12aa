// The BPF assembler (far jumps), the kernel's program checks and the size limit.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Assembler, BPF_JEQ, BPF_JGE, BPF_JMP, BPF_JA, Label, encodeFilter, decodeFilter } from '../../../src/runtime/seccomp/bpf.js';
import {
  checkFilter, compileSeccomp, runSeccompFilter, syscallTable, AUDIT_ARCH_X86_64, type LinuxSeccomp,
} from '../../../src/runtime/seccomp/index.js';
import { expectedRet } from './model.js';

function padding(asm: Assembler, n: number) {
  for (let i = 0; i < n; i++) asm.ret(0xdead0000 + i);
}

describe('assembler', () => {
  test('conditional jumps beyond 255 instructions go through ja trampolines', () => {
    for (const [farTrue, farFalse] of [[true, false], [false, true], [true, true]]) {
      const asm = new Assembler();
      const yes = new Label('yes'), no = new Label('no'), near = new Label('near');
      asm.loadAbs(0);
      asm.jump(BPF_JEQ, 7, farTrue ? yes : near, farFalse ? no : near);
      asm.bind(near);
      asm.ret(1);
      padding(asm, 300);
      asm.bind(yes);
      asm.ret(0x7fff0000);
      padding(asm, 300);
      asm.bind(no);
      asm.ret(0x00050001);
      const insns = asm.assemble();
      checkFilter(insns);
      assert.ok(insns.some((i) => i.code === (BPF_JMP | BPF_JA)), 'a trampoline was emitted');
      const run = (nr: number) => runSeccompFilter(insns, { arch: 0, nr }).ret;
      assert.equal(run(7), farTrue ? 0x7fff0000 : 1, `jt far=${farTrue}`);
      assert.equal(run(8), farFalse ? 0x00050001 : 1, `jf far=${farFalse}`);
    }
  });

  test('both branches to one far target share a single trampoline', () => {
    const asm = new Assembler();
    const far = new Label('far');
    asm.loadAbs(0);
    asm.jump(BPF_JGE, 1, far, far);
    padding(asm, 400);
    asm.bind(far);
    asm.ret(42);
    const insns = asm.assemble();
    assert.equal(insns.length, 1 + 1 + 1 + 400 + 1);
    assert.equal(runSeccompFilter(insns, { arch: 0, nr: 5 }).ret, 42);
  });

  test('cascading trampolines converge: many far jumps crossing each other', () => {
    const asm = new Assembler();
    const targets = Array.from({ length: 60 }, (_, i) => new Label(`t${i}`));
    asm.loadAbs(0);
    targets.forEach((t, i) => asm.jump(BPF_JEQ, i, t, 'next'));
    asm.ret(0xffff);
    targets.forEach((t, i) => { padding(asm, 10); asm.bind(t); asm.ret(i); });
    const insns = asm.assemble();
    checkFilter(insns);
    for (let i = 0; i < 60; i++) assert.equal(runSeccompFilter(insns, { arch: 0, nr: i }).ret, i);
    assert.equal(runSeccompFilter(insns, { arch: 0, nr: 99 }).ret, 0xffff);
  });

  test('backward or unbound labels are rejected', () => {
    const asm = new Assembler();
    const back = new Label('back');
    asm.bind(back);
    asm.loadAbs(0);
    asm.ja(back);
    assert.throws(() => asm.assemble(), /not after its jump/);
    const asm2 = new Assembler();
    asm2.ja(new Label('nowhere'));
    assert.throws(() => asm2.assemble(), /never bound/);
  });

  test('encode/decode round-trip is little-endian sock_filter', () => {
    const bytes = encodeFilter([{ code: 0x15, jt: 1, jf: 2, k: 0xc000003e }]);
    assert.deepEqual([...bytes], [0x15, 0x00, 0x01, 0x02, 0x3e, 0x00, 0x00, 0xc0]);
    assert.deepEqual(decodeFilter(bytes), [{ code: 0x15, jt: 1, jf: 2, k: 0xc000003e }]);
  });
});

describe('kernel program checks', () => {
  const ret = { code: 0x06, jt: 0, jf: 0, k: 0 };
  test('reject what seccomp(2) would refuse', () => {
    assert.throws(() => checkFilter([]), /length/);
    assert.throws(() => checkFilter([{ code: 0x20, jt: 0, jf: 0, k: 64 }, ret]), /outside seccomp_data/);
    assert.throws(() => checkFilter([{ code: 0x20, jt: 0, jf: 0, k: 2 }, ret]), /outside seccomp_data/);
    assert.throws(() => checkFilter([{ code: 0x15, jt: 5, jf: 0, k: 0 }, ret]), /jump out of program/);
    assert.throws(() => checkFilter([{ code: 0x20, jt: 0, jf: 0, k: 0 }]), /does not end with a return/);
    assert.throws(() => checkFilter([{ code: 0x28, jt: 0, jf: 0, k: 0 }, ret]), /not allowed/); // ld half word
    assert.throws(() => checkFilter([{ code: 0x34, jt: 0, jf: 0, k: 0 }, ret]), /division by zero/);
  });

  test('the interpreter runs ALU, scratch memory and X-register programs', () => {
    // A = nr; A &= 0xf0; M[0] = A; X = 3; A = M[0]; A >>= X; ret A
    const prog = [
      { code: 0x20, jt: 0, jf: 0, k: 0 }, { code: 0x54, jt: 0, jf: 0, k: 0xf0 }, { code: 0x02, jt: 0, jf: 0, k: 0 },
      { code: 0x01, jt: 0, jf: 0, k: 3 }, { code: 0x60, jt: 0, jf: 0, k: 0 }, { code: 0x7c, jt: 0, jf: 0, k: 0 },
      { code: 0x16, jt: 0, jf: 0, k: 0 },
    ];
    checkFilter(prog);
    assert.equal(runSeccompFilter(prog, { arch: 0, nr: 0x1234 }).ret, 0x30 >> 3);
  });
});

describe('program size', () => {
  const many = (n: number): LinuxSeccomp => ({
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: Object.keys(syscallTable('x86_64')).slice(0, n).map((name, i) => ({
      names: [name], action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, op: 'SCMP_CMP_EQ', value: i * 0x1_0000_0001 }, { index: 1, op: 'SCMP_CMP_MASKED_EQ', value: 0xff00, valueTwo: 0x1200 }],
    })),
  });

  test('large argument-heavy filters get far jumps and stay correct', () => {
    const config = many(200);
    const { filter, instructions } = compileSeccomp(config, 'x64');
    assert.ok(instructions > 1000 && instructions <= 4096, `${instructions}`);
    const insns = decodeFilter(filter);
    checkFilter(insns);
    const table = syscallTable('x86_64');
    for (const [i, name] of Object.keys(table).slice(0, 220).entries()) {
      for (const args of [[BigInt(i) * 0x1_0000_0001n, 0x12ffn], [BigInt(i) * 0x1_0000_0001n, 0x13ffn], [BigInt(i), 0x1200n]]) {
        const got = runSeccompFilter(insns, { arch: AUDIT_ARCH_X86_64, nr: table[name], args }).ret;
        assert.equal(got, expectedRet(config, 'x86_64', AUDIT_ARCH_X86_64, table[name], args), `${name} ${args}`);
      }
    }
  });

  test('a filter over BPF_MAXINSNS is an error, not a truncated program', () => {
    const config = many(380);
    config.syscalls!.forEach((s) => { s.args = [0, 1, 2, 3, 4].map((index) => ({ index, op: 'SCMP_CMP_EQ' as const, value: 2 ** 40 + index })); });
    assert.throws(() => compileSeccomp(config, 'x64'), /more than the kernel's limit of 4096/);
  });
});
