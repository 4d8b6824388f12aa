// What a process sees inside a container made by the runtime library from Docker's default
// config and a busybox rootfs: its own pid 1, hostname, network, mounts, namespaces and IPC.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DOCKER_MASKED_PATHS, DOCKER_READONLY_PATHS } from '../../../src/runtime/spec/defaults.js';
import { dockerSpec, settledLeftovers, makeFixture, nsLinks, runToEnd, startContainer, until } from '../../helpers/runtime-fixture.js';

const fx = makeFixture('wharf-rt-iso-');
after(() => fx.cleanup());

const sh = (script: string) => dockerSpec(['sh', '-c', script]);

test('the process is pid 1 and sees the configured hostname', async () => {
  const spec = sh('echo pid=$$; hostname; cat /proc/sys/kernel/hostname; ls /proc | grep -c "^[0-9]"');
  spec.hostname = 'box-under-test';
  const r = await runToEnd(fx, spec);
  assert.equal(r.code, 0, r.stderr);
  const [pid, hostname, kernelHostname, procs] = r.stdout.trim().split('\n');
  assert.equal(pid, 'pid=1');
  assert.equal(hostname, 'box-under-test');
  assert.equal(kernelHostname, 'box-under-test');
  // sh, ls and grep (maybe already gone): nothing of the host's hundreds of processes.
  assert.ok(Number(procs) <= 3, `${procs} processes visible`);
  assert.notEqual(execFileSync('hostname', { encoding: 'utf8' }).trim(), 'box-under-test', 'host name untouched');
});

test('a new network namespace has only lo', async () => {
  const r = await runToEnd(fx, sh('ip -o link; echo ---; tail -n +3 /proc/net/dev'));
  assert.equal(r.code, 0, r.stderr);
  const [links, dev] = r.stdout.split('---\n');
  const linkNames = links!.trim().split('\n').map((l) => l.split(':')[1]!.trim());
  assert.deepEqual(linkNames, ['lo']);
  const devNames = dev!.trim().split('\n').map((l) => l.split(':')[0]!.trim());
  assert.deepEqual(devNames, ['lo']);
  const hostDevs = readFileSync('/proc/net/dev', 'utf8').trim().split('\n').slice(2);
  assert.ok(hostDevs.length > 1, 'the host has more than lo (else this proves nothing)');
});

test('lo is up in a new network namespace, as under Docker: 127.0.0.1 answers', async () => {
  // nc listens on loopback and a client connects: impossible while lo is down.
  const r = await runToEnd(fx, sh('nc -l -p 7777 -e echo pong & sleep 0.2; nc 127.0.0.1 7777 </dev/null; wait'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /pong/);
});

test('no host mount is visible: mountinfo lists only the container mounts', async () => {
  const spec = sh('cat /proc/self/mountinfo');
  const r = await runToEnd(fx, spec);
  assert.equal(r.code, 0, r.stderr);
  const points = r.stdout.trim().split('\n').map((l) => l.split(' ')[4]!);
  const expected = new Set(['/', ...spec.mounts!.map((m) => m.destination), ...DOCKER_MASKED_PATHS, ...DOCKER_READONLY_PATHS]);
  const unexpected = points.filter((p) => !expected.has(p) && !p.startsWith('/sys/fs/cgroup/'));
  assert.deepEqual(unexpected, [], `mount points not from the config:\n${r.stdout}`);
  // Host mount points that the container does not mount itself must be absent.
  const hostOnly = readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n').map((l) => l.split(' ')[4]!)
    .filter((p) => !expected.has(p) && !p.startsWith('/sys/fs/cgroup'));
  assert.ok(hostOnly.length > 0);
  for (const p of hostOnly) assert.ok(!points.includes(p), `host mount ${p} is visible`);
  // The root is the rootfs: its mount source is the bundle's rootfs directory.
  const root = r.stdout.split('\n').find((l) => l.split(' ')[4] === '/')!;
  assert.match(root.split(' ')[3]!, /rootfs$/);
});

test('each namespace, including user and cgroup, differs from the host', async () => {
  const spec = sh('for n in cgroup ipc mnt net pid user uts; do echo $n $(readlink /proc/self/ns/$n); done');
  spec.linux!.namespaces!.push({ type: 'user' }, { type: 'cgroup' });
  spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const r = await runToEnd(fx, spec);
  assert.equal(r.code, 0, r.stderr);
  const host = nsLinks('self');
  const inside = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split(' ') as [string, string]));
  assert.deepEqual(Object.keys(inside).sort(), Object.keys(host).sort());
  for (const [ns, link] of Object.entries(inside)) {
    assert.match(link, new RegExp(`^${ns}:\\[\\d+\\]$`));
    assert.notEqual(link, host[ns], `${ns} namespace is the host's`);
  }
});

test('on cgroup v1 the container sees its own cgroup (and limit) at /sys/fs/cgroup', async () => {
  const spec = sh('cat /sys/fs/cgroup/memory/memory.limit_in_bytes; cat /sys/fs/cgroup/pids/pids.max; touch /sys/fs/cgroup/pids/x 2>&1');
  spec.linux!.resources = { ...spec.linux!.resources, memory: { limit: 96 << 20 }, pids: { limit: 77 } };
  const r = await runToEnd(fx, spec);
  const [mem, pids, touch] = r.stdout.trim().split('\n');
  assert.equal(mem, String(96 << 20));
  assert.equal(pids, '77');
  assert.match(touch!, /Read-only file system/, 'mounted read-only');
});

test('System V shared memory made on the host is invisible inside', async () => {
  const made = execFileSync('ipcmk', ['-M', '4096'], { encoding: 'utf8' });
  const id = /(\d+)/.exec(made)![1]!;
  try {
    const listed = (text: string) => text.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/)[1]);
    assert.ok(listed(readFileSync('/proc/sysvipc/shm', 'utf8')).includes(id), 'visible on the host');
    const r = await runToEnd(fx, sh('cat /proc/sysvipc/shm'));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(listed(r.stdout), [], `segments inside:\n${r.stdout}`);
  } finally {
    execFileSync('ipcrm', ['-m', id]);
  }
});

test('in a user namespace uid 0 inside is uid 100000 outside', async () => {
  const spec = dockerSpec(['sh', '-c', 'id -u; echo data > /tmp/made-inside; exec sleep 60']);
  spec.linux!.namespaces!.push({ type: 'user' });
  spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const r = await startContainer(fx, spec);
  try {
    const file = join(fx.rootfs, 'tmp/made-inside');
    const made = () => { try { return statSync(file).size > 0; } catch { return false; } };
    await until(() => made() && r.stdout().includes('\n'), 10_000, 'the file and the output');
    assert.equal(r.stdout().trim(), '0', 'root inside');
    const st = statSync(file);
    assert.equal(st.uid, 100000);
    assert.equal(st.gid, 100000);
    const status = readFileSync(`/proc/${r.container.pid}/status`, 'utf8');
    assert.match(status, /^Uid:\t100000\t100000\t100000\t100000$/m);
    assert.match(status, /^Gid:\t100000\t100000\t100000\t100000$/m);
    assert.equal(readFileSync(`/proc/${r.container.pid}/uid_map`, 'utf8').trim().split(/\s+/).join(' '), '0 100000 65536');
  } finally {
    await r.container.delete(true);
  }
});

test('nothing is left behind by these containers', async () => {
  assert.deepEqual(await settledLeftovers(fx), { cgroupDirs: [], mounts: [], stateDirs: [], processes: [] });
});
