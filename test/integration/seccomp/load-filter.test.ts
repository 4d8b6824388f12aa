// Loads compiled filters into a real process (python3 + ctypes: prctl(PR_SET_NO_NEW_PRIVS) then
// seccomp(SECCOMP_SET_MODE_FILTER)) and checks the kernel's answers: denied syscalls fail with the
// profile's errno, allowed ones work, i386 (int 0x80) and x32 syscalls are told apart, kills kill.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  compileSeccomp, dockerDefaultSeccomp, runSeccompFilter, syscallNumber, X32_SYSCALL_BIT,
  type LinuxSeccomp, type SeccompConfigInput,
} from '../../../src/runtime/seccomp/index.js';

const DOCKER_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];
const CLONE_NEWUTS = 0x04000000;
const ADDR_NO_RANDOMIZE = 0x0040000;

// Runs `calls` (native syscall(2), or i386 via int 0x80) after loading the filter, printing one JSON
// line per call so results survive a later kill.
const HELPER = String.raw`
import ctypes, json, mmap, sys
req = json.load(open(sys.argv[1]))
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
# int i386(unsigned nr, unsigned arg0): push rbx; mov eax,edi; mov ebx,esi; int 0x80; pop rbx; ret
stub = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
stub.write(bytes([0x53, 0x89, 0xf8, 0x89, 0xf3, 0xcd, 0x80, 0x5b, 0xc3]))
i386 = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint, ctypes.c_uint)(ctypes.addressof(ctypes.c_char.from_buffer(stub)))
def arg(a):
    return ctypes.c_char_p(a.encode()) if isinstance(a, str) else ctypes.c_ulong(a)
if req['filter']:
    data = open(req['filter'], 'rb').read()
    buf = ctypes.create_string_buffer(data, len(data))
    class Fprog(ctypes.Structure):
        _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]
    prog = Fprog(len(data) // 8, ctypes.cast(buf, ctypes.c_void_p))
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        print(json.dumps({'load': ctypes.get_errno()}), flush=True); sys.exit(2)
    if req['flags']:
        r = libc.syscall(ctypes.c_long(req['seccompNr']), ctypes.c_long(1), ctypes.c_long(req['flags']), ctypes.byref(prog))
    else:
        r = libc.prctl(22, 2, ctypes.byref(prog), 0, 0)  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
    if r != 0:
        print(json.dumps({'load': ctypes.get_errno()}), flush=True); sys.exit(2)
status = {l.split(':')[0]: l.split(':')[1].strip() for l in open('/proc/self/status') if l.startswith(('Seccomp:', 'NoNewPrivs:'))}
print(json.dumps({'status': status}), flush=True)
for c in req['calls']:
    ctypes.set_errno(0)
    if c['abi'] == 'i386':
        r = i386(c['nr'], c['args'][0] if c['args'] else 0)
        res = [-1, -r] if -4096 < r < 0 else [r, 0]
    else:
        r = libc.syscall(ctypes.c_long(c['nr']), *[arg(a) for a in c['args']])
        res = [r, ctypes.get_errno() if r == -1 else 0]
    print(json.dumps({'call': c['name'], 'ret': res[0], 'errno': res[1]}), flush=True)
`;

interface Call { name: string; abi: 'native' | 'i386'; nr: number; args: (number | string)[] }
interface Outcome { status?: Record<string, string>; results: Map<string, { ret: number; errno: number }>; signal: string | null; code: number | null; stderr: string }

const canRun = process.getuid?.() === 0 && process.arch === 'x64' && spawnSync('python3', ['-c', 'import ctypes'], { timeout: 10_000 }).status === 0;

describe('seccomp filters loaded into a real process', { skip: !canRun && 'needs root, x86_64 and python3' }, () => {
  let dir = '';
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-seccomp-')); });
  after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  const nr = (name: string) => syscallNumber('x86_64', name)!;
  const call = (name: string, ...args: (number | string)[]): Call => ({ name, abi: 'native', nr: nr(name), args });
  const i386 = (name: string, arg0 = 0): Call => ({ name: `i386 ${name}`, abi: 'i386', nr: syscallNumber('x86', name)!, args: [arg0] });

  function run(config: SeccompConfigInput | LinuxSeccomp | undefined, calls: Call[]): Outcome {
    const id = Math.random().toString(36).slice(2);
    const req: Record<string, unknown> = { filter: '', flags: 0, seccompNr: nr('seccomp'), calls };
    if (config) {
      const compiled = compileSeccomp(config, 'x64');
      req.filter = path.join(dir, `filter-${id}.bpf`);
      req.flags = compiled.flags;
      fs.writeFileSync(req.filter as string, compiled.filter);
    }
    const reqPath = path.join(dir, `req-${id}.json`);
    fs.writeFileSync(reqPath, JSON.stringify(req));
    const r = spawnSync('python3', ['-c', HELPER, reqPath], { encoding: 'utf8', timeout: 20_000 });
    const out: Outcome = { results: new Map(), signal: r.signal, code: r.status, stderr: r.stderr };
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const msg = JSON.parse(line);
      if (msg.load !== undefined) assert.fail(`loading the filter failed: errno ${msg.load}`);
      if (msg.status) out.status = msg.status;
      if (msg.call) out.results.set(msg.call, { ret: msg.ret, errno: msg.errno });
    }
    return out;
  }

  /** What our interpreter says about a call, to tie the model to the kernel's behaviour. */
  function predicted(config: SeccompConfigInput | LinuxSeccomp, c: Call) {
    const { filter } = compileSeccomp(config, 'x64');
    const args = c.args.map((a) => (typeof a === 'string' ? 0x7f0000001000 : a)); // a pointer, for arg-free rules
    return runSeccompFilter(filter, { arch: c.abi === 'i386' ? 'x86' : 'x86_64', nr: c.nr, args });
  }

  test("Docker's default profile: denied calls get EPERM/ENOSYS, allowed ones work", () => {
    const profile = dockerDefaultSeccomp({ capabilities: DOCKER_CAPS, arch: 'x64' });
    const expectations: [Call, number | 'ok'][] = [
      [call('getppid'), 'ok'],
      [call('unshare', CLONE_NEWUTS), 1],
      [call('keyctl', 0, 0xfffffffd, 0), 1], // KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING
      [call('mount', 'none', '/nonexistent-wharf', 'tmpfs', 0, 0), 1],
      [call('clone3', 0, 0), 38],
      [{ ...call('personality', 0xffffffff), name: 'personality query' }, 'ok'],
      [{ ...call('personality', ADDR_NO_RANDOMIZE), name: 'personality ADDR_NO_RANDOMIZE' }, 1],
      [{ ...call('socket', 40, 1, 0), name: 'socket AF_VSOCK' }, 1],
      [{ ...call('socket', 1, 1, 0), name: 'socket AF_UNIX' }, 'ok'],
      [i386('getpid'), 'ok'],
      [i386('unshare', CLONE_NEWUTS), 1],
    ];
    const calls = expectations.map(([c]) => c);
    assert.equal(new Set(calls.map((c) => c.name)).size, calls.length, 'call names are unique');
    const filtered = run(profile, calls);
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.deepEqual(filtered.status, { Seccomp: '2', NoNewPrivs: '1' });
    for (const [c, want] of expectations) {
      const got = filtered.results.get(c.name)!;
      const model = predicted(profile, c);
      if (want === 'ok') {
        assert.ok(got.ret >= 0, `${c.name}: expected success, got errno ${got.errno}`);
        assert.equal(model.action, 'SCMP_ACT_ALLOW', `${c.name}: interpreter`);
      } else {
        assert.deepEqual(got, { ret: -1, errno: want }, c.name);
        assert.equal(model.errno, want, `${c.name}: interpreter`);
      }
    }
    // Without the filter the same process (root) may do what the filter denied.
    const control = run(undefined, calls);
    assert.equal(control.code, 0, control.stderr);
    assert.equal(control.results.get('unshare')!.ret, 0);
    assert.equal(control.results.get('i386 unshare')!.ret, 0);
    assert.notEqual(control.results.get('clone3')!.errno, 38);
    assert.ok(control.results.get('personality ADDR_NO_RANDOMIZE')!.ret >= 0);
    assert.notEqual(control.results.get('mount')!.errno, 1);
  });

  test('CAP_SYS_ADMIN profile allows unshare', () => {
    const profile = dockerDefaultSeccomp({ capabilities: [...DOCKER_CAPS, 'CAP_SYS_ADMIN'], arch: 'x64' });
    const r = run(profile, [call('unshare', CLONE_NEWUTS), i386('unshare', CLONE_NEWUTS)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.results.get('unshare')!.ret, 0);
    assert.equal(r.results.get('i386 unshare')!.ret, 0);
  });

  test('64-bit argument halves and custom errnos are enforced by the kernel', () => {
    const config: SeccompConfigInput = {
      defaultAction: 'SCMP_ACT_ALLOW',
      flags: ['SECCOMP_FILTER_FLAG_LOG'],
      syscalls: [
        { names: ['getpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 77, args: [{ index: 1, op: 'SCMP_CMP_GT', value: 0x1_0000_0000 }] },
        { names: ['getpgid'], action: 'SCMP_ACT_ERRNO', errnoRet: 78, args: [{ index: 0, op: 'SCMP_CMP_MASKED_EQ', value: 0xff00_0000_0000_0000n, valueTwo: 0x4200_0000_0000_0000n }] },
      ],
    };
    const calls = [
      { ...call('getpriority', 0, 0), name: 'prio self' },
      { ...call('getpriority', 0, 0x1_0000_0000), name: 'prio hi=1 lo=0' },
      { ...call('getpriority', 0, 0x1_0000_0001), name: 'prio hi=1 lo=1' },
      { ...call('getpgid', 0), name: 'pgid self' },
      { ...call('getpgid', Number(0x4200_0000_0000_0000n)), name: 'pgid 0x42..' },
    ];
    const r = run(config, calls);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.results.get('prio self')!.ret >= 0);
    assert.ok(r.results.get('prio hi=1 lo=0')!.ret >= 0); // not greater: the kernel sees who=0
    assert.deepEqual(r.results.get('prio hi=1 lo=1'), { ret: -1, errno: 77 });
    assert.ok(r.results.get('pgid self')!.ret >= 0);
    assert.deepEqual(r.results.get('pgid 0x42..'), { ret: -1, errno: 78 });
  });

  test('x32 syscalls are a different ABI: killed when SCMP_ARCH_X32 is not listed', () => {
    const x32getpid = { name: 'x32 getpid', abi: 'native' as const, nr: X32_SYSCALL_BIT + 39, args: [] };
    const listed = run(dockerDefaultSeccomp({ capabilities: DOCKER_CAPS, arch: 'x64' }), [call('getppid'), x32getpid]);
    assert.equal(listed.signal, null, 'x32 getpid is allowed by the default profile');
    assert.ok(listed.results.has('x32 getpid'));
    const nativeOnly = run({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'] }, [call('getppid'), x32getpid]);
    assert.ok(nativeOnly.results.get('getppid')!.ret >= 0);
    assert.equal(nativeOnly.signal, 'SIGSYS');
    assert.ok(!nativeOnly.results.has('x32 getpid'));
  });

  test('SCMP_ACT_KILL_PROCESS kills with SIGSYS', () => {
    const r = run({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_KILL_PROCESS' }] }, [call('getpid'), call('getppid')]);
    assert.equal(r.signal, 'SIGSYS');
    assert.ok(r.results.has('getpid') && !r.results.has('getppid'));
  });
});
