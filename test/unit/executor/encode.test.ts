// encodePlan: byte layout, field validation, and opcode agreement with native/wharf.h.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodePlan, encodeResize, OPCODES, parseMessage } from '../../../src/runtime/executor/index.js';
import { CLONE_NEWPID, type ChildOp } from '../../../src/runtime/ops.js';

/** Minimal reader mirroring native/plan.c. */
class Reader {
  off = 0;
  constructor(readonly b: Buffer) {}
  u8() { return this.b.readUInt8(this.off++); }
  u32() { const v = this.b.readUInt32LE(this.off); this.off += 4; return v; }
  u64() { const v = this.b.readBigUInt64LE(this.off); this.off += 8; return v; }
  str() {
    const n = this.u32();
    const s = this.b.subarray(this.off, this.off + n).toString('utf8');
    assert.equal(this.b[this.off + n], 0, 'string is NUL-terminated');
    this.off += n + 1;
    return s;
  }
}

test('plan record: length prefix, kind, header, clone flags, ops', () => {
  const buf = encodePlan(
    { pre: [{ op: 'setns', path: '/proc/1/ns/net', nstype: 0x40000000 }], cloneFlags: CLONE_NEWPID, ops: [
      { op: 'mount', source: 'proc', target: '/proc', fstype: 'proc', flags: 14, data: '' },
      { op: 'setrlimit', resource: 7, soft: 1024n, hard: (1n << 64n) - 1n },
      { op: 'exec', file: 'sh', argv: ['sh', '-c', 'échö'], env: ['A=1'], searchPath: '/bin' },
    ] },
    { statusFile: '/run/x/status', terminalRelay: true },
  );
  const r = new Reader(buf);
  assert.equal(r.u32(), buf.length - 4);
  assert.equal(r.u8(), 1);
  assert.equal(r.u32(), 1, 'terminal relay flag');
  assert.equal(r.str(), '/run/x/status');
  assert.equal(r.u32(), CLONE_NEWPID);
  assert.equal(r.u32(), 1);
  assert.deepEqual([r.u32(), r.str(), r.u32()], [OPCODES.setns, '/proc/1/ns/net', 0x40000000]);
  assert.equal(r.u32(), 3);
  assert.deepEqual([r.u32(), r.str(), r.str(), r.str(), r.u32(), r.str()], [OPCODES.mount, 'proc', '/proc', 'proc', 14, '']);
  assert.deepEqual([r.u32(), r.u32(), r.u64(), r.u64()], [OPCODES.setrlimit, 7, 1024n, (1n << 64n) - 1n]);
  assert.equal(r.u32(), OPCODES.exec);
  assert.equal(r.str(), 'sh');
  assert.equal(r.u32(), 3);
  assert.deepEqual([r.str(), r.str(), r.str()], ['sh', '-c', 'échö']);
  assert.equal(r.u32(), 1);
  assert.equal(r.str(), 'A=1');
  assert.equal(r.str(), '/bin');
  assert.equal(r.off, buf.length, 'no trailing bytes');
});

test('seccomp filter bytes and capability masks are carried verbatim', () => {
  const filter = Uint8Array.from({ length: 16 }, (_, i) => i);
  const caps = { op: 'caps', bounding: 1n << 40n, effective: 3n, permitted: 5n, inheritable: 0n, ambient: 1n << 63n } as const;
  const r = new Reader(encodePlan({ pre: [], cloneFlags: 0, ops: [{ op: 'seccomp', filter, flags: 2 }, caps] }));
  r.off = 4 + 1 + 4 + 5 + 4 + 4 + 4;
  assert.deepEqual([r.u32(), r.u32(), r.u32()], [OPCODES.seccomp, 2, 16]);
  assert.deepEqual([...r.b.subarray(r.off, r.off + 16)], [...filter]);
  r.off += 16;
  assert.equal(r.u32(), OPCODES.caps);
  assert.deepEqual([r.u64(), r.u64(), r.u64(), r.u64(), r.u64()], [1n << 40n, 3n, 5n, 0n, 1n << 63n]);
});

test('bad fields are rejected with the field path', () => {
  const plan = (ops: ChildOp[]) => ({ pre: [], cloneFlags: 0, ops });
  assert.throws(() => encodePlan(plan([{ op: 'mkdir', path: '/a', mode: -1, parents: true }])), /plan\.ops\[0\]\.mode/);
  assert.throws(() => encodePlan(plan([{ op: 'chdir', path: 'a\0b' }])), /plan\.ops\[0\]\.path: must not contain NUL/);
  assert.throws(() => encodePlan(plan([{ op: 'setrlimit', resource: 1, soft: -1n, hard: 0n }])), /plan\.ops\[0\]\.soft/);
  assert.throws(() => encodePlan(plan([{ op: 'seccomp', filter: new Uint8Array(12), flags: 0 }])), /plan\.ops\[0\]\.filter/);
  assert.throws(() => encodePlan(plan([{ op: 'bogus' } as unknown as ChildOp])), /plan\.ops\[0\]\.op: unknown operation "bogus"/);
  assert.throws(() => encodePlan({ pre: [{ op: 'pivot-root', root: '/' } as never], cloneFlags: 0, ops: [] }), /plan\.pre\[0\]\.op/);
  assert.throws(() => encodePlan({ pre: [], cloneFlags: 2 ** 32, ops: [] }), /plan\.cloneFlags/);
  assert.throws(() => encodeResize(70000, 80), /rows/);
});

test('opcodes agree with the enum in native/wharf.h', () => {
  const header = readFileSync(fileURLToPath(new URL('../../../../native/wharf.h', import.meta.url)), 'utf8');
  const body = /enum \{\s*OP_SETNS = 1,([^}]*)\}/.exec(header)?.[1];
  assert.ok(body, 'opcode enum found');
  const names = ['OP_SETNS', ...body.split(',').map((s) => s.trim()).filter(Boolean)].filter((n) => n !== 'OP_MAX');
  const fromC = Object.fromEntries(names.map((n, i) => [n.slice(3).toLowerCase().replace(/_/g, '-'), i + 1]));
  assert.deepEqual(fromC, { ...OPCODES });
});

test('executor messages are parsed', () => {
  assert.deepEqual(parseMessage('pid 42'), { kind: 'pid', pid: 42 });
  assert.deepEqual(parseMessage('error child 3 2 lookup no such'), { kind: 'error', phase: 'child', index: 3, errno: 2, detail: 'lookup no such' });
  assert.deepEqual(parseMessage('exit -1 9'), { kind: 'exit', code: null, signal: 9 });
  assert.deepEqual(parseMessage('exit 0 0'), { kind: 'exit', code: 0, signal: null });
  assert.equal(parseMessage('garbage'), null);
});
