import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSpec, dockerDefaultSpec } from '../../../src/runtime/spec/defaults.js';
import { SpecError } from '../../../src/runtime/spec/errors.js';
import type { Spec } from '../../../src/runtime/spec/types.js';
import { fieldPath, validateProcess, validateSpec } from '../../../src/runtime/spec/validate.js';

/** A fresh valid config as parsed JSON (no shared references between cases). */
function base(): Record<string, any> {
  const spec = dockerDefaultSpec('rootfs', ['sh', '-c', 'true']) as any;
  spec.linux.namespaces.push({ type: 'user' }, { type: 'cgroup' });
  spec.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  spec.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  spec.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }];
  spec.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
  return JSON.parse(JSON.stringify(spec));
}

function rejects(mutate: (s: Record<string, any>) => unknown, expected: string | RegExp): void {
  const spec = base();
  const replaced = mutate(spec);
  const input = replaced === undefined ? spec : replaced;
  assert.throws(() => validateSpec(input), (err: unknown) => {
    assert.ok(err instanceof SpecError, `expected SpecError, got ${String(err)}`);
    if (typeof expected === 'string') assert.ok(err.message.startsWith(expected), `message "${err.message}" should start with "${expected}"`);
    else assert.match(err.message, expected);
    return true;
  });
}

test('valid configs pass: Docker-like with a user namespace, runc spec template, docker defaults', () => {
  const spec = validateSpec(base());
  assert.equal(spec.process?.args?.[0], 'sh');
  validateSpec(JSON.parse(JSON.stringify(defaultSpec())));
  validateSpec(JSON.parse(JSON.stringify(dockerDefaultSpec('/x/rootfs', ['true']))));
});

test('field paths are written like JavaScript accessors', () => {
  assert.equal(fieldPath(''), 'config');
  assert.equal(fieldPath('/process/args/0'), 'process.args[0]');
  assert.equal(fieldPath('/linux/sysctl/net.ipv4.ip_forward'), 'linux.sysctl["net.ipv4.ip_forward"]');
  assert.equal(fieldPath('/annotations/a~1b'), 'annotations["a/b"]');
});

const cases: [string, (s: Record<string, any>) => unknown, string | RegExp][] = [
  ['not an object', () => 'hello', 'config: must be an object, got string "hello"'],
  ['missing ociVersion', (s) => { delete s.ociVersion; }, 'ociVersion: is required'],
  ['ociVersion 2.x', (s) => { s.ociVersion = '2.0.0'; }, 'ociVersion: unsupported version "2.0.0"'],
  ['missing root', (s) => { delete s.root; }, 'root: is required'],
  ['missing root.path', (s) => { s.root = {}; }, 'root.path: is required'],
  ['empty root.path', (s) => { s.root.path = ''; }, 'root.path: must be a non-empty path'],
  ['empty args', (s) => { s.process.args = []; }, 'process.args: must be a non-empty array'],
  ['missing args', (s) => { delete s.process.args; }, 'process.args: must be a non-empty array'],
  ['args not strings', (s) => { s.process.args = ['sh', 3]; }, 'process.args[1]: must be a string, got number 3'],
  ['missing cwd', (s) => { delete s.process.cwd; }, 'process.cwd: is required'],
  ['cwd wrong type', (s) => { s.process.cwd = 1; }, 'process.cwd: must be a string, got number 1'],
  ['relative cwd', (s) => { s.process.cwd = 'home'; }, 'process.cwd: must be an absolute path'],
  ['env without =', (s) => { s.process.env.push('NOVALUE'); }, 'process.env[1]: must be KEY=value'],
  ['negative uid', (s) => { s.process.user.uid = -1; }, 'process.user.uid: must be >= 0'],
  ['fractional gid', (s) => { s.process.user.gid = 1.5; }, 'process.user.gid: must be an integer'],
  ['unknown namespace', (s) => { s.linux.namespaces[2].type = 'foo'; }, 'linux.namespaces[2].type: unknown namespace "foo"'],
  ['duplicate namespace', (s) => { s.linux.namespaces.push({ type: 'pid' }); }, 'linux.namespaces[7].type: duplicate namespace "pid"'],
  ['relative namespace path', (s) => { s.linux.namespaces[1].path = 'netns/x'; }, 'linux.namespaces[1].path: must be an absolute path'],
  ['user ns without uid mappings', (s) => { delete s.linux.uidMappings; }, 'linux.uidMappings: required when creating a user namespace'],
  ['user ns without gid mappings', (s) => { s.linux.gidMappings = []; }, 'linux.gidMappings: required when creating a user namespace'],
  ['mappings without user ns', (s) => { s.linux.namespaces.splice(5, 1); }, 'linux.uidMappings: given but the config creates no user namespace'],
  ['overlapping mappings', (s) => { s.linux.uidMappings.push({ containerID: 100, hostID: 300000, size: 10 }); }, 'linux.uidMappings[1]: container ids overlap entry [0]'],
  ['zero-size mapping', (s) => { s.linux.gidMappings[0].size = 0; }, 'linux.gidMappings[0].size: must be at least 1'],
  ['mapping missing hostID', (s) => { delete s.linux.uidMappings[0].hostID; }, 'linux.uidMappings[0].hostID: is required'],
  ['unmapped process uid', (s) => { s.process.user.uid = 70000; }, 'process.user.uid: 70000 is not mapped in the user namespace'],
  ['unmapped additional gid', (s) => { s.process.user.additionalGids = [10, 99999]; }, 'process.user.additionalGids[1]: 99999 is not mapped'],
  ['relative mount destination', (s) => { s.mounts[1].destination = 'dev'; }, 'mounts[1].destination: must be an absolute path'],
  ['missing mount destination', (s) => { delete s.mounts[3].destination; }, 'mounts[3].destination: is required'],
  ['recursive ro option', (s) => { s.mounts.push({ destination: '/data', source: '/srv', type: 'bind', options: ['rbind', 'rro'] }); }, 'mounts[7].options: "rro" is not supported'],
  ['bind without source', (s) => { s.mounts.push({ destination: '/data', options: ['rbind'] }); }, 'mounts[7].source: required for bind mounts'],
  ['mount without type', (s) => { s.mounts.push({ destination: '/data', source: 'x' }); }, 'mounts[7].type: required for non-bind mounts'],
  ['idmapped mount', (s) => { s.mounts.push({ destination: '/d', source: '/s', type: 'bind', uidMappings: [{ containerID: 0, hostID: 1, size: 1 }] }); }, 'mounts[7].uidMappings: idmapped mounts are not supported'],
  ['rlimit type lowercase', (s) => { s.process.rlimits[0].type = 'rlimit_nofile'; }, /^process\.rlimits\[0\]\.type: must match pattern/],
  ['unknown rlimit', (s) => { s.process.rlimits[0].type = 'RLIMIT_FOO'; }, 'process.rlimits[0].type: unknown rlimit "RLIMIT_FOO"'],
  ['duplicate rlimit', (s) => { s.process.rlimits.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }); }, 'process.rlimits[1].type: duplicate rlimit'],
  ['soft above hard', (s) => { s.process.rlimits[0].soft = 8192; }, 'process.rlimits[0]: soft limit 8192 exceeds hard limit 4096'],
  ['rlimit missing hard', (s) => { delete s.process.rlimits[0].hard; }, 'process.rlimits[0].hard: is required'],
  ['unknown capability', (s) => { s.process.capabilities.effective[1] = 'CAP_FOO'; }, 'process.capabilities.effective[1]: unknown capability "CAP_FOO"'],
  ['capability without prefix', (s) => { s.process.capabilities.bounding.push('NET_ADMIN'); }, 'process.capabilities.bounding[14]: unknown capability "NET_ADMIN"'],
  ['oomScoreAdj out of range', (s) => { s.process.oomScoreAdj = 5000; }, 'process.oomScoreAdj: must be between -1000 and 1000'],
  ['umask too big', (s) => { s.process.user.umask = 0o1777; }, 'process.user.umask: must be at most 0777'],
  ['sysctl not namespaced', (s) => { s.linux.sysctl['vm.swappiness'] = '10'; }, 'linux.sysctl["vm.swappiness"]: not namespaced'],
  ['net sysctl without netns', (s) => { s.linux.namespaces.splice(1, 1); }, 'linux.sysctl["net.ipv4.ip_forward"]: requires a network namespace'],
  ['ipc sysctl without ipcns', (s) => { s.linux.namespaces.splice(4, 1); s.linux.sysctl = { 'kernel.shmmax': '1' }; }, 'linux.sysctl["kernel.shmmax"]: requires an ipc namespace'],
  ['sysctl value not a string', (s) => { s.linux.sysctl['net.core.somaxconn'] = 1024; }, 'linux.sysctl["net.core.somaxconn"]: must be a string'],
  ['hostname without uts', (s) => { s.linux.namespaces.splice(2, 1); }, 'hostname: requires a uts namespace'],
  ['no mount namespace', (s) => { s.linux.namespaces.splice(0, 1); }, 'linux.namespaces: a mount namespace is required'],
  ['relative device path', (s) => { s.linux.devices = [{ type: 'c', path: 'dev/fuse', major: 10, minor: 229 }]; }, 'linux.devices[0].path: must be an absolute path'],
  ['device without major', (s) => { s.linux.devices = [{ type: 'c', path: '/dev/fuse', minor: 229 }]; }, 'linux.devices[0].major: required for char and block devices'],
  ['bad device type', (s) => { s.linux.devices = [{ type: 'x', path: '/dev/x', major: 1, minor: 1 }]; }, /^linux\.devices\[0\]\.type: must match pattern/],
  ['relative masked path', (s) => { s.linux.maskedPaths.push('proc/kcore'); }, 'linux.maskedPaths[11]: must be an absolute path'],
  ['relative readonly path', (s) => { s.linux.readonlyPaths[0] = 'proc'; }, 'linux.readonlyPaths[0]: must be an absolute path'],
  ['bad rootfs propagation', (s) => { s.linux.rootfsPropagation = 'bogus'; }, 'linux.rootfsPropagation: unknown rootfs propagation "bogus"'],
  ['bad seccomp action', (s) => { s.linux.seccomp = { defaultAction: 'SCMP_ACT_NOPE' }; }, 'linux.seccomp.defaultAction: unknown seccomp action "SCMP_ACT_NOPE"'],
  ['seccomp without defaultAction', (s) => { s.linux.seccomp = {}; }, 'linux.seccomp.defaultAction: is required'],
  ['device cgroup rule without allow', (s) => { s.linux.resources.devices.push({ access: 'rwm' }); }, 'linux.resources.devices[8].allow: is required'],
  ['memory limit not integer', (s) => { s.linux.resources.memory = { limit: '1g' }; }, 'linux.resources.memory.limit: must be an integer, got string "1g"'],
  ['annotations not strings', (s) => { s.annotations = { a: 1 }; }, 'annotations.a: must be a string'],
  ['time offsets without time ns', (s) => { s.linux.timeOffsets = { monotonic: { secs: 1 } }; }, 'linux.timeOffsets: requires a new time namespace'],
];

for (const [name, mutate, expected] of cases) {
  test(`rejects: ${name}`, () => rejects(mutate, expected));
}

test('validation leaves the input untouched and returns the same object', () => {
  const input = base();
  const before = JSON.stringify(input);
  const spec: Spec = validateSpec(input);
  assert.equal(spec, input);
  assert.equal(JSON.stringify(input), before);
});

test('the precompiled validator is fast once loaded', () => {
  const input = base();
  validateSpec(input);
  const n = 500;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) validateSpec(input);
  const perCall = (performance.now() - t0) / n;
  // Steady state is ~0.06 ms on an idle core; 2 ms leaves room for a busy CI box.
  assert.ok(perCall < 2, `validateSpec took ${perCall.toFixed(3)} ms per call`);
});

test('a process file for exec is validated on its own, fields named process.*', () => {
  const p = validateProcess({ args: ['ps'], cwd: '/', user: { uid: 0, gid: 0 } });
  assert.deepEqual(p.args, ['ps']);
  assert.throws(() => validateProcess('x'), /^SpecError: process: must be an object, got string "x"$/);
  assert.throws(() => validateProcess({ args: ['ps'] }), /process\.cwd: is required/);
  assert.throws(() => validateProcess({ args: [], cwd: '/' }), /process\.args: must be a non-empty array/);
  assert.throws(() => validateProcess({ args: ['ps'], cwd: '/', capabilities: { bounding: ['CAP_X'] } }), /process\.capabilities\.bounding\[0\]: unknown capability "CAP_X"/);
});
