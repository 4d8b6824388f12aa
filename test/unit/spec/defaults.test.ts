import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CAPABILITIES, capMask, capNames, capNumber } from '../../../src/runtime/spec/caps.js';
import {
  DEFAULT_DEVICES, DOCKER_DEFAULT_CAPABILITIES, DOCKER_DEVICE_CGROUP_RULES, DOCKER_MASKED_PATHS, DOCKER_READONLY_PATHS,
  RUNTIME_DEFAULT_DEVICE_RULES, defaultSpec, dockerDefaultMounts, dockerDefaultSpec, effectiveDeviceRules,
} from '../../../src/runtime/spec/defaults.js';
import { validateSpec } from '../../../src/runtime/spec/validate.js';

test('Docker default capabilities make the bounding set 0x00000000a80425fb', () => {
  assert.equal(DOCKER_DEFAULT_CAPABILITIES.length, 14);
  assert.equal(capMask(DOCKER_DEFAULT_CAPABILITIES), 0xa80425fbn);
  assert.deepEqual(new Set(capNames(0xa80425fbn)), new Set(DOCKER_DEFAULT_CAPABILITIES));
});

test('capability numbers follow linux/capability.h up to CAP_CHECKPOINT_RESTORE', () => {
  assert.equal(CAPABILITIES.length, 41);
  assert.equal(capNumber('CAP_CHOWN'), 0);
  assert.equal(capNumber('CAP_NET_RAW'), 13);
  assert.equal(capNumber('CAP_SYS_ADMIN'), 21);
  assert.equal(capNumber('CAP_MKNOD'), 27);
  assert.equal(capNumber('CAP_AUDIT_READ'), 37);
  assert.equal(capNumber('CAP_CHECKPOINT_RESTORE'), 40);
  assert.equal(capNumber('CAP_NOPE'), undefined);
  assert.equal(capMask(CAPABILITIES), (1n << 41n) - 1n);
  assert.throws(() => capMask(['CAP_NOPE']), /unknown capability "CAP_NOPE"/);
});

test("masked and read-only paths are moby's", () => {
  assert.deepEqual([...DOCKER_MASKED_PATHS], [
    '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
    '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
  ]);
  assert.deepEqual([...DOCKER_READONLY_PATHS], ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
});

test("default mounts are moby's, /dev/shm sized 64 MiB", () => {
  const mounts = dockerDefaultMounts();
  const byDest = new Map(mounts.map((m) => [m.destination, m]));
  assert.deepEqual(mounts.map((m) => m.destination), ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm']);
  assert.deepEqual(byDest.get('/dev')?.options, ['nosuid', 'strictatime', 'mode=755', 'size=65536k']);
  assert.deepEqual(byDest.get('/dev/pts')?.options, ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']);
  assert.equal(byDest.get('/sys')?.type, 'sysfs');
  assert.ok(byDest.get('/sys')?.options?.includes('ro'));
  assert.equal(byDest.get('/sys/fs/cgroup')?.type, 'cgroup');
  assert.ok(byDest.get('/sys/fs/cgroup')?.options?.includes('ro'));
  assert.equal(byDest.get('/dev/mqueue')?.type, 'mqueue');
  assert.ok(byDest.get('/dev/shm')?.options?.includes('size=67108864'));
  assert.ok(dockerDefaultMounts(1 << 20).find((m) => m.destination === '/dev/shm')?.options?.includes('size=1048576'));
});

test('default devices are null, zero, full, random, urandom, tty, all 0666', () => {
  assert.deepEqual(DEFAULT_DEVICES.map((d) => `${d.path} ${d.type} ${d.major}:${d.minor} ${d.fileMode.toString(8)}`), [
    '/dev/null c 1:3 666', '/dev/zero c 1:5 666', '/dev/full c 1:7 666', '/dev/random c 1:8 666',
    '/dev/urandom c 1:9 666', '/dev/tty c 5:0 666',
  ]);
});

test('device cgroup rules: Docker denies all then allows its devices; runc adds mknod, ptys, ptmx', () => {
  const rule = (r: { allow: boolean; type?: string; major?: number; minor?: number; access?: string }) =>
    `${r.allow ? 'allow' : 'deny'} ${r.type ?? 'a'} ${r.major ?? '*'}:${r.minor ?? '*'} ${r.access}`;
  assert.deepEqual(DOCKER_DEVICE_CGROUP_RULES.map(rule), [
    'deny a *:* rwm', 'allow c 1:5 rwm', 'allow c 1:3 rwm', 'allow c 1:9 rwm', 'allow c 1:8 rwm', 'allow c 5:0 rwm',
    'allow c 5:1 rwm', 'deny c 10:229 rwm',
  ]);
  const runtime = RUNTIME_DEFAULT_DEVICE_RULES.map(rule);
  for (const r of ['allow c *:* m', 'allow b *:* m', 'allow c 1:3 rwm', 'allow c 136:* rwm', 'allow c 5:2 rwm', 'allow c 1:7 rwm']) {
    assert.ok(runtime.includes(r), `runtime defaults include ${r}`);
  }
  const spec = dockerDefaultSpec('rootfs', ['sh']);
  spec.linux!.devices = [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229 }];
  const effective = effectiveDeviceRules(spec).map(rule);
  assert.equal(effective[0], 'deny a *:* rwm');
  assert.equal(effective.at(-1), 'allow c 10:229 rwm'); // a configured device stays usable
});

test('defaultSpec is a valid runc-style template', () => {
  const spec = defaultSpec();
  validateSpec(JSON.parse(JSON.stringify(spec)));
  assert.equal(spec.root?.path, 'rootfs');
  assert.equal(spec.root?.readonly, true);
  assert.deepEqual(spec.process?.args, ['sh']);
  assert.equal(spec.process?.terminal, true);
  assert.equal(spec.process?.noNewPrivileges, true);
  assert.deepEqual(spec.linux?.namespaces?.map((n) => n.type).sort(), ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts']);
  assert.deepEqual(defaultSpec('/r', ['echo', 'hi']).process?.args, ['echo', 'hi']);
});

test('dockerDefaultSpec carries the Docker defaults', () => {
  const spec = dockerDefaultSpec('rootfs', ['true']);
  assert.equal(capMask(spec.process?.capabilities?.bounding), 0xa80425fbn);
  assert.equal(capMask(spec.process?.capabilities?.effective), 0xa80425fbn);
  assert.deepEqual(spec.linux?.namespaces?.map((n) => n.type), ['mount', 'network', 'uts', 'pid', 'ipc']);
  assert.deepEqual(spec.linux?.maskedPaths, [...DOCKER_MASKED_PATHS]);
  validateSpec(JSON.parse(JSON.stringify(spec)));
});
