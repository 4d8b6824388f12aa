import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import type { ChildOp } from '../../../src/runtime/ops.js';
import {
  CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWTIME, CLONE_NEWUSER, CLONE_NEWUTS,
} from '../../../src/runtime/ops.js';
import { compileSpec, type CompileContext } from '../../../src/runtime/spec/compile.js';
import { dockerDefaultSpec } from '../../../src/runtime/spec/defaults.js';
import { SpecError } from '../../../src/runtime/spec/errors.js';
import {
  MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_REMOUNT, MS_SHARED, MS_SLAVE, MS_STRICTATIME,
} from '../../../src/runtime/spec/mountopts.js';
import type { Spec } from '../../../src/runtime/spec/types.js';
import { validateSpec } from '../../../src/runtime/spec/validate.js';
import { MOUNTINFO_V1, MOUNTINFO_V2, fakeHost, makeBundle, type Bundle } from './helpers.js';

let b: Bundle;
beforeEach(() => { b = makeBundle(); });
afterEach(() => b.cleanup());

const filter = { filter: new Uint8Array(16), flags: 0 };

function ctx(extra: Partial<CompileContext> = {}): CompileContext {
  return { bundle: b.dir, startMode: 'wait-start', host: fakeHost(), ...extra };
}

/** Docker-like config: defaults plus a user, limits, a sysctl, binds, a tmpfs and seccomp. */
function dockerLike(): Spec {
  const spec = dockerDefaultSpec('rootfs', ['nginx', '-g', 'daemon off;']);
  const p = spec.process!;
  p.user = { uid: 1000, gid: 1000, additionalGids: [10, 1000] };
  p.env = ['PATH=/usr/sbin:/usr/bin', 'HOME=/'];
  p.noNewPrivileges = true;
  p.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }];
  p.oomScoreAdj = 100;
  spec.root!.readonly = true;
  spec.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
  spec.linux!.seccomp = { defaultAction: 'SCMP_ACT_ERRNO' };
  spec.mounts!.push(
    { destination: '/data', type: 'bind', source: 'hostdata', options: ['rbind', 'ro', 'nosuid'] },
    { destination: '/etc/hosts', type: 'bind', source: join(b.dir, 'hosts'), options: ['bind', 'rprivate'] },
    { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=755', 'size=1m'] },
  );
  return validateSpec(JSON.parse(JSON.stringify(spec)));
}

function at(ops: ChildOp[], pred: (op: ChildOp) => boolean, what: string): number {
  const i = ops.findIndex(pred);
  assert.ok(i >= 0, `plan has ${what}`);
  return i;
}

function mountAt(ops: ChildOp[], target: string, what = `a mount on ${target}`): number {
  return at(ops, (op) => (op.op === 'mount' || op.op === 'mount-in') && op.target === target, what);
}

function mountsOn(ops: ChildOp[], target: string): Extract<ChildOp, { op: 'mount' | 'mount-in' }>[] {
  return ops.filter((op): op is Extract<ChildOp, { op: 'mount' | 'mount-in' }> => (op.op === 'mount' || op.op === 'mount-in') && op.target === target);
}

function assertOrdered(indexes: [string, number][]): void {
  for (let i = 1; i < indexes.length; i++) {
    assert.ok(indexes[i - 1]![1] < indexes[i]![1], `${indexes[i - 1]![0]} (op ${indexes[i - 1]![1]}) comes before ${indexes[i]![0]} (op ${indexes[i]![1]})`);
  }
}

test('Docker-like config: namespaces, order of mounts, pivot, identity, caps, seccomp and exec', () => {
  const plan = compileSpec(dockerLike(), ctx({ seccompFilter: filter }));
  assert.deepEqual(plan.pre, []);
  assert.equal(plan.cloneFlags, CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWIPC);
  const ops = plan.ops;
  assert.deepEqual(ops[0], { op: 'sync-parent' });
  const rootfs = b.rootfs;
  assertOrdered([
    ['oom_score_adj', at(ops, (o) => o.op === 'write-file' && o.path === '/proc/self/oom_score_adj' && o.data === '100', 'oom score')],
    ['setsid', at(ops, (o) => o.op === 'setsid', 'setsid')],
    ['/ rslave', at(ops, (o) => o.op === 'mount' && o.target === '/' && o.flags === (MS_SLAVE | MS_REC), 'rslave on /')],
    ['rootfs bind', at(ops, (o) => o.op === 'mount' && o.source === rootfs && o.target === rootfs && o.flags === (MS_BIND | MS_REC), 'rootfs bind')],
    ['/proc', mountAt(ops, '/proc')],
    ['/dev', mountAt(ops, '/dev')],
    ['/dev/pts', mountAt(ops, '/dev/pts')],
    ['/data', mountAt(ops, '/data')],
    ['mknod /dev/null', at(ops, (o) => o.op === 'mknod' && o.path === `${rootfs}/dev/null`, 'mknod null')],
    ['pivot_root', at(ops, (o) => o.op === 'pivot-root' && o.root === rootfs, 'pivot-root')],
    ['ro rootfs', at(ops, (o) => o.op === 'mount' && o.target === '/' && (o.flags & MS_REMOUNT) !== 0, 'read-only rootfs remount')],
    ['hostname', at(ops, (o) => o.op === 'sethostname' && o.name === 'wharf', 'sethostname')],
    ['sysctl', at(ops, (o) => o.op === 'write-file' && o.path === '/proc/sys/net/ipv4/ip_forward' && o.data === '1', 'sysctl')],
    ['readonly /proc/sys', mountAt(ops, '/proc/sys')],
    ['masked /proc/kcore', mountAt(ops, '/proc/kcore')],
    ['umask', at(ops, (o) => o.op === 'umask' && o.mask === 0o022, 'umask 022')],
    ['setrlimit', at(ops, (o) => o.op === 'setrlimit' && o.resource === 7 && o.soft === 1024n && o.hard === 4096n, 'RLIMIT_NOFILE')],
    ['no-new-privs', at(ops, (o) => o.op === 'no-new-privs', 'no-new-privs')],
    ['bounding caps', at(ops, (o) => o.op === 'caps', 'caps before the user switch')],
    ['keep-caps', at(ops, (o) => o.op === 'keep-caps', 'keep-caps')],
    ['setgroups', at(ops, (o) => o.op === 'setgroups' && o.gids.join() === '10,1000', 'setgroups')],
    ['setresgid', at(ops, (o) => o.op === 'setresgid' && o.gid === 1000, 'setresgid 1000')],
    ['setresuid', at(ops, (o) => o.op === 'setresuid' && o.uid === 1000, 'setresuid 1000')],
    ['chdir', at(ops, (o) => o.op === 'chdir' && o.path === '/', 'chdir cwd')],
    ['final caps', ops.map((o) => o.op).lastIndexOf('caps')],
    ['lookup', at(ops, (o) => o.op === 'lookup' && o.file === 'nginx' && o.path === '/usr/sbin:/usr/bin', 'lookup with PATH from env')],
    ['wait-start', at(ops, (o) => o.op === 'wait-start', 'wait-start')],
    ['close-fds', at(ops, (o) => o.op === 'close-fds' && o.from === 3, 'close-fds')],
    ['seccomp', at(ops, (o) => o.op === 'seccomp' && o.filter === filter.filter, 'seccomp')],
    ['exec', ops.length - 1],
  ]);
  assert.deepEqual(ops.at(-1), {
    op: 'exec', file: 'nginx', argv: ['nginx', '-g', 'daemon off;'], env: ['PATH=/usr/sbin:/usr/bin', 'HOME=/'], searchPath: '/usr/sbin:/usr/bin',
  });
  const caps = ops.filter((o) => o.op === 'caps');
  assert.equal(caps.length, 2);
  for (const c of caps) assert.deepEqual(c, { op: 'caps', bounding: 0xa80425fbn, effective: 0xa80425fbn, permitted: 0xa80425fbn, inheritable: 0n, ambient: 0n });
  assert.equal(ops.filter((o) => o.op === 'pivot-root').length, 1);
  assert.equal(ops.filter((o) => o.op === 'seccomp').length, 1);
});

test('mount flags and data come from the options', () => {
  const ops = compileSpec(dockerLike(), ctx({ seccompFilter: filter })).ops;
  const [proc] = mountsOn(ops, '/proc');
  assert.deepEqual(proc, { op: 'mount-in', root: b.rootfs, source: 'proc', target: '/proc', fstype: 'proc', flags: MS_NOSUID | MS_NOEXEC | MS_NODEV, data: '' });
  const [dev] = mountsOn(ops, '/dev');
  assert.equal(dev?.fstype, 'tmpfs');
  assert.equal(dev?.flags, MS_NOSUID | MS_STRICTATIME);
  assert.equal(dev?.data, 'mode=755,size=65536k');
  const [pts] = mountsOn(ops, '/dev/pts');
  assert.equal(pts?.data, 'newinstance,ptmxmode=0666,mode=0620,gid=5');
  const [shm] = mountsOn(ops, '/dev/shm');
  assert.equal(shm?.flags, MS_NOSUID | MS_NOEXEC | MS_NODEV);
  // /sys is read-only but /sys/fs/cgroup goes below it: mounted writable, made read-only at the end.
  const sys = mountsOn(ops, '/sys');
  assert.equal(sys.length, 2);
  assert.equal(sys[0]!.flags & MS_RDONLY, 0);
  assert.equal(sys[1]!.flags, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  assert.ok(ops.indexOf(sys[1]!) > mountAt(ops, '/sys/fs/cgroup/memory'), 'the read-only remount comes after the nested mounts');
});

test('bind mounts: target created by kind, then a remount for ro/nosuid, then propagation', () => {
  const ops = compileSpec(dockerLike(), ctx({ seccompFilter: filter })).ops;
  const data = mountsOn(ops, '/data');
  assert.deepEqual(data.map((m) => [m.source, m.flags]), [
    [join(b.dir, 'hostdata'), MS_BIND | MS_REC],
    ['', MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID],
  ]);
  const dataIndex = ops.indexOf(data[0]!);
  assert.deepEqual(ops[dataIndex - 1], { op: 'mkdir', path: `${b.rootfs}/data`, mode: 0o755, parents: true });
  const hosts = mountsOn(ops, '/etc/hosts');
  assert.deepEqual(hosts.map((m) => m.flags), [MS_BIND, MS_PRIVATE | MS_REC], 'no remount without extra flags; rprivate separately');
  assert.deepEqual(ops[ops.indexOf(hosts[0]!) - 1], { op: 'touch', path: `${b.rootfs}/etc/hosts`, mode: 0o644 });
  // Existing directories in the rootfs are not created again.
  assert.ok(!ops.some((o) => o.op === 'mkdir' && o.path === `${b.rootfs}/proc`));
  assert.ok(ops.some((o) => o.op === 'mkdir' && o.path === `${b.rootfs}/run`));
});

test('/dev is populated: device nodes, fd links, ptmx into the new devpts', () => {
  const ops = compileSpec(dockerLike(), ctx({ seccompFilter: filter })).ops;
  const nodes = ops.filter((o): o is Extract<ChildOp, { op: 'mknod' }> => o.op === 'mknod');
  assert.deepEqual(nodes.map((n) => `${n.path.slice(b.rootfs.length)} ${n.mode.toString(8)} ${n.major}:${n.minor}`), [
    '/dev/null 20666 1:3', '/dev/zero 20666 1:5', '/dev/full 20666 1:7', '/dev/random 20666 1:8', '/dev/urandom 20666 1:9', '/dev/tty 20666 5:0',
  ]);
  const umask0 = at(ops, (o) => o.op === 'umask' && o.mask === 0, 'umask 0 before creating nodes');
  assert.ok(umask0 < ops.indexOf(nodes[0]!));
  const links = ops.filter((o): o is Extract<ChildOp, { op: 'symlink' }> => o.op === 'symlink' && o.path.startsWith(`${b.rootfs}/dev/`));
  const byName = new Map(links.map((l) => [l.path.slice(b.rootfs.length), l.target]));
  assert.equal(byName.get('/dev/fd'), '/proc/self/fd');
  assert.equal(byName.get('/dev/stdin'), '/proc/self/fd/0');
  assert.equal(byName.get('/dev/stdout'), '/proc/self/fd/1');
  assert.equal(byName.get('/dev/stderr'), '/proc/self/fd/2');
  assert.equal(byName.get('/dev/ptmx'), 'pts/ptmx');
  assert.equal(byName.get('/dev/core'), '/proc/kcore');
});

test('masked paths: /dev/null over files, read-only tmpfs over directories, absent ones skipped', () => {
  const ops = compileSpec(dockerLike(), ctx({ seccompFilter: filter })).ops;
  const pivot = at(ops, (o) => o.op === 'pivot-root', 'pivot');
  assert.deepEqual(mountsOn(ops, '/proc/kcore'), [{ op: 'mount', source: '/dev/null', target: '/proc/kcore', fstype: '', flags: MS_BIND, data: '' }]);
  assert.deepEqual(mountsOn(ops, '/proc/acpi'), [{ op: 'mount', source: 'tmpfs', target: '/proc/acpi', fstype: 'tmpfs', flags: MS_RDONLY, data: '' }]);
  assert.equal(mountsOn(ops, '/sys/firmware')[0]?.fstype, 'tmpfs');
  assert.equal(mountsOn(ops, '/proc/asound').length, 0, 'absent on this kernel');
  assert.equal(mountsOn(ops, '/proc/latency_stats').length, 0);
  assert.ok(mountAt(ops, '/proc/kcore') > pivot);
});

test('read-only paths: bind onto itself, then remount read-only keeping the /proc flags', () => {
  const ops = compileSpec(dockerLike(), ctx({ seccompFilter: filter })).ops;
  for (const path of ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']) {
    assert.deepEqual(mountsOn(ops, path).map((m) => [m.source, m.flags]), [
      [path, MS_BIND | MS_REC],
      [path, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC],
    ], path);
  }
  assert.ok(mountAt(ops, '/proc/sys') > at(ops, (o) => o.op === 'write-file' && o.path.startsWith('/proc/sys/'), 'sysctl'), 'sysctls are written before /proc/sys turns read-only');
  assert.deepEqual(mountsOn(ops, '/').find((m) => m.op === 'mount' && m.flags & MS_REMOUNT)?.flags, MS_BIND | MS_REMOUNT | MS_RDONLY);
});

test('without no_new_privileges seccomp loads before the user switch and caps drop', () => {
  const spec = dockerLike();
  spec.process!.noNewPrivileges = false;
  const ops = compileSpec(spec, ctx({ seccompFilter: filter })).ops;
  assert.equal(ops.some((o) => o.op === 'no-new-privs'), false);
  const seccomp = at(ops, (o) => o.op === 'seccomp', 'seccomp');
  assert.ok(seccomp < at(ops, (o) => o.op === 'keep-caps', 'keep-caps'));
  assert.ok(seccomp < at(ops, (o) => o.op === 'setresuid' && o.uid === 1000, 'setresuid'));
});

test('cgroup v1 host: tmpfs with a mount per hierarchy, comount links, read-only at the end', () => {
  const ops = compileSpec(dockerLike(), ctx({ seccompFilter: filter, host: fakeHost(MOUNTINFO_V1) })).ops;
  const root = mountsOn(ops, '/sys/fs/cgroup');
  assert.equal(root[0]?.fstype, 'tmpfs');
  assert.equal(root.at(-1)?.flags, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  const ro = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  assert.deepEqual(mountsOn(ops, '/sys/fs/cgroup/cpu,cpuacct').map((m) => [m.fstype, m.data, m.flags]), [['cgroup', 'cpu,cpuacct', ro]]);
  assert.deepEqual(mountsOn(ops, '/sys/fs/cgroup/memory').map((m) => [m.fstype, m.data]), [['cgroup', 'memory']]);
  assert.deepEqual(mountsOn(ops, '/sys/fs/cgroup/systemd').map((m) => [m.fstype, m.data]), [['cgroup', 'none,name=systemd']]);
  assert.deepEqual(mountsOn(ops, '/sys/fs/cgroup/unified').map((m) => m.fstype), ['cgroup2']);
  const links = ops.filter((o) => o.op === 'symlink' && o.path.startsWith(`${b.rootfs}/sys/fs/cgroup/`));
  assert.deepEqual(links, [
    { op: 'symlink', target: 'cpu,cpuacct', path: `${b.rootfs}/sys/fs/cgroup/cpu` },
    { op: 'symlink', target: 'cpu,cpuacct', path: `${b.rootfs}/sys/fs/cgroup/cpuacct` },
  ]);
});

test('cgroup v2 host: a single cgroup2 mount', () => {
  const ops = compileSpec(dockerLike(), ctx({ seccompFilter: filter, host: fakeHost(MOUNTINFO_V2) })).ops;
  assert.deepEqual(mountsOn(ops, '/sys/fs/cgroup').map((m) => [m.source, m.fstype, m.flags]), [
    ['cgroup', 'cgroup2', MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC],
  ]);
  assert.equal(ops.some((o) => (o.op === 'mount-in') && o.target.startsWith('/sys/fs/cgroup/')), false);
});

test('joined namespaces become pre setns ops, user first and mount last', () => {
  const spec = dockerLike();
  spec.linux!.namespaces = [
    { type: 'network', path: '/run/netns/web' }, { type: 'mount' }, { type: 'uts' }, { type: 'ipc', path: '/proc/42/ns/ipc' },
    { type: 'user', path: '/proc/42/ns/user' }, { type: 'pid' },
  ];
  spec.process!.user = { uid: 0, gid: 0 };
  const plan = compileSpec(spec, ctx({ seccompFilter: filter }));
  assert.deepEqual(plan.pre, [
    { op: 'setns', path: '/proc/42/ns/user', nstype: CLONE_NEWUSER },
    { op: 'setns', path: '/proc/42/ns/ipc', nstype: CLONE_NEWIPC },
    { op: 'setns', path: '/run/netns/web', nstype: CLONE_NEWNET },
  ]);
  assert.equal(plan.cloneFlags, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWPID);
  // In a (joined) user namespace mknod is refused: device nodes are bind mounts of the host's.
  assert.equal(plan.ops.some((o) => o.op === 'mknod'), false);
  const nullMount = mountsOn(plan.ops, '/dev/null');
  assert.deepEqual(nullMount, [{ op: 'mount-in', root: b.rootfs, source: '/dev/null', target: '/dev/null', fstype: '', flags: MS_BIND, data: '' }]);
  assert.deepEqual(plan.ops[plan.ops.indexOf(nullMount[0]!) - 1], { op: 'touch', path: `${b.rootfs}/dev/null`, mode: 0o644 });
  // No new network namespace: sysfs comes from the host's /sys.
  assert.equal(mountsOn(plan.ops, '/sys')[0]?.source, '/sys');
});

test('new user namespace: clone flag, become its root after the parent wrote the maps', () => {
  const spec = dockerLike();
  spec.linux!.namespaces!.push({ type: 'user' }, { type: 'cgroup' });
  spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  validateSpec(spec);
  const plan = compileSpec(spec, ctx({ seccompFilter: filter }));
  assert.equal(plan.cloneFlags & CLONE_NEWUSER, CLONE_NEWUSER);
  assert.equal(plan.cloneFlags & CLONE_NEWCGROUP, CLONE_NEWCGROUP);
  // oom_score_adj is written first: once root of the new namespace, /proc/self is no longer ours to write.
  assert.deepEqual(plan.ops.slice(0, 4), [
    { op: 'sync-parent' }, { op: 'write-file', path: '/proc/self/oom_score_adj', data: '100' },
    { op: 'setresgid', gid: 0 }, { op: 'setresuid', uid: 0 },
  ]);
  // A bind remount inside the user namespace keeps the source's locked flags (here none beyond ro).
  const data = mountsOn(plan.ops, '/data');
  assert.equal(data[1]!.flags & (MS_RDONLY | MS_NOSUID), MS_RDONLY | MS_NOSUID);
  // cgroup v1 is not mountable from a user namespace: the host hierarchies are bound instead.
  const memory = mountsOn(plan.ops, '/sys/fs/cgroup/memory');
  assert.deepEqual(memory.map((m) => [m.source, m.flags]), [
    ['/sys/fs/cgroup/memory', MS_BIND | MS_REC],
    ['', MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC],
  ]);
});

test('bind remount in a user namespace repeats the flags the host mount locks', () => {
  const spec = dockerLike();
  spec.linux!.namespaces!.push({ type: 'user' });
  spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  spec.mounts!.push({ destination: '/srv', type: 'bind', source: '/srv/ro data', options: ['rbind', 'noexec'] });
  const host = fakeHost();
  const plan = compileSpec(spec, ctx({ seccompFilter: filter, host: { ...host, kind: (p) => (p === '/srv/ro data' ? 'dir' : host.kind(p)) } }));
  const srv = mountsOn(plan.ops, '/srv');
  assert.equal(srv[1]!.flags, MS_BIND | MS_REMOUNT | MS_NOEXEC | MS_RDONLY | MS_NOSUID | MS_NODEV);
});

test('rootfs propagation: private as configured; shared also privatises the parent mount', () => {
  const spec = dockerLike();
  spec.linux!.rootfsPropagation = 'private';
  let ops = compileSpec(spec, ctx({ seccompFilter: filter })).ops;
  assert.equal(mountsOn(ops, '/')[0]?.flags, MS_PRIVATE);
  spec.linux!.rootfsPropagation = 'shared';
  spec.root!.path = '/mnt/shared/c1/rootfs';
  const host = fakeHost();
  ops = compileSpec(spec, ctx({ seccompFilter: filter, host: { ...host, kind: (p) => (p.startsWith('/mnt/shared/') ? 'dir' : host.kind(p)) } })).ops;
  assert.deepEqual(ops.filter((o) => o.op === 'mount').slice(0, 3).map((o) => o.op === 'mount' && [o.target, o.flags]), [
    ['/', MS_SHARED], ['/mnt/shared', MS_PRIVATE], ['/mnt/shared/c1/rootfs', MS_BIND | MS_REC],
  ]);
});

test('mount destinations are resolved inside the rootfs: symlinks cannot lead out', () => {
  mkdirSync(join(b.rootfs, 'var/lib'), { recursive: true });
  symlinkSync('/../../../../etc', join(b.rootfs, 'var/lib/evil'));
  symlinkSync('lib', join(b.rootfs, 'var/alias'));
  const spec = dockerLike();
  spec.mounts!.push(
    { destination: '/var/lib/evil/x', type: 'tmpfs', source: 'tmpfs' },
    { destination: '/var/alias/y', type: 'tmpfs', source: 'tmpfs' },
  );
  const ops = compileSpec(spec, ctx({ seccompFilter: filter })).ops;
  assert.equal(mountsOn(ops, '/etc/x').length, 1, 'absolute link resolved against the rootfs');
  assert.ok(ops.some((o) => o.op === 'mkdir' && o.path === `${b.rootfs}/etc/x`));
  assert.equal(mountsOn(ops, '/var/lib/y').length, 1, 'relative link followed');
});

test('start barrier: open-fifo for the CLI; terminal gets a pty after pivot_root', () => {
  const spec = dockerLike();
  spec.process!.terminal = true;
  const ops = compileSpec(spec, ctx({ seccompFilter: filter, startMode: 'open-fifo', fifoPath: '/run/wharf/c1/exec.fifo', consoleSocket: '/tmp/console.sock' })).ops;
  assert.equal(ops.some((o) => o.op === 'wait-start'), false);
  const fifo = at(ops, (o) => o.op === 'open-fifo' && o.path === '/run/wharf/c1/exec.fifo', 'open-fifo');
  assert.ok(fifo < at(ops, (o) => o.op === 'exec', 'exec'));
  const pty = at(ops, (o) => o.op === 'pty' && o.consoleSocket === '/tmp/console.sock', 'pty');
  assert.ok(pty > at(ops, (o) => o.op === 'pivot-root', 'pivot'));
  assert.ok(pty > at(ops, (o) => o.op === 'setsid', 'setsid'));
  assert.throws(() => compileSpec(spec, ctx({ seccompFilter: filter, startMode: 'open-fifo' })), /fifo path/);
});

test('missing cwd is created before pivot_root; existing one is not', () => {
  const spec = dockerLike();
  spec.process!.cwd = '/srv/app';
  let ops = compileSpec(spec, ctx({ seccompFilter: filter })).ops;
  const mk = at(ops, (o) => o.op === 'mkdir' && o.path === `${b.rootfs}/srv/app`, 'mkdir cwd');
  assert.ok(mk < at(ops, (o) => o.op === 'pivot-root', 'pivot'));
  assert.ok(ops.some((o) => o.op === 'chdir' && o.path === '/srv/app'));
  spec.process!.cwd = '/etc';
  ops = compileSpec(spec, ctx({ seccompFilter: filter })).ops;
  assert.equal(ops.some((o) => o.op === 'mkdir' && o.path === `${b.rootfs}/etc`), false);
});

test('time namespace: unshared with its offsets, never a clone flag', () => {
  const spec = dockerLike();
  spec.linux!.namespaces!.push({ type: 'time' });
  spec.linux!.timeOffsets = { monotonic: { secs: 86400 }, boottime: { secs: 1, nanosecs: 5 } };
  validateSpec(spec);
  const plan = compileSpec(spec, ctx({ seccompFilter: filter }));
  assert.equal(plan.cloneFlags & CLONE_NEWTIME, 0);
  const u = at(plan.ops, (o) => o.op === 'unshare' && o.flags === CLONE_NEWTIME, 'unshare time');
  assert.deepEqual(plan.ops[u + 1], { op: 'write-file', path: '/proc/self/timens_offsets', data: 'monotonic 86400 0\nboottime 1 5\n' });
});

test('configured devices are created too, replacing defaults with the same path', () => {
  const spec = dockerLike();
  spec.linux!.devices = [
    { type: 'c', path: '/dev/net/tun', major: 10, minor: 200, fileMode: 0o600, uid: 0, gid: 0 },
    { type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o600 },
  ];
  const ops = compileSpec(spec, ctx({ seccompFilter: filter })).ops;
  const tun = at(ops, (o) => o.op === 'mknod' && o.path === `${b.rootfs}/dev/net/tun` && o.mode === (0o020000 | 0o600) && o.major === 10 && o.minor === 200, 'tun');
  assert.deepEqual(ops[tun - 1], { op: 'mkdir', path: `${b.rootfs}/dev/net`, mode: 0o755, parents: true });
  const nulls = ops.filter((o) => o.op === 'mknod' && o.path.endsWith('/dev/null'));
  assert.equal(nulls.length, 1);
  assert.equal(nulls[0]!.op === 'mknod' && nulls[0]!.mode, 0o020000 | 0o600);
});

test('bad inputs to compile name the field', () => {
  const missingSource = dockerLike();
  missingSource.mounts!.push({ destination: '/x', type: 'bind', source: '/nonexistent/wharf-src', options: ['bind'] });
  assert.throws(() => compileSpec(missingSource, ctx({ seccompFilter: filter })), (e: unknown) =>
    e instanceof SpecError && e.message === 'mounts[10].source: /nonexistent/wharf-src does not exist');
  assert.throws(() => compileSpec(dockerLike(), ctx()), /linux\.seccomp: no compiled filter was supplied/);
  const overRoot = dockerLike();
  overRoot.mounts!.push({ destination: '/', type: 'tmpfs', source: 'tmpfs' });
  assert.throws(() => compileSpec(overRoot, ctx({ seccompFilter: filter })), /mounts\[10\]\.destination: cannot mount over the root/);
  const noProcess = dockerLike();
  delete noProcess.process;
  assert.throws(() => compileSpec(noProcess, ctx({ seccompFilter: filter })), /process: is required/);
});

test('capability sets map to separate masks; no capabilities means no caps op', () => {
  const spec = dockerLike();
  spec.process!.capabilities = { bounding: ['CAP_NET_ADMIN', 'CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], inheritable: [], ambient: ['CAP_KILL'] };
  let ops = compileSpec(spec, ctx({ seccompFilter: filter })).ops;
  const setid = (1n << 6n) | (1n << 7n);
  assert.deepEqual(ops.filter((o) => o.op === 'caps'), [
    // Bounding set dropped first, CAP_SETGID/CAP_SETUID kept for the user switch...
    { op: 'caps', bounding: (1n << 12n) | (1n << 5n), effective: (1n << 5n) | setid, permitted: (1n << 5n) | setid, inheritable: 0n, ambient: 0n },
    // ...then exactly the configured sets.
    { op: 'caps', bounding: (1n << 12n) | (1n << 5n), effective: 1n << 5n, permitted: 1n << 5n, inheritable: 0n, ambient: 1n << 5n },
  ]);
  delete spec.process!.capabilities;
  ops = compileSpec(spec, ctx({ seccompFilter: filter })).ops;
  assert.equal(ops.some((o) => o.op === 'caps' || o.op === 'keep-caps'), false);
});

test('rlimit values at 2^64-1 mean infinity', () => {
  const spec = dockerLike();
  spec.process!.rlimits = [{ type: 'RLIMIT_CORE', soft: 18446744073709551615, hard: 18446744073709551615 }, { type: 'RLIMIT_NPROC', soft: 10, hard: 20 }];
  const limits = compileSpec(spec, ctx({ seccompFilter: filter })).ops.filter((o) => o.op === 'setrlimit');
  assert.deepEqual(limits, [
    { op: 'setrlimit', resource: 4, soft: 0xffffffffffffffffn, hard: 0xffffffffffffffffn },
    { op: 'setrlimit', resource: 6, soft: 10n, hard: 20n },
  ]);
});
