// Argument comparisons, rule combination and actions, each proven by running the compiled filter.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compileSeccomp, runSeccompFilter, syscallNumber, type SeccompConfigInput,
} from '../../../src/runtime/seccomp/index.js';

const ALLOW = 0x7fff0000;
const errnoRet = (e: number) => (0x50000 | e) >>> 0;

/** Returns what `getpriority` with these args gets back on `abi`, under a one-syscall config. */
function retFor(config: SeccompConfigInput, abi: 'x86_64' | 'x86' | 'x32' | 'aarch64' | 'arm', args: (number | bigint)[], name = 'getpriority') {
  const native = abi === 'aarch64' || abi === 'arm' ? 'arm64' : 'x64';
  const { filter } = compileSeccomp(config, native);
  return runSeccompFilter(filter, { arch: abi === 'x32' ? 'x86_64' : abi, nr: syscallNumber(abi, name)!, args }).ret;
}

function oneRule(op: string, value: bigint, valueTwo?: bigint, index = 1): SeccompConfigInput {
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
    syscalls: [{ names: ['getpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 77, args: [{ index, op, value, valueTwo }] }],
  };
}

const OPS: Record<string, (a: bigint, v: bigint, v2: bigint) => boolean> = {
  SCMP_CMP_EQ: (a, v) => a === v,
  SCMP_CMP_NE: (a, v) => a !== v,
  SCMP_CMP_LT: (a, v) => a < v,
  SCMP_CMP_LE: (a, v) => a <= v,
  SCMP_CMP_GT: (a, v) => a > v,
  SCMP_CMP_GE: (a, v) => a >= v,
  SCMP_CMP_MASKED_EQ: (a, v, v2) => (a & v) === v2,
};

// Values that differ from the datum in the high word only, the low word only, or both.
const DATUMS = [0n, 5n, 0xffffffffn, 0x1_0000_0005n, 0xffff_ffff_0000_0000n, 0x8000_0000_0000_0001n, 0xffff_ffff_ffff_ffffn];
function probes(d: bigint): bigint[] {
  const max = 0xffff_ffff_ffff_ffffn;
  const set = new Set<bigint>([0n, 1n, 5n, 0xffffffffn, 0x1_0000_0000n, max, 0x2_0000_0005n, 0x1_0000_0004n, 0x1_0000_0006n]);
  for (const delta of [-1n, 0n, 1n, 0x1_0000_0000n, -0x1_0000_0000n]) if (d + delta >= 0n && d + delta <= max) set.add(d + delta);
  set.add(d ^ 0xffffffffn); // same high word, different low word
  set.add(d ^ 0xffff_ffff_0000_0000n); // same low word, different high word
  return [...set];
}

describe('argument comparisons', () => {
  for (const [op, holds] of Object.entries(OPS)) {
    test(`${op} on 64-bit arguments compares both halves (x86_64, aarch64)`, () => {
      for (const d of DATUMS) {
        const mask = 0xff00_0000_ffff_00ffn;
        const [value, valueTwo] = op === 'SCMP_CMP_MASKED_EQ' ? [mask, d & mask] : [d, undefined];
        for (const abi of ['x86_64', 'aarch64'] as const) {
          for (const a of probes(d)) {
            const want = holds(a, value, valueTwo ?? 0n) ? errnoRet(77) : ALLOW;
            assert.equal(retFor(oneRule(op, value, valueTwo), abi, [0, a]), want, `${abi} ${op} arg 0x${a.toString(16)} datum 0x${d.toString(16)}`);
          }
        }
      }
    });

    test(`${op} on 32-bit ABIs compares the low word (x86, x32, arm)`, () => {
      for (const d of [5n, 0xfffffffen, 0x1_0000_0005n]) {
        const [value, valueTwo] = op === 'SCMP_CMP_MASKED_EQ' ? [0xf0f0n, d & 0xf0f0n] : [d, undefined];
        for (const abi of ['x86', 'x32', 'arm'] as const) {
          for (const a of [0n, 4n, 5n, 6n, 0xffffffffn, 0x1_0000_0005n, 0x5_0000_0004n]) {
            const lo = (v: bigint) => v & 0xffffffffn;
            const want = holds(lo(a), lo(value), lo(valueTwo ?? 0n)) ? errnoRet(77) : ALLOW;
            assert.equal(retFor(oneRule(op, value, valueTwo), abi, [0, a]), want, `${abi} ${op} arg 0x${a.toString(16)} datum 0x${d.toString(16)}`);
          }
        }
      }
    });
  }

  test('every argument index reads its own argument', () => {
    for (let index = 0; index < 6; index++) {
      const config = oneRule('SCMP_CMP_EQ', 0x1234_0000_5678n, undefined, index);
      const args = [0, 0, 0, 0, 0, 0].map((_, i) => (i === index ? 0x1234_0000_5678n : 0n));
      assert.equal(retFor(config, 'x86_64', args), errnoRet(77), `index ${index}`);
      assert.equal(retFor(config, 'x86_64', args.map((_, i) => (i === index ? 0n : 0x1234_0000_5678n))), ALLOW, `index ${index} (others set)`);
    }
  });
});

describe('rule combination', () => {
  test('conditions on different arguments are ANDed', () => {
    const config: SeccompConfigInput = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['getpriority'], action: 'SCMP_ACT_ERRNO', args: [
        { index: 0, op: 'SCMP_CMP_EQ', value: 1 }, { index: 1, op: 'SCMP_CMP_GT', value: 10 }] }],
    };
    assert.equal(retFor(config, 'x86_64', [1, 11]), errnoRet(1));
    assert.equal(retFor(config, 'x86_64', [1, 10]), ALLOW);
    assert.equal(retFor(config, 'x86_64', [2, 11]), ALLOW);
  });

  test('two conditions on one argument become separate rules (runc)', () => {
    const config: SeccompConfigInput = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['getpriority'], action: 'SCMP_ACT_ERRNO', args: [
        { index: 0, op: 'SCMP_CMP_EQ', value: 1 }, { index: 0, op: 'SCMP_CMP_EQ', value: 2 }] }],
    };
    assert.equal(retFor(config, 'x86_64', [1]), errnoRet(1));
    assert.equal(retFor(config, 'x86_64', [2]), errnoRet(1));
    assert.equal(retFor(config, 'x86_64', [3]), ALLOW);
  });

  test('several rules for one syscall: first matching rule decides, else the default', () => {
    const config: SeccompConfigInput = {
      defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 99,
      syscalls: [
        { names: ['getpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 0, op: 'SCMP_CMP_EQ', value: 1 }] },
        { names: ['getpriority', 'getppid'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, op: 'SCMP_CMP_LE', value: 2 }] },
        { names: ['getpriority'], action: 'SCMP_ACT_LOG', args: [{ index: 1, op: 'SCMP_CMP_NE', value: 0 }] },
      ],
    };
    assert.equal(retFor(config, 'x86_64', [1, 5]), errnoRet(13));
    assert.equal(retFor(config, 'x86_64', [2, 5]), ALLOW);
    assert.equal(retFor(config, 'x86_64', [3, 5]), 0x7ffc0000);
    assert.equal(retFor(config, 'x86_64', [3, 0]), errnoRet(99));
    assert.equal(retFor(config, 'x86_64', [0], 'getppid'), ALLOW);
    assert.equal(retFor(config, 'x86_64', [7], 'getppid'), errnoRet(99));
  });

  test('an unconditional rule overrides conditional ones wherever it appears (libseccomp)', () => {
    const config: SeccompConfigInput = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['getpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 0, op: 'SCMP_CMP_EQ', value: 1 }] },
        { names: ['getpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 20 },
      ],
    };
    assert.equal(retFor(config, 'x86_64', [1]), errnoRet(20));
    assert.equal(retFor(config, 'x86_64', [2]), errnoRet(20));
  });

  test('a rule whose action is the default action is ignored (runc)', () => {
    const config: SeccompConfigInput = {
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['getpriority'], action: 'SCMP_ACT_ERRNO' }, // same as default: skipped
        { names: ['getpriority'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, op: 'SCMP_CMP_EQ', value: 1 }] },
      ],
    };
    assert.equal(retFor(config, 'x86_64', [1]), ALLOW);
    assert.equal(retFor(config, 'x86_64', [2]), errnoRet(1));
  });
});

describe('actions', () => {
  const cases: [string, number | undefined, number][] = [
    ['SCMP_ACT_KILL', undefined, 0],
    ['SCMP_ACT_KILL_THREAD', undefined, 0],
    ['SCMP_ACT_KILL_PROCESS', undefined, 0x80000000],
    ['SCMP_ACT_TRAP', undefined, 0x00030000],
    ['SCMP_ACT_ERRNO', undefined, 0x00050001],
    ['SCMP_ACT_ERRNO', 22, 0x00050016],
    ['SCMP_ACT_TRACE', undefined, 0x7ff00001],
    ['SCMP_ACT_TRACE', 1234, 0x7ff004d2],
    ['SCMP_ACT_LOG', undefined, 0x7ffc0000],
    ['SCMP_ACT_ALLOW', undefined, 0x7fff0000],
  ];
  for (const [action, errno, want] of cases) {
    test(`${action}${errno === undefined ? '' : `(${errno})`} as rule and as default`, () => {
      const asRule = { defaultAction: action === 'SCMP_ACT_ALLOW' ? 'SCMP_ACT_LOG' : 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpriority'], action, errnoRet: errno }] };
      assert.equal(retFor(asRule, 'x86_64', []) >>> 0, want);
      const asDefault = { defaultAction: action, defaultErrnoRet: errno, syscalls: [{ names: ['getppid'], action: action === 'SCMP_ACT_LOG' ? 'SCMP_ACT_ALLOW' : 'SCMP_ACT_LOG' }] };
      assert.equal(retFor(asDefault, 'x86_64', []) >>> 0, want);
    });
  }

  test('interpreter reports the verdict the kernel would act on', () => {
    const { filter } = compileSeccomp({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 5000, syscalls: [] }, 'x64');
    const r = runSeccompFilter(filter, { arch: 'x86_64', nr: 0 });
    assert.equal(r.action, 'SCMP_ACT_ERRNO');
    assert.equal(r.errno, 4095); // the kernel caps errno at MAX_ERRNO
    assert.equal(r.data, 5000);
  });
});

describe('flags', () => {
  const flagsOf = (flags: string[]) => compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', flags }, 'x64').flags;
  test('map to SECCOMP_FILTER_FLAG_* bits', () => {
    assert.equal(flagsOf([]), 0);
    assert.equal(flagsOf(['SECCOMP_FILTER_FLAG_TSYNC']), 1);
    assert.equal(flagsOf(['SECCOMP_FILTER_FLAG_LOG']), 2);
    assert.equal(flagsOf(['SECCOMP_FILTER_FLAG_SPEC_ALLOW']), 4);
    assert.equal(flagsOf(['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW']), 6);
  });
  test('WAIT_KILLABLE_RECV is dropped without a notify listener (the kernel would refuse it)', () => {
    assert.equal(flagsOf(['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV', 'SECCOMP_FILTER_FLAG_LOG']), 2);
  });
});

describe('ENOSYS for syscalls newer than the profile (runc)', () => {
  const run = (config: SeccompConfigInput, nr: number) =>
    runSeccompFilter(compileSeccomp(config, 'x64').filter, { arch: 'x86_64', nr }).ret >>> 0;
  const base = { syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ALLOW' }, { names: ['read'], action: 'SCMP_ACT_ERRNO' }] };

  test('numbers above the highest named syscall get ENOSYS, others the default', () => {
    const config = { ...base, defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'] };
    assert.equal(run(config, 110), ALLOW);
    assert.equal(run(config, 50), errnoRet(1));
    assert.equal(run(config, 111), errnoRet(38));
    assert.equal(run(config, 0x3fffffff), errnoRet(38));
  });

  test('no stub for unlisted architectures, permissive defaults or a default of ENOSYS', () => {
    assert.equal(run({ ...base, defaultAction: 'SCMP_ACT_ERRNO' }, 111), errnoRet(1));
    assert.equal(run({ ...base, defaultAction: 'SCMP_ACT_KILL_PROCESS', architectures: ['SCMP_ARCH_X86_64'] }, 111), errnoRet(38));
    for (const defaultAction of ['SCMP_ACT_LOG', 'SCMP_ACT_TRACE']) {
      const config = { ...base, defaultAction, architectures: ['SCMP_ARCH_X86_64'] };
      const want = defaultAction === 'SCMP_ACT_LOG' ? 0x7ffc0000 : 0x7ff00001;
      assert.equal(run(config, 111), want, defaultAction);
    }
  });
});
