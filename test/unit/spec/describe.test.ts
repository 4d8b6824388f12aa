import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExecutorPlan } from '../../../src/runtime/ops.js';
import { CLONE_NEWNET } from '../../../src/runtime/ops.js';
import { describeFailure, errnoName } from '../../../src/runtime/spec/describe.js';
import { MS_BIND, MS_NOSUID, MS_RDONLY, MS_REC, MS_REMOUNT, MS_SLAVE } from '../../../src/runtime/spec/mountopts.js';

const plan: ExecutorPlan = {
  pre: [{ op: 'setns', path: '/proc/99999/ns/net', nstype: CLONE_NEWNET }],
  cloneFlags: 0,
  ops: [
    { op: 'mount-in', root: '/x/rootfs', source: 'proc', target: '/proc', fstype: 'proc', flags: 14, data: '' },
    { op: 'lookup', file: 'nosuchbin', path: '/bin' },
    { op: 'exec', file: '/app/run', argv: ['/app/run'], env: [], searchPath: '/bin' },
    { op: 'mount-in', root: '/x/rootfs', source: '/srv/data', target: '/data', fstype: '', flags: MS_BIND | MS_REC, data: '' },
    { op: 'mount-in', root: '/x/rootfs', source: '', target: '/data', fstype: '', flags: MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID, data: '' },
    { op: 'mount', source: '', target: '/', fstype: '', flags: MS_SLAVE | MS_REC, data: '' },
    { op: 'setresuid', uid: 1000 },
    { op: 'write-file', path: '/proc/sys/net/ipv4/ip_forward', data: '1' },
    { op: 'chdir', path: '/work' },
    { op: 'pivot-root', root: '/x/rootfs' },
    { op: 'setrlimit', resource: 7, soft: 10n, hard: 20n },
    { op: 'mknod', path: '/x/rootfs/dev/null', mode: 0o020666, major: 1, minor: 3, uid: 0, gid: 0 },
    { op: 'seccomp', filter: new Uint8Array(80), flags: 0 },
    { op: 'write-file', path: '/proc/self/oom_score_adj', data: '-500' },
  ],
};

test('errno numbers and names', () => {
  assert.equal(errnoName(2), 'ENOENT');
  assert.equal(errnoName(-1), 'EPERM');
  assert.equal(errnoName('EACCES'), 'EACCES');
  assert.equal(errnoName(100000), 'errno 100000');
});

test('messages name the operation, its subject and the errno', () => {
  assert.equal(describeFailure(plan, 0, 'EPERM'), 'mount /proc (proc) on /x/rootfs/proc: EPERM');
  assert.equal(describeFailure(plan, 1, 2), 'exec: "nosuchbin": executable file not found in $PATH');
  assert.equal(describeFailure(plan, 1, 'EACCES'), 'exec: "nosuchbin": permission denied');
  assert.equal(describeFailure(plan, 2, 'ENOENT'), 'exec: "/app/run": no such file or directory');
  assert.equal(describeFailure(plan, 2, 'ENOEXEC'), 'exec: "/app/run": exec format error');
  assert.equal(describeFailure(plan, 0, 'ENOENT', 'pre'), 'setns /proc/99999/ns/net: ENOENT (no such namespace path)');
  assert.equal(describeFailure(plan, 3, 'ENOENT'), 'mount /data (bind /srv/data) on /x/rootfs/data: ENOENT (source or target does not exist)');
  assert.equal(describeFailure(plan, 4, 'EPERM'), 'remount /data (MS_RDONLY|MS_NOSUID|MS_REMOUNT|MS_BIND) on /x/rootfs/data: EPERM');
  assert.equal(describeFailure(plan, 5, 'EINVAL'), 'set mount propagation MS_REC|MS_SLAVE on /: EINVAL');
  assert.equal(describeFailure(plan, 6, 'EINVAL'), 'setresuid 1000: EINVAL (uid not mapped in the user namespace)');
  assert.equal(describeFailure(plan, 7, 'EROFS'), 'sysctl net.ipv4.ip_forward=1: EROFS');
  assert.equal(describeFailure(plan, 8, 'ENOENT'), 'chdir to cwd "/work": ENOENT (no such directory in the container)');
  assert.match(describeFailure(plan, 9, 'EINVAL'), /^pivot_root \/x\/rootfs: EINVAL \(the rootfs must be a mount point/);
  assert.equal(describeFailure(plan, 10, 'EPERM'), 'setrlimit RLIMIT_NOFILE (soft 10, hard 20): EPERM');
  assert.equal(describeFailure(plan, 11, 'EPERM'), 'mknod /x/rootfs/dev/null (c 1:3): EPERM');
  assert.equal(describeFailure(plan, 12, 'EINVAL'), 'load seccomp filter (10 instructions): EINVAL');
  assert.equal(describeFailure(plan, 13, 'EACCES'), 'set oom_score_adj to -500: EACCES');
  assert.equal(describeFailure(plan, 99, 'EIO'), 'container setup failed at step 99: EIO');
});

test('executor failure reports are accepted as objects', () => {
  assert.equal(describeFailure(plan, { phase: 'pre', opIndex: 0, errno: 2, code: 'ENOENT', detail: '' }),
    'setns /proc/99999/ns/net: ENOENT (no such namespace path)');
  assert.equal(describeFailure(plan, { phase: 'child', opIndex: 1, errno: 2 }), 'exec: "nosuchbin": executable file not found in $PATH');
  assert.equal(describeFailure(plan, { phase: 'setup', opIndex: -1, errno: 12, code: 'ENOMEM', detail: 'clone' }), 'executor setup failed: ENOMEM: clone');
});
