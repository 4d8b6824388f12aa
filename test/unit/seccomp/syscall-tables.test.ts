// The generated syscall tables: known ABI numbers, and freshness against this machine's headers.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { syscallNumber, syscallTable, X32_SYSCALL_BIT } from '../../../src/runtime/seccomp/index.js';

test('numbers match the kernel ABI of each architecture', () => {
  const expect: [string, string, number][] = [
    ['x86_64', 'read', 0], ['x86_64', 'clone', 56], ['x86_64', 'unshare', 272], ['x86_64', 'seccomp', 317], ['x86_64', 'clone3', 435],
    ['x86', 'read', 3], ['x86', 'socketcall', 102], ['x86', 'unshare', 310], ['x86', 'clone3', 435],
    ['x32', 'read', X32_SYSCALL_BIT], ['x32', 'rt_sigaction', X32_SYSCALL_BIT + 512], ['x32', 'unshare', X32_SYSCALL_BIT + 272],
    ['aarch64', 'read', 63], ['aarch64', 'unshare', 97], ['aarch64', 'clone', 220], ['aarch64', 'renameat', 38], ['aarch64', 'clone3', 435],
    ['arm', 'read', 3], ['arm', 'cacheflush', 0x0f0002], ['arm', 'clone3', 435],
    ['x86_64', 'fchmodat2', 452], ['aarch64', 'futex_wait', 455], ['x32', 'mseal', X32_SYSCALL_BIT + 462],
  ];
  for (const [arch, name, nr] of expect) assert.equal(syscallNumber(arch, name), nr, `${arch} ${name}`);
  assert.equal(syscallNumber('aarch64', 'open'), undefined); // generic ABI has openat only
  assert.equal(syscallNumber('x86_64', 'socketcall'), undefined);
  assert.equal(syscallNumber('x64', 'read'), 0); // Node's name for x86_64
});

test('each table maps distinct names to distinct numbers', () => {
  for (const arch of ['x86_64', 'x86', 'x32', 'aarch64', 'arm'] as const) {
    const entries = Object.entries(syscallTable(arch));
    assert.ok(entries.length > 300, `${arch}: ${entries.length}`);
    const numbers = entries.map(([, nr]) => nr);
    assert.equal(new Set(numbers).size, numbers.length, `${arch} has duplicate numbers`);
  }
});

const generator = new URL('../../../../scripts/gen-syscall-tables.mjs', import.meta.url);
const canGenerate = existsSync('/usr/include/x86_64-linux-gnu/asm/unistd_64.h') && existsSync(generator) &&
  existsSync('/usr/lib/x86_64-linux-gnu/libseccomp.so.2'); // arm's table comes from libseccomp
test('the committed tables are what the generator produces on this machine', { skip: !canGenerate && 'kernel headers absent' }, () => {
  execFileSync(process.execPath, [generator.pathname, '--check'], { stdio: 'pipe', timeout: 30_000 });
});
