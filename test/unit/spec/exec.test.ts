import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUSER, CLONE_NEWUTS } from '../../../src/runtime/ops.js';
import { compileExec } from '../../../src/runtime/spec/compile.js';
import { dockerDefaultSpec } from '../../../src/runtime/spec/defaults.js';
import type { Process } from '../../../src/runtime/spec/types.js';

const filter = { filter: new Uint8Array(8), flags: 1 };

function container() {
  const spec = dockerDefaultSpec('rootfs', ['sleep', 'inf']);
  spec.linux!.namespaces = [
    { type: 'mount' }, { type: 'network', path: '/run/netns/x' }, { type: 'uts' }, { type: 'pid' }, { type: 'ipc' },
    { type: 'user' }, { type: 'cgroup' },
  ];
  spec.linux!.seccomp = { defaultAction: 'SCMP_ACT_ERRNO' };
  return spec;
}

const proc: Process = {
  args: ['ps', 'aux'], cwd: '/tmp', env: ['PATH=/bin:/usr/bin'], user: { uid: 33, gid: 33, umask: 0o077 },
  capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] }, noNewPrivileges: true,
};

test('exec joins every namespace of the container through /proc/<pid>/ns, user first, mount last', () => {
  const plan = compileExec(container(), 4242, proc, { seccompFilter: filter });
  assert.equal(plan.cloneFlags, 0);
  assert.deepEqual(plan.pre, [
    { op: 'setns', path: '/proc/4242/ns/user', nstype: CLONE_NEWUSER },
    { op: 'setns', path: '/proc/4242/ns/ipc', nstype: CLONE_NEWIPC },
    { op: 'setns', path: '/proc/4242/ns/uts', nstype: CLONE_NEWUTS },
    { op: 'setns', path: '/proc/4242/ns/net', nstype: CLONE_NEWNET },
    { op: 'setns', path: '/proc/4242/ns/pid', nstype: CLONE_NEWPID },
    { op: 'setns', path: '/proc/4242/ns/cgroup', nstype: CLONE_NEWCGROUP },
    { op: 'setns', path: '/proc/4242/ns/mnt', nstype: CLONE_NEWNS },
  ]);
});

test('exec becomes the configured process: no mounts, no barrier, seccomp last with NNP', () => {
  const ops = compileExec(container(), 4242, proc, { seccompFilter: filter }).ops;
  assert.deepEqual(ops.map((o) => o.op), [
    'sync-parent', 'setsid', 'umask', 'no-new-privs', 'caps', 'keep-caps', 'setgroups', 'setresgid', 'setresuid', 'chdir', 'caps',
    'lookup', 'close-fds', 'seccomp', 'exec',
  ]);
  assert.deepEqual(ops.find((o) => o.op === 'umask'), { op: 'umask', mask: 0o077 });
  assert.deepEqual(ops.find((o) => o.op === 'chdir'), { op: 'chdir', path: '/tmp' });
  assert.deepEqual(ops.find((o) => o.op === 'setresuid'), { op: 'setresuid', uid: 33 });
  assert.deepEqual(ops.at(-1), { op: 'exec', file: 'ps', argv: ['ps', 'aux'], env: ['PATH=/bin:/usr/bin'], searchPath: '/bin:/usr/bin' });
});

test('exec with a terminal and without no_new_privileges', () => {
  const p: Process = { ...proc, terminal: true, noNewPrivileges: false, env: [] };
  const ops = compileExec(container(), 7, p, { seccompFilter: filter, consoleSocket: '/tmp/c.sock', preserveFds: 2 }).ops;
  assert.deepEqual(ops.slice(0, 3), [{ op: 'sync-parent' }, { op: 'setsid' }, { op: 'pty', consoleSocket: '/tmp/c.sock' }]);
  const seccomp = ops.findIndex((o) => o.op === 'seccomp');
  assert.ok(seccomp >= 0 && seccomp < ops.findIndex((o) => o.op === 'setresuid'));
  assert.deepEqual(ops.find((o) => o.op === 'close-fds'), { op: 'close-fds', from: 5 });
  // No PATH in the environment: Docker's default search path.
  assert.equal(ops.find((o) => o.op === 'lookup')?.op === 'lookup' && (ops.find((o) => o.op === 'lookup') as { path: string }).path,
    '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
});

test('exec without a user namespace does not join one; bad input is refused', () => {
  const spec = dockerDefaultSpec('rootfs', ['true']);
  const plan = compileExec(spec, 99, { args: ['true'], cwd: '/' });
  assert.deepEqual(plan.pre.map((p) => (p.op === 'setns' ? p.path : p.op)), ['/proc/99/ns/ipc', '/proc/99/ns/uts', '/proc/99/ns/net', '/proc/99/ns/pid', '/proc/99/ns/mnt']);
  assert.throws(() => compileExec(spec, 0, { args: ['true'], cwd: '/' }), /invalid container pid 0/);
  assert.throws(() => compileExec(spec, 99, { args: [], cwd: '/' }), /process\.args: must be a non-empty array/);
  assert.throws(() => compileExec(container(), 99, proc), /linux\.seccomp: no compiled filter was supplied/);
});
