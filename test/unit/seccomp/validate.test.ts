// Bad OCI seccomp configs are refused with an error naming the field; unknown names are skipped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSeccomp, runSeccompFilter, syscallNumber } from '../../../src/runtime/seccomp/index.js';

const bad = (config: unknown, pattern: RegExp) =>
  assert.throws(() => compileSeccomp(config as never, 'x64'), pattern);

test('malformed entries name the field', () => {
  bad(null, /linux\.seccomp: must be an object, got null/);
  bad({}, /linux\.seccomp\.defaultAction: is required/);
  bad({ defaultAction: 'SCMP_ACT_NOPE' }, /linux\.seccomp\.defaultAction: unknown seccomp action "SCMP_ACT_NOPE"/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: -1 }, /linux\.seccomp\.defaultErrnoRet: must be an integer/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: {} }, /linux\.seccomp\.syscalls: must be an array/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: 'read', action: 'SCMP_ACT_ERRNO' }] }, /syscalls\[0\]\.names: must be an array of strings/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] }, /syscalls\[0\]\.names: must list at least one/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read', ''], action: 'SCMP_ACT_ERRNO' }] }, /syscalls\[0\]\.names\[1\]: must be a non-empty string/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_EPERM' }] }, /syscalls\[0\]\.action: unknown seccomp action/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 70000 }] }, /syscalls\[0\]\.errnoRet/);
  const arg = (a: object) => ({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO' }, { names: ['write'], action: 'SCMP_ACT_ERRNO', args: [a] }] });
  bad(arg({ index: 6, value: 1, op: 'SCMP_CMP_EQ' }), /syscalls\[1\]\.args\[0\]\.index: must be an argument index 0\.\.5/);
  bad(arg({ index: 0, value: 1, op: 'SCMP_CMP_ABOUT' }), /syscalls\[1\]\.args\[0\]\.op: unknown operator "SCMP_CMP_ABOUT"/);
  bad(arg({ index: 0, op: 'SCMP_CMP_EQ' }), /syscalls\[1\]\.args\[0\]\.value: is required/);
  bad(arg({ index: 0, value: -1, op: 'SCMP_CMP_EQ' }), /args\[0\]\.value: must be an unsigned 64-bit integer/);
  bad(arg({ index: 0, value: 1.5, op: 'SCMP_CMP_EQ' }), /args\[0\]\.value: must be an unsigned 64-bit integer/);
  bad(arg({ index: 0, value: 2n ** 64n, op: 'SCMP_CMP_EQ' }), /args\[0\]\.value: must be an unsigned 64-bit integer/);
  bad(arg({ index: 0, value: 1, valueTwo: 'x', op: 'SCMP_CMP_MASKED_EQ' }), /args\[0\]\.valueTwo/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_Z80'] }, /linux\.seccomp\.architectures\[0\]: unknown architecture "SCMP_ARCH_Z80"/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_FAST'] }, /linux\.seccomp\.flags\[0\]: unknown seccomp flag/);
});

test('SCMP_ACT_NOTIFY is refused as unsupported', () => {
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }] }, /syscalls\[0\]\.action: SCMP_ACT_NOTIFY is not supported/);
  bad({ defaultAction: 'SCMP_ACT_NOTIFY' }, /defaultAction: SCMP_ACT_NOTIFY is not supported/);
});

test('an unsupported target architecture is refused', () => {
  assert.throws(() => compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW' }, 's390x'), /unsupported architecture "s390x"/);
});

test('unknown syscall names are skipped and reported; the rest still applies', () => {
  const c = compileSeccomp({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['no_such_syscall', 'getppid', 'cacheflush'], action: 'SCMP_ACT_ERRNO', errnoRet: 9 }],
  }, 'x64');
  assert.deepEqual(c.unknownSyscalls, ['no_such_syscall']); // cacheflush exists on arm
  assert.equal(runSeccompFilter(c.filter, { arch: 'x86_64', nr: syscallNumber('x86_64', 'getppid')! }).errno, 9);
});

test('precise 64-bit values may be given as bigint or string', () => {
  const config = (value: bigint | string) => ({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, op: 'SCMP_CMP_EQ', value }] }],
  });
  for (const v of [0xffff_ffff_ffff_fffen, '18446744073709551614', '0xfffffffffffffffe']) {
    const { filter } = compileSeccomp(config(v), 'x64');
    const run = (a: bigint) => runSeccompFilter(filter, { arch: 'x86_64', nr: 110, args: [a] }).action;
    assert.equal(run(0xffff_ffff_ffff_fffen), 'SCMP_ACT_ERRNO', String(v));
    assert.equal(run(0xffff_ffff_ffff_ffffn), 'SCMP_ACT_ALLOW', String(v));
  }
});

test('foreign architectures in the list are ignored on this kernel; native is always covered', () => {
  const c = compileSeccomp({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_S390X', 'SCMP_ARCH_AARCH64'], syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ALLOW' }] }, 'x64');
  assert.equal(runSeccompFilter(c.filter, { arch: 'x86_64', nr: 110 }).action, 'SCMP_ACT_ALLOW');
  assert.equal(runSeccompFilter(c.filter, { arch: 'aarch64', nr: 173 }).action, 'SCMP_ACT_KILL_THREAD');
});
