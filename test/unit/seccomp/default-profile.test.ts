// Docker's default profile, compiled to BPF and executed by the interpreter: the verdicts a
// container would see for real syscalls, checked per architecture and against the direct model.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, checkFilter, compileSeccomp,
  decodeFilter, dockerDefaultSeccomp, runSeccompFilter, syscallNumber, syscallTable, type SeccompArchName,
} from '../../../src/runtime/seccomp/index.js';
import { DOCKER_DEFAULT_CAPS, expectedRet } from './model.js';

const KERNEL = '6.1.0';
const CLONE_NEWNS = 0x20000, CLONE_NEWUSER = 0x10000000, CLONE_NEWNET = 0x40000000;
const THREAD_FLAGS = 0x3d0f00; // what glibc's pthread_create passes
const FORK_FLAGS = 0x01200011; // CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD

function build(caps: string[], arch: 'x64' | 'arm64' = 'x64', kernelRelease = KERNEL) {
  const config = dockerDefaultSeccomp({ capabilities: caps, arch, kernelRelease });
  return { config, compiled: compileSeccomp(config, arch) };
}

const defaults = build(DOCKER_DEFAULT_CAPS);
const withAdmin = build([...DOCKER_DEFAULT_CAPS, 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE']);

function verdict(filter: Uint8Array, arch: SeccompArchName, name: string, args: (number | bigint)[] = []) {
  const nr = syscallNumber(arch, name);
  assert.ok(nr !== undefined, `${name} exists on ${arch}`);
  const r = runSeccompFilter(filter, { arch: arch === 'x32' ? 'x86_64' : arch, nr, args });
  return r.action === 'SCMP_ACT_ERRNO' ? `errno ${r.errno}` : r.action;
}

describe('docker default profile on x86_64 (default capabilities)', () => {
  const f = defaults.compiled.filter;

  test('is a valid, compact kernel program', () => {
    checkFilter(decodeFilter(f));
    assert.ok(defaults.compiled.instructions < 1000, `${defaults.compiled.instructions} instructions`);
    assert.deepEqual(defaults.config.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  });

  test('everyday syscalls are allowed', () => {
    for (const name of ['read', 'write', 'openat', 'close', 'mmap', 'execve', 'exit_group', 'futex', 'rt_sigaction',
      'arch_prctl', 'getpid', 'wait4', 'chroot', 'fchmodat2', 'ptrace']) {
      assert.equal(verdict(f, 'x86_64', name), 'SCMP_ACT_ALLOW', name);
    }
  });

  test('privileged syscalls fail with EPERM', () => {
    for (const name of ['unshare', 'mount', 'umount2', 'setns', 'pivot_root', 'keyctl', 'add_key', 'request_key',
      'kexec_load', 'kexec_file_load', 'init_module', 'reboot', 'swapon', 'bpf', 'perf_event_open', 'kcmp',
      'open_by_handle_at', 'acct', 'settimeofday', 'iopl']) {
      assert.equal(verdict(f, 'x86_64', name), 'errno 1', name);
    }
  });

  test('clone is allowed for threads and forks, denied with namespace flags', () => {
    assert.equal(verdict(f, 'x86_64', 'clone', [THREAD_FLAGS]), 'SCMP_ACT_ALLOW');
    assert.equal(verdict(f, 'x86_64', 'clone', [FORK_FLAGS]), 'SCMP_ACT_ALLOW');
    for (const flag of [CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET]) {
      assert.equal(verdict(f, 'x86_64', 'clone', [FORK_FLAGS | flag]), 'errno 1', `flag 0x${flag.toString(16)}`);
    }
    // clone3 passes flags in memory, so Docker answers ENOSYS to make libc fall back to clone.
    assert.equal(verdict(f, 'x86_64', 'clone3'), 'errno 38');
  });

  test('personality only for the listed values, on all 64 bits', () => {
    for (const v of [0, 8, 0x20000, 0x20008, 0xffffffff]) assert.equal(verdict(f, 'x86_64', 'personality', [v]), 'SCMP_ACT_ALLOW', `0x${v.toString(16)}`);
    for (const v of [0x0040000, 1, 0x20001, 0x1_0000_0000n, 0x1_ffff_ffffn]) {
      assert.equal(verdict(f, 'x86_64', 'personality', [v]), 'errno 1', `0x${v.toString(16)}`);
    }
  });

  test('socket families: AF_ALG (38) and AF_VSOCK (40) are denied', () => {
    for (const af of [1, 2, 10, 16, 17, 37, 39, 41, 45]) assert.equal(verdict(f, 'x86_64', 'socket', [af]), 'SCMP_ACT_ALLOW', `AF ${af}`);
    for (const af of [38, 40]) assert.equal(verdict(f, 'x86_64', 'socket', [af]), 'errno 1', `AF ${af}`);
  });

  test('i386 syscalls use their own numbers and 32-bit arguments', () => {
    assert.equal(verdict(f, 'x86', 'read'), 'SCMP_ACT_ALLOW');
    assert.equal(verdict(f, 'x86', 'socketcall'), 'SCMP_ACT_ALLOW');
    assert.equal(verdict(f, 'x86', 'unshare'), 'errno 1');
    assert.equal(verdict(f, 'x86', 'clone', [FORK_FLAGS]), 'SCMP_ACT_ALLOW');
    assert.equal(verdict(f, 'x86', 'clone', [CLONE_NEWUSER]), 'errno 1');
    // 310 is unshare on i386 but process_vm_readv (allowed) on x86_64: the arch decides.
    assert.equal(runSeccompFilter(f, { arch: AUDIT_ARCH_I386, nr: 310 }).errno, 1);
    assert.equal(runSeccompFilter(f, { arch: AUDIT_ARCH_X86_64, nr: 310 }).action, 'SCMP_ACT_ALLOW');
  });

  test('x32 syscalls carry the x32 bit and are filtered with x32 numbers', () => {
    assert.equal(verdict(f, 'x32', 'read'), 'SCMP_ACT_ALLOW');
    assert.equal(verdict(f, 'x32', 'rt_sigaction'), 'SCMP_ACT_ALLOW'); // 512 | bit: x32-only entry
    assert.equal(verdict(f, 'x32', 'unshare'), 'errno 1');
    assert.equal(verdict(f, 'x32', 'kexec_load'), 'errno 1');
  });

  test('an x32 syscall is foreign when the config does not list SCMP_ARCH_X32', () => {
    const config = { ...defaults.config, architectures: ['SCMP_ARCH_X86_64'] };
    const { filter } = compileSeccomp(config, 'x64');
    assert.equal(verdict(filter, 'x86_64', 'read'), 'SCMP_ACT_ALLOW');
    assert.equal(verdict(filter, 'x32', 'read'), 'SCMP_ACT_KILL_THREAD');
    assert.equal(verdict(filter, 'x86', 'read'), 'SCMP_ACT_KILL_THREAD');
  });

  test('a foreign architecture is killed', () => {
    assert.equal(runSeccompFilter(f, { arch: AUDIT_ARCH_AARCH64, nr: 63 }).action, 'SCMP_ACT_KILL_THREAD');
    assert.equal(runSeccompFilter(f, { arch: AUDIT_ARCH_ARM, nr: 3 }).action, 'SCMP_ACT_KILL_THREAD');
  });

  test('numbers above the last known syscall get ENOSYS (runc), unknown ones below get EPERM', () => {
    const last = Math.max(...defaults.config.syscalls!.flatMap((s) => s.names).map((n) => syscallTable('x86_64')[n] ?? 0));
    assert.equal(runSeccompFilter(f, { arch: 'x86_64', nr: last + 1 }).errno, 38);
    assert.equal(runSeccompFilter(f, { arch: 'x86_64', nr: 0x3fffffff }).errno, 38);
    assert.equal(runSeccompFilter(f, { arch: 'x86_64', nr: 0xffffffff }).errno, 38); // x32 range, above x32's last
    assert.equal(verdict(f, 'x86_64', 'uselib'), 'errno 1'); // known, not allowed, below last
  });

  test('a plain syscall check runs few instructions', () => {
    let max = 0, total = 0, count = 0;
    for (const [name, nr] of Object.entries(syscallTable('x86_64'))) {
      if (['clone', 'personality', 'socket'].includes(name)) continue;
      const { steps } = runSeccompFilter(f, { arch: 'x86_64', nr });
      max = Math.max(max, steps); total += steps; count++;
    }
    assert.ok(max <= 16, `max ${max} instructions`);
    assert.ok(total / count <= 13, `average ${total / count}`);
  });
});

describe('docker default profile: capabilities and kernel version', () => {
  const f = withAdmin.compiled.filter;

  test('CAP_SYS_ADMIN allows mount, unshare, setns and namespace clones', () => {
    for (const name of ['mount', 'umount2', 'unshare', 'setns', 'clone3', 'bpf', 'fsopen', 'sethostname']) {
      assert.equal(verdict(f, 'x86_64', name), 'SCMP_ACT_ALLOW', name);
    }
    assert.equal(verdict(f, 'x86_64', 'clone', [FORK_FLAGS | CLONE_NEWUSER]), 'SCMP_ACT_ALLOW');
    assert.equal(verdict(f, 'x86', 'clone', [CLONE_NEWUSER]), 'SCMP_ACT_ALLOW');
    assert.equal(verdict(f, 'x86_64', 'pivot_root'), 'errno 1'); // not in Docker's profile even then
  });

  test('CAP_SYS_PTRACE allows kcmp and pidfd_getfd', () => {
    assert.equal(verdict(f, 'x86_64', 'kcmp'), 'SCMP_ACT_ALLOW');
    assert.equal(verdict(f, 'x86_64', 'pidfd_getfd'), 'SCMP_ACT_ALLOW');
    assert.equal(verdict(defaults.compiled.filter, 'x86_64', 'pidfd_getfd'), 'errno 1');
  });

  test('ptrace needs kernel 4.8 without CAP_SYS_PTRACE', () => {
    const old = build(DOCKER_DEFAULT_CAPS, 'x64', '4.4.0-210-generic');
    assert.equal(verdict(old.compiled.filter, 'x86_64', 'ptrace'), 'errno 1');
    assert.equal(verdict(old.compiled.filter, 'x86_64', 'process_vm_readv'), 'errno 1');
    assert.equal(verdict(defaults.compiled.filter, 'x86_64', 'ptrace'), 'SCMP_ACT_ALLOW');
    const oldPtrace = build([...DOCKER_DEFAULT_CAPS, 'CAP_SYS_PTRACE'], 'x64', '4.4.0');
    assert.equal(verdict(oldPtrace.compiled.filter, 'x86_64', 'ptrace'), 'SCMP_ACT_ALLOW');
  });
});

describe('docker default profile on aarch64', () => {
  const arm = build(DOCKER_DEFAULT_CAPS, 'arm64');
  const f = arm.compiled.filter;

  test('uses the arm64 archMap entry and the generic syscall numbers', () => {
    assert.deepEqual(arm.config.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    assert.equal(runSeccompFilter(f, { arch: AUDIT_ARCH_AARCH64, nr: 63 }).action, 'SCMP_ACT_ALLOW'); // read
    assert.equal(runSeccompFilter(f, { arch: AUDIT_ARCH_AARCH64, nr: 97 }).errno, 1); // unshare
    assert.equal(verdict(f, 'aarch64', 'clone', [FORK_FLAGS | CLONE_NEWUSER]), 'errno 1');
    assert.equal(verdict(f, 'aarch64', 'clone', [FORK_FLAGS]), 'SCMP_ACT_ALLOW');
    assert.equal(verdict(f, 'arm', 'cacheflush'), 'SCMP_ACT_ALLOW');
    assert.equal(verdict(f, 'arm', 'read'), 'SCMP_ACT_ALLOW');
    assert.equal(runSeccompFilter(f, { arch: AUDIT_ARCH_X86_64, nr: 0 }).action, 'SCMP_ACT_KILL_THREAD');
  });
});

describe('compiled filter equals the direct model for every syscall', () => {
  const argSets: bigint[][] = [[], [0n], [0xffffffffn], [0x1_0000_0000n], [0xffff_ffff_ffff_ffffn], [BigInt(0x7e020000)],
    [BigInt(FORK_FLAGS | CLONE_NEWUSER)], [38n], [40n], [0x20008n], [0n, 0x7e020000n]];
  const cases: [string, ReturnType<typeof build>, 'x86_64' | 'aarch64', SeccompArchName[]][] = [
    ['x86_64 default caps', defaults, 'x86_64', ['x86_64', 'x86', 'x32']],
    ['x86_64 with CAP_SYS_ADMIN', withAdmin, 'x86_64', ['x86_64', 'x86', 'x32']],
    ['aarch64 default caps', build(DOCKER_DEFAULT_CAPS, 'arm64'), 'aarch64', ['aarch64', 'arm']],
  ];
  for (const [label, { config, compiled }, native, abis] of cases) {
    test(label, () => {
      const insns = decodeFilter(compiled.filter);
      let checked = 0;
      for (const abi of abis) {
        const audit = { x86_64: AUDIT_ARCH_X86_64, x32: AUDIT_ARCH_X86_64, x86: AUDIT_ARCH_I386, aarch64: AUDIT_ARCH_AARCH64, arm: AUDIT_ARCH_ARM }[abi];
        const base = abi === 'x32' ? 0x40000000 : 0;
        const nrs = new Set([...Object.values(syscallTable(abi)), base, base + 1023, base + 0x0f0010, 0x3fffffff, 0xffffffff]);
        for (const nr of nrs) {
          for (const args of argSets) {
            const got = runSeccompFilter(insns, { arch: audit, nr, args }).ret;
            assert.equal(got, expectedRet(config, native, audit, nr, args), `${abi} nr ${nr} args ${args}`);
            checked++;
          }
        }
      }
      assert.ok(checked > 5000);
    });
  }
});
