// Docker-format profiles -> OCI: includes/excludes resolved per capability, arch and kernel like moby.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { dockerDefaultSeccomp, seccompFromDockerProfile } from '../../../src/runtime/seccomp/index.js';
import { DOCKER_DEFAULT_CAPS } from './model.js';

const opts = { capabilities: DOCKER_DEFAULT_CAPS, arch: 'amd64', kernelRelease: '6.1.0-18-amd64' };
const names = (c: ReturnType<typeof dockerDefaultSeccomp>) => new Set(c.syscalls!.flatMap((s) => s.names));

const REFERENCE = '/work/shared/reference/docker-seccomp-default.json';
test('the bundled default profile is the reference profile', { skip: !existsSync(REFERENCE) && 'no reference copy' }, () => {
  const bundled = new URL('../../../src/runtime/seccomp/docker-default.json', import.meta.url);
  assert.deepEqual(JSON.parse(readFileSync(bundled, 'utf8')), JSON.parse(readFileSync(REFERENCE, 'utf8')));
});

test('default profile: top-level fields and architecture list for amd64', () => {
  const c = dockerDefaultSeccomp(opts);
  assert.equal(c.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(c.defaultErrnoRet, 1);
  assert.deepEqual(c.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  const n = names(c);
  assert.ok(n.has('arch_prctl') && n.has('modify_ldt'), 'amd64-only entries included');
  assert.ok(!n.has('cacheflush') && !n.has('s390_runtime_instr'), 'other arches excluded');
  assert.ok(!n.has('mount') && !n.has('reboot'), 'capability-gated entries excluded');
});

test('capabilities add the entries Docker adds', () => {
  const base = names(dockerDefaultSeccomp(opts));
  const add = (cap: string, expected: string[]) => {
    const n = names(dockerDefaultSeccomp({ ...opts, capabilities: [...DOCKER_DEFAULT_CAPS, cap] }));
    for (const e of expected) assert.ok(n.has(e) && !base.has(e), `${cap} adds ${e}`);
  };
  add('CAP_SYS_ADMIN', ['mount', 'umount2', 'unshare', 'setns', 'bpf', 'fsopen', 'sethostname']);
  add('CAP_SYS_BOOT', ['reboot']);
  add('CAP_SYS_MODULE', ['init_module', 'finit_module', 'delete_module']);
  add('CAP_SYS_PTRACE', ['kcmp', 'pidfd_getfd', 'process_madvise']);
  add('CAP_SYS_TIME', ['settimeofday', 'clock_settime']);
  add('CAP_DAC_READ_SEARCH', ['open_by_handle_at']);
  add('SYS_RAWIO', ['iopl', 'ioperm']); // accepted without the CAP_ prefix
  add('cap_syslog', ['syslog']);
});

test('CAP_SYS_ADMIN swaps the clone rules: flags-restricted clone and ENOSYS clone3 go away', () => {
  const without = dockerDefaultSeccomp(opts).syscalls!;
  const cloneRule = without.find((s) => s.names.includes('clone') && s.args);
  assert.deepEqual(cloneRule, { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }] });
  assert.ok(without.some((s) => s.names.includes('clone3') && s.action === 'SCMP_ACT_ERRNO' && s.errnoRet === 38));
  const withAdmin = dockerDefaultSeccomp({ ...opts, capabilities: ['CAP_SYS_ADMIN'] }).syscalls!;
  assert.ok(!withAdmin.some((s) => s.names.includes('clone') && s.args));
  assert.ok(!withAdmin.some((s) => s.names.includes('clone3') && s.action === 'SCMP_ACT_ERRNO'));
});

test('minKernel is compared on "<kernel>.<major>" of the release', () => {
  const has = (release: string) => names(dockerDefaultSeccomp({ ...opts, kernelRelease: release })).has('ptrace');
  assert.equal(has('4.8'), true);
  assert.equal(has('4.8.0-generic'), true);
  assert.equal(has('4.7.10'), false);
  assert.equal(has('3.19'), false);
  assert.equal(has('5.0'), true);
  assert.equal(has('10.1'), true);
});

test('arm64 picks the aarch64 archMap entry and arm-only syscalls', () => {
  const c = dockerDefaultSeccomp({ ...opts, arch: 'arm64' });
  assert.deepEqual(c.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  const n = names(c);
  assert.ok(n.has('cacheflush') && !n.has('arch_prctl'));
  assert.deepEqual(dockerDefaultSeccomp({ ...opts, arch: 'x64' }).architectures, dockerDefaultSeccomp(opts).architectures);
});

test('user profiles: name, includes, excludes, flags and JSON text', () => {
  const profile = JSON.stringify({
    defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, architectures: ['SCMP_ARCH_X86_64'], flags: ['SECCOMP_FILTER_FLAG_LOG'],
    syscalls: [
      { name: 'read', action: 'SCMP_ACT_ALLOW' },
      { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN', 'CAP_NET_ADMIN'] } },
      { names: ['write'], action: 'SCMP_ACT_ALLOW', excludes: { arches: ['amd64'] } },
      { names: ['openat'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '5.0' } },
      { names: ['close'], action: 'SCMP_ACT_LOG', args: [{ index: 0, value: 3, op: 'SCMP_CMP_GE' }], comment: 'c' },
    ],
  });
  const c = seccompFromDockerProfile(profile, { ...opts, capabilities: ['CAP_SYS_ADMIN'] })!;
  assert.deepEqual(c, {
    defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, architectures: ['SCMP_ARCH_X86_64'], flags: ['SECCOMP_FILTER_FLAG_LOG'],
    syscalls: [
      { names: ['read'], action: 'SCMP_ACT_ALLOW' },
      { names: ['close'], action: 'SCMP_ACT_LOG', args: [{ index: 0, value: 3, op: 'SCMP_CMP_GE' }] },
    ],
  });
  const both = seccompFromDockerProfile(profile, { ...opts, capabilities: ['CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], kernelRelease: '4.19' })!;
  assert.deepEqual(both.syscalls!.map((s) => s.names[0]), ['read', 'mount', 'openat', 'close']);
});

test('an empty profile means no filter, as in Docker', () => {
  assert.equal(seccompFromDockerProfile({}, opts), undefined);
  assert.equal(seccompFromDockerProfile('{"defaultAction": ""}', opts), undefined);
});

test('bad profiles are refused with the field named', () => {
  const bad = (p: unknown, re: RegExp) => assert.throws(() => seccompFromDockerProfile(p, opts), re);
  bad('{ nope', /seccomp profile: invalid JSON/);
  bad([], /seccomp profile: must be an object/);
  bad({ defaultAction: 'SCMP_ACT_DENY' }, /seccomp profile\.defaultAction: unknown seccomp action "SCMP_ACT_DENY"/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: [] }] },
    /both 'architectures' and 'archMap'/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', archMap: [{ architecture: 'SCMP_ARCH_VAX' }] }, /archMap\[0\]\.architecture\[0\]: unknown architecture/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ name: 'read', names: ['write'], action: 'SCMP_ACT_ALLOW' }] }, /syscalls\[0\]: both 'name' and 'names'/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'ALLOW' }] }, /syscalls\[0\]\.action: unknown seccomp action "ALLOW"/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: '1', op: 'SCMP_CMP_EQ' }] }] },
    /syscalls\[0\]\.args\[0\]\.value: must be a number/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'EQ' }] }] },
    /syscalls\[0\]\.args\[0\]\.op: unknown operator "EQ"/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: 'latest' } }] },
    /syscalls\[0\]\.includes\.minKernel: invalid kernel version "latest"/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', excludes: { caps: 'CAP_SYS_ADMIN' } }] },
    /syscalls\[0\]\.excludes\.caps: must be an array of strings/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', flags: ['SECCOMP_FILTER_FLAG_NOPE'] }, /seccomp profile\.flags\[0\]: unknown seccomp flag/);
});
