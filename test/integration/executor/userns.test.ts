// User namespaces: onPid writes the id maps while the init waits at sync-parent (root only).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUSER, CLONE_NEWUTS, type ChildOp } from '../../../src/runtime/ops.js';
import { spawnExecutor } from '../../../src/runtime/executor/index.js';
import { collect, containerSetup, gone, makeRootfs, removeRootfs, run, until } from './helpers.js';

const rootfs = makeRootfs();
chmodSync(join(rootfs, 'tmp'), 0o1777);
after(() => removeRootfs(rootfs));
const NS = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS;
const HOST_BASE = 200000;

function writeMaps(pid: number): void {
  writeFileSync(`/proc/${pid}/uid_map`, `0 ${HOST_BASE} 65536\n`);
  writeFileSync(`/proc/${pid}/setgroups`, 'deny');
  writeFileSync(`/proc/${pid}/gid_map`, `0 ${HOST_BASE} 65536\n`);
}

test('user namespace: maps written in onPid before continue; root inside is uid 200000 outside', async () => {
  const ops: ChildOp[] = [
    { op: 'sync-parent' },
    // Clone keeps the host kuid 0, unmapped in the new namespace: become the mapped root first.
    { op: 'setresgid', gid: 0 },
    { op: 'setresuid', uid: 0 },
    { op: 'sethostname', name: 'wharf-userns' },
    ...containerSetup(rootfs),
    ...run(['sh', '-c', 'id -u; hostname; echo x > /tmp/made-inside']),
  ];
  let mappedBeforeContinue = false;
  const h = await spawnExecutor({ pre: [], cloneFlags: NS, ops }, {
    stdio: ['ignore', 'pipe', 'inherit'],
    onPid: async (pid) => {
      await new Promise((r) => setTimeout(r, 20)); // async work must finish before continue
      writeMaps(pid);
      mappedBeforeContinue = true;
    },
  });
  assert.ok(mappedBeforeContinue);
  const out = collect(h.stdout);
  await h.started;
  assert.equal((await h.exited).code, 0);
  assert.deepEqual((await out).split(/\s+/).filter(Boolean), ['0', 'wharf-userns']);
  assert.equal(statSync(join(rootfs, 'tmp', 'made-inside')).uid, HOST_BASE);
});

test('onPid failure kills the waiting init and rejects spawnExecutor', async () => {
  let pid = 0;
  const err = await spawnExecutor(
    { pre: [], cloneFlags: NS, ops: [{ op: 'sync-parent' }, ...run(['/bin/true'])] },
    { stdio: 'ignore', onPid: (p) => { pid = p; throw new Error('cgroup join failed'); } },
  ).then(() => null, (e: Error) => e);
  assert.equal(err?.message, 'cgroup join failed');
  await until(() => pid > 0 && gone(pid), 2000, 'init killed');
});
