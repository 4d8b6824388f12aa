// `wharf-exec bpf-dev`: cgroup v2 device programs (load, attach, replace) and their errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { loadDeviceProgram } from '../../../src/runtime/executor/index.js';

/** `r0 = verdict; exit`: 0 denies every device access, 1 allows it. */
function constantProgram(verdict: 0 | 1): Uint8Array {
  const b = Buffer.alloc(16);
  b.writeUInt8(0xb7, 0); // BPF_ALU64 | BPF_MOV | BPF_K, dst r0
  b.writeInt32LE(verdict, 4);
  b.writeUInt8(0x95, 8); // BPF_JMP | BPF_EXIT
  return b;
}

/** Runs a shell that moves itself into the cgroup, then opens /dev/null. */
function openDevNullIn(cg: string): string {
  const r = spawnSync('/bin/busybox', ['sh', '-c', `echo $$ > ${cg}/cgroup.procs && cat /dev/null; echo rc=$?`], { encoding: 'utf8' });
  return r.stdout + r.stderr;
}

function makeV2Cgroup(): string | null {
  const dir = `/sys/fs/cgroup/unified/wharf-bpf-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    mkdirSync(dir);
    return dir;
  } catch {
    return null;
  }
}

test('device program: deny-all blocks /dev/null, a replacement allow-all lifts it', (t) => {
  const cg = makeV2Cgroup();
  if (!cg) return t.skip('no writable cgroup v2 hierarchy at /sys/fs/cgroup/unified');
  t.after(() => rmdirSync(cg));
  const id = loadDeviceProgram(cg, constantProgram(0));
  assert.ok(id > 0);
  const denied = openDevNullIn(cg);
  assert.match(denied, /rc=1/);
  assert.match(denied, /Operation not permitted/);
  // Allow-multi would run both programs; /dev/null only opens if the deny program was detached.
  const id2 = loadDeviceProgram(cg, constantProgram(1));
  assert.notEqual(id2, id);
  assert.match(openDevNullIn(cg), /rc=0/);
});

test('device program: errors name the cgroup and the failing step', () => {
  assert.throws(() => loadDeviceProgram('/nonexistent/wharf-cg', constantProgram(1)), /open cgroup \/nonexistent\/wharf-cg/);
  assert.throws(() => loadDeviceProgram('/tmp', new Uint8Array(3)), /insns: expected/);
  const cg = makeV2Cgroup();
  if (!cg) return;
  try {
    const noExit = Buffer.from(constantProgram(0).subarray(0, 8)); // falls off the end: rejected by the verifier
    assert.throws(() => loadDeviceProgram(cg, noExit), /load BPF_PROG_TYPE_CGROUP_DEVICE program/);
  } finally {
    rmdirSync(cg);
  }
});
