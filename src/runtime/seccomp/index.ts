// Seccomp for wharf: Docker profiles -> OCI linux.seccomp -> classic BPF bytes for the executor.
export type {
  DockerSeccompFilter, DockerSeccompProfile, DockerSeccompSyscall, LinuxSeccomp, LinuxSeccompArg,
  LinuxSyscall, SeccompAction, SeccompConfigInput, SeccompOperator, SeccompValue,
} from './types.js';
export { dockerDefaultSeccomp, seccompFromDockerProfile, type DockerSeccompOptions } from './docker-profile.js';
export { compileSeccomp, type CompileOptions, type CompiledSeccomp } from './compile.js';
export { runSeccompFilter, checkFilter, decodeReturn, type SeccompData, type SeccompResult, type SeccompVerdict } from './interpreter.js';
export { decodeFilter, encodeFilter, type SockFilter } from './bpf.js';
export {
  ARCHES, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT,
  archFromName, syscallNumber, syscallTable, type SeccompArchName,
} from './arch.js';
export { SeccompConfigError } from './validate.js';
export * from './constants.js';
