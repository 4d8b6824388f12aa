// Joining namespaces (exec-like), capabilities, no-new-privs + seccomp (root only).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS, type ChildOp } from '../../../src/runtime/ops.js';
import { spawnExecutor } from '../../../src/runtime/executor/index.js';
import { collect, containerSetup, makeRootfs, reap, removeRootfs, run } from './helpers.js';

const rootfs = makeRootfs();
after(() => removeRootfs(rootfs));
const NS = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS;

async function output(ops: ChildOp[], cloneFlags = NS): Promise<{ out: string; code: number | null }> {
  const h = await spawnExecutor({ pre: [], cloneFlags, ops }, { stdio: ['ignore', 'pipe', 'pipe'] });
  const [out, err] = [collect(h.stdout), collect(h.stderr)];
  const failure = await h.started.then(() => '', (e: Error) => e.message);
  const { code } = await h.exited;
  return { out: (await out) + (await err) + failure, code };
}

test('setns: a second process joins a running container\'s uts, pid and mount namespaces', async (t) => {
  const a = await spawnExecutor(
    { pre: [], cloneFlags: NS, ops: [{ op: 'sethostname', name: 'wharf-ns-a' }, ...containerSetup(rootfs), ...run(['sleep', '30'])] },
    { stdio: 'ignore' },
  );
  t.after(() => reap(a.pid));
  await a.started;
  const ns = (n: string) => `/proc/${a.pid}/ns/${n}`;
  const b = await spawnExecutor(
    {
      pre: [
        { op: 'setns', path: ns('uts'), nstype: CLONE_NEWUTS },
        { op: 'setns', path: ns('pid'), nstype: CLONE_NEWPID },
        { op: 'setns', path: ns('mnt'), nstype: CLONE_NEWNS },
      ],
      cloneFlags: 0,
      ops: [{ op: 'chdir', path: '/' }, ...run(['sh', '-c', 'hostname; echo $$; ls /'])],
    },
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const out = collect(b.stdout);
  assert.equal((await b.exited).code, 0);
  const [hostname, pidInside, ...entries] = (await out).split(/\s+/).filter(Boolean);
  assert.equal(hostname, 'wharf-ns-a');
  assert.ok(Number(pidInside) > 1 && Number(pidInside) < 100 && Number(pidInside) !== b.pid, `pid inside ${pidInside}`);
  assert.deepEqual(entries.sort(), ['bin', 'dev', 'etc', 'proc', 'tmp']);
  process.kill(a.pid, 'SIGKILL');
  await a.exited;
});

test('setns: a bad namespace path is reported as a pre-op error', async () => {
  const err = await spawnExecutor({ pre: [{ op: 'setns', path: '/proc/self/ns/no-such', nstype: 0 }], cloneFlags: 0, ops: run(['true']) })
    .then(() => null, (e: unknown) => e as { phase: string; opIndex: number; code: string });
  assert.equal(err?.phase, 'pre');
  assert.equal(err?.opIndex, 0);
  assert.equal(err?.code, 'ENOENT');
});

const CAP_CHOWN = 0n, CAP_KILL = 5n;
const SOME_CAPS = (1n << CAP_CHOWN) | (1n << CAP_KILL);
const caps = (ambient: bigint): ChildOp => ({ op: 'caps', bounding: SOME_CAPS, effective: SOME_CAPS, permitted: SOME_CAPS, inheritable: SOME_CAPS, ambient });
const probe = 'grep -E "^Cap(Eff|Bnd)" /proc/self/status; hostname wharf-cap-test; echo rc=$?';

test('caps: root keeps only the listed capabilities and loses CAP_SYS_ADMIN', async () => {
  const { out } = await output([...containerSetup(rootfs), caps(0n), ...run(['sh', '-c', probe])]);
  assert.match(out, /CapEff:\s+0000000000000021/);
  assert.match(out, /CapBnd:\s+0000000000000021/);
  assert.match(out, /rc=1/);
});

test('caps: a non-root user keeps ambient capabilities across exec', async () => {
  const ops: ChildOp[] = [
    ...containerSetup(rootfs), { op: 'keep-caps' }, { op: 'setgroups', gids: [] },
    { op: 'setresgid', gid: 1000 }, { op: 'setresuid', uid: 1000 }, caps(SOME_CAPS),
    ...run(['sh', '-c', 'grep -E "^Cap(Eff|Amb)" /proc/self/status; id -u']),
  ];
  const { out, code } = await output(ops);
  assert.equal(code, 0, out);
  assert.match(out, /CapEff:\s+0000000000000021/);
  assert.match(out, /CapAmb:\s+0000000000000021/);
  assert.match(out, /^1000$/m);
});

/** x86_64 filter: sethostname -> EPERM, everything else allowed. */
function denySethostname(): Uint8Array {
  const insn = (code: number, jt: number, jf: number, k: number) => {
    const b = Buffer.alloc(8);
    b.writeUInt16LE(code, 0); b.writeUInt8(jt, 2); b.writeUInt8(jf, 3); b.writeUInt32LE(k >>> 0, 4);
    return b;
  };
  return Buffer.concat([
    insn(0x20, 0, 0, 4), // ld arch
    insn(0x15, 0, 3, 0xc000003e), // x86_64? else allow
    insn(0x20, 0, 0, 0), // ld nr
    insn(0x15, 0, 1, 170), // sethostname?
    insn(0x06, 0, 0, 0x00050000 | 1), // SECCOMP_RET_ERRNO | EPERM
    insn(0x06, 0, 0, 0x7fff0000), // SECCOMP_RET_ALLOW
  ]);
}

test('seccomp: the filtered syscall fails with EPERM, the same command works without it', async () => {
  const script = 'hostname wharf-sc-test; echo rc=$?; hostname';
  const filtered = await output([...containerSetup(rootfs), { op: 'no-new-privs' }, { op: 'seccomp', filter: denySethostname(), flags: 0 }, ...run(['sh', '-c', script])]);
  assert.match(filtered.out, /rc=1/);
  assert.match(filtered.out, /Operation not permitted/);
  assert.doesNotMatch(filtered.out, /^wharf-sc-test$/m);
  const plain = await output([...containerSetup(rootfs), ...run(['sh', '-c', script])]);
  assert.match(plain.out, /rc=0\s+wharf-sc-test/);
});
