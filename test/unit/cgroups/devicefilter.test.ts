import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceProgram, decodeInsns, encodeInsns, deviceProgramInsns } from '../../../src/runtime/cgroups/index.js';
import type { LinuxDeviceCgroup } from '../../../src/runtime/cgroups/index.js';
import { runDeviceProgram, type DeviceAccess } from './bpf-interpreter.js';

function allowed(rules: LinuxDeviceCgroup[], spec: string): boolean {
  // "c 1:3 rw" -> one access check
  const m = /^([bc]) (\d+):(\d+) ([rwm]+)$/.exec(spec);
  if (!m) throw new Error(`bad spec ${spec}`);
  const access: DeviceAccess = { type: m[1] as 'b' | 'c', major: Number(m[2]), minor: Number(m[3]), access: m[4]! };
  const r0 = runDeviceProgram(deviceProgram(rules), access);
  assert.ok(r0 === 0 || r0 === 1, `R0 must be 0 or 1, got ${r0}`);
  return r0 === 1;
}

// The default list Docker gives a container (deny all, then the usual devices).
const dockerDefaults: LinuxDeviceCgroup[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'b', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'c', major: 136, minor: -1, access: 'rwm' },
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' },
];

test('docker default device list: listed devices allowed, others denied, mknod allowed for all', () => {
  assert.equal(allowed(dockerDefaults, 'c 1:3 rw'), true);
  assert.equal(allowed(dockerDefaults, 'c 1:5 r'), true);
  assert.equal(allowed(dockerDefaults, 'c 1:4 r'), false);
  assert.equal(allowed(dockerDefaults, 'c 1:4 m'), true);
  assert.equal(allowed(dockerDefaults, 'b 8:0 m'), true);
  assert.equal(allowed(dockerDefaults, 'b 8:0 r'), false);
  assert.equal(allowed(dockerDefaults, 'b 8:0 rm'), false);
  assert.equal(allowed(dockerDefaults, 'c 136:7 rw'), true);
  assert.equal(allowed(dockerDefaults, 'b 136:7 rw'), false);
  assert.equal(allowed(dockerDefaults, 'c 10:200 rwm'), true);
  assert.equal(allowed(dockerDefaults, 'c 10:201 rw'), false);
});

test('an empty rule list denies everything', () => {
  assert.equal(allowed([], 'c 1:3 r'), false);
  assert.equal(allowed([], 'b 7:0 m'), false);
});

test('wildcard allow then a deny: only the denied device is refused', () => {
  const rules: LinuxDeviceCgroup[] = [{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' }];
  assert.equal(allowed(rules, 'c 1:3 r'), false);
  assert.equal(allowed(rules, 'c 1:5 rw'), true);
  assert.equal(allowed(rules, 'b 7:0 rwm'), true);
});

test('last matching rule wins', () => {
  const rules: LinuxDeviceCgroup[] = [
    { allow: true, type: 'c', major: 1, minor: -1, access: 'rwm' },
    { allow: false, type: 'c', major: 1, minor: 3, access: 'w' },
    { allow: true, type: 'c', major: 1, minor: 9, access: 'r' },
  ];
  assert.equal(allowed(rules, 'c 1:3 r'), true);
  assert.equal(allowed(rules, 'c 1:3 w'), false);
  // Any denied bit refuses the whole access.
  assert.equal(allowed(rules, 'c 1:3 rw'), false);
  assert.equal(allowed(rules, 'c 1:9 rw'), true, 'rw on 1:9 is not covered by the later "r" rule, so 1:* allows it');
  assert.equal(allowed(rules, 'c 2:3 r'), false);
  // A reversed order flips the outcome for 1:3 w.
  assert.equal(allowed([rules[1]!, rules[0]!], 'c 1:3 w'), true);
});

test('a later wildcard overrides every earlier rule', () => {
  assert.equal(allowed([{ allow: true, type: 'c', major: 1, minor: 3 }, { allow: false }], 'c 1:3 r'), false);
  assert.equal(allowed([{ allow: false, type: 'c', major: 1, minor: 3 }, { allow: true, access: 'rwm' }], 'c 1:3 r'), true);
  // Earlier rules need no code at all.
  assert.equal(deviceProgramInsns([{ allow: true, type: 'c', major: 1, minor: 3 }, { allow: false }]).length, 8);
});

test('type "a" with a major matches block and char devices; partial access allow needs every bit', () => {
  const rules: LinuxDeviceCgroup[] = [{ allow: true, type: 'a', major: 7, minor: -1, access: 'rw' }];
  assert.equal(allowed(rules, 'b 7:1 r'), true);
  assert.equal(allowed(rules, 'c 7:1 rw'), true);
  assert.equal(allowed(rules, 'c 7:1 rwm'), false);
  assert.equal(allowed(rules, 'c 8:1 r'), false);
});

test('program bytes: 8-byte instructions that round-trip, starting with the ctx loads', () => {
  const bytes = deviceProgram(dockerDefaults);
  assert.equal(bytes.length % 8, 0);
  const insns = decodeInsns(bytes);
  assert.deepEqual(encodeInsns(insns), bytes);
  assert.equal(insns[0]!.code, 0x61);
  assert.equal(insns.at(-1)!.code, 0x95);
});

test('invalid rules are rejected with the field name', () => {
  assert.throws(() => deviceProgram([{ allow: true, type: 'x' }]), /devices\[0\]\.type/);
  assert.throws(() => deviceProgram([{ allow: true }, { allow: true, access: 'rwx' }]), /devices\[1\]\.access/);
  assert.throws(() => deviceProgram([{ allow: 'yes' } as unknown as LinuxDeviceCgroup]), /devices\[0\]\.allow/);
});
