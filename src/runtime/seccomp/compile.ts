// compileSeccomp: OCI linux.seccomp -> classic BPF bytes (struct sock_filter[], little-endian)
// plus the seccomp(2) flags, ready for the executor's `seccomp` op.
import { kernelArch } from './arch.js';
import { BPF_MAXINSNS, encodeFilter } from './bpf.js';
import { generateProgram } from './codegen.js';
import { SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, SECCOMP_RET_KILL_THREAD } from './constants.js';
import { planSeccomp } from './plan.js';
import type { LinuxSeccomp, SeccompConfigInput } from './types.js';
import { actionRet, normalizeSeccomp } from './validate.js';

export interface CompileOptions {
  /** Action for syscalls from an architecture the filter does not cover (libseccomp: SCMP_ACT_KILL). */
  badArchAction?: string;
  /** Prefix for error messages (default "linux.seccomp"). */
  field?: string;
}

export interface CompiledSeccomp {
  /** struct sock_filter array, 8 bytes per instruction. */
  filter: Uint8Array;
  /** SECCOMP_FILTER_FLAG_* bits for seccomp(SECCOMP_SET_MODE_FILTER, flags, prog). */
  flags: number;
  instructions: number;
  /** Names found in no syscall table (skipped, like libseccomp skips names unknown to an arch). */
  unknownSyscalls: string[];
}

/**
 * Compiles an OCI seccomp config for a kernel of architecture `arch` (Node, Go or SCMP_ARCH_* name).
 * The native architecture is always covered; others from `architectures` when its kernel can run them.
 */
export function compileSeccomp(config: LinuxSeccomp | SeccompConfigInput, arch: string = process.arch, options: CompileOptions = {}): CompiledSeccomp {
  const field = options.field ?? 'linux.seccomp';
  const norm = normalizeSeccomp(config, field);
  const badArchRet = options.badArchAction === undefined
    ? SECCOMP_RET_KILL_THREAD
    : actionRet(options.badArchAction, undefined, 'badArchAction', 'badArchAction');
  const plan = planSeccomp(norm, kernelArch(arch), badArchRet);
  const program = generateProgram(plan);
  if (program.length > BPF_MAXINSNS) {
    throw new Error(`${field}: the compiled seccomp filter has ${program.length} instructions, more than the kernel's limit of ${BPF_MAXINSNS}`);
  }
  // WAIT_KILLABLE_RECV only applies with a notify listener (the kernel rejects it alone); we
  // support no SCMP_ACT_NOTIFY, so it has nothing to act on.
  const flags = norm.flags & ~SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  return { filter: encodeFilter(program), flags, instructions: program.length, unknownSyscalls: plan.unknownSyscalls };
}
