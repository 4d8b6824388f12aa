// A direct, unoptimized evaluator of OCI seccomp semantics (as runc + libseccomp apply them), used
// to cross-check compiled BPF: it walks the config for one syscall instead of compiling it.
import { syscallTable, type SeccompArchName } from '../../../src/runtime/seccomp/index.js';
import type { LinuxSeccomp } from '../../../src/runtime/seccomp/index.js';

export const DOCKER_DEFAULT_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

const RET: Record<string, number> = {
  SCMP_ACT_KILL: 0, SCMP_ACT_KILL_THREAD: 0, SCMP_ACT_KILL_PROCESS: 0x80000000, SCMP_ACT_TRAP: 0x30000,
  SCMP_ACT_ERRNO: 0x50000, SCMP_ACT_TRACE: 0x7ff00000, SCMP_ACT_LOG: 0x7ffc0000, SCMP_ACT_ALLOW: 0x7fff0000,
};

function ret(action: string, errnoRet?: number): number {
  const base = RET[action];
  if (base === undefined) throw new Error(`model: action ${action}`);
  return action === 'SCMP_ACT_ERRNO' || action === 'SCMP_ACT_TRACE' ? (base | (errnoRet ?? 1)) >>> 0 : base >>> 0;
}

const ABI_OF_SCMP: Record<string, SeccompArchName> = {
  SCMP_ARCH_X86_64: 'x86_64', SCMP_ARCH_X86: 'x86', SCMP_ARCH_X32: 'x32', SCMP_ARCH_AARCH64: 'aarch64', SCMP_ARCH_ARM: 'arm',
};
const RUNNABLE: Record<string, SeccompArchName[]> = { x86_64: ['x86_64', 'x86', 'x32'], aarch64: ['aarch64', 'arm'] };
const AUDIT: Record<SeccompArchName, number> = { x86_64: 0xc000003e, x32: 0xc000003e, x86: 0x40000003, aarch64: 0xc00000b7, arm: 0x40000028 };
const BITS: Record<SeccompArchName, 32 | 64> = { x86_64: 64, x32: 32, x86: 32, aarch64: 64, arm: 32 };

/** Which ABI a (audit arch, nr) pair belongs to on a kernel of `native` arch, if any. */
export function abiOf(native: 'x86_64' | 'aarch64', audit: number, nr: number): SeccompArchName | undefined {
  return RUNNABLE[native].find((a) => AUDIT[a] === audit && (a === 'x86_64' ? nr < 0x40000000 : a === 'x32' ? nr >= 0x40000000 : true));
}

function holds(op: string, arg: bigint, value: bigint, valueTwo: bigint, bits: 32 | 64): boolean {
  const width = (v: bigint) => (bits === 32 ? v & 0xffffffffn : v);
  const a = width(arg), v = width(value), v2 = width(valueTwo);
  switch (op) {
    case 'SCMP_CMP_EQ': return a === v;
    case 'SCMP_CMP_NE': return a !== v;
    case 'SCMP_CMP_LT': return a < v;
    case 'SCMP_CMP_LE': return a <= v;
    case 'SCMP_CMP_GT': return a > v;
    case 'SCMP_CMP_GE': return a >= v;
    case 'SCMP_CMP_MASKED_EQ': return (a & v) === v2;
    default: throw new Error(`model: op ${op}`);
  }
}

/** The value the kernel gets back from the filter for one syscall. */
export function expectedRet(config: LinuxSeccomp, native: 'x86_64' | 'aarch64', audit: number, nr: number, args: bigint[], badArch = 0): number {
  const abi = abiOf(native, audit, nr);
  const listed = (config.architectures ?? []).map((a) => ABI_OF_SCMP[a]).filter(Boolean);
  if (!abi || (abi !== native && !listed.includes(abi))) return badArch;
  const table = syscallTable(abi);
  const def = ret(config.defaultAction, config.defaultErrnoRet);
  const matching = (config.syscalls ?? []).filter((s) => s.names.some((n) => table[n] === nr));
  const rules = matching.filter((s) => ret(s.action, s.errnoRet) !== def);
  const unconditional = rules.find((s) => !s.args || s.args.length === 0);
  if (unconditional) return ret(unconditional.action, unconditional.errnoRet);
  for (const s of rules) {
    const conds = s.args!;
    const sameIndexTwice = new Set(conds.map((c) => c.index)).size !== conds.length;
    const test = (c: (typeof conds)[number]) => holds(c.op, args[c.index] ?? 0n, BigInt(c.value), BigInt(c.valueTwo ?? 0), BITS[abi]);
    if (sameIndexTwice ? conds.some(test) : conds.every(test)) return ret(s.action, s.errnoRet);
  }
  if (matching.length > 0) return def;
  // runc's ENOSYS stub: above the highest syscall the config names, for listed architectures.
  const permissive = ['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'].includes(config.defaultAction);
  const numbers = (config.syscalls ?? []).flatMap((s) => s.names).filter((n) => n in table).map((n) => table[n]);
  const last = Math.max(0, ...numbers);
  if (!permissive && def !== 0x50026 && listed.includes(abi) && last > 0 && nr > last) return 0x50026;
  return def;
}
