// Docker's seccomp profile format -> OCI linux.seccomp, resolving archMap and each entry's
// includes/excludes (capabilities, architecture, minimum kernel) exactly like moby's
// profiles/seccomp setupSeccomp does for a container's bounding capability set.
import os from 'node:os';
import defaultProfile from './docker-default.json' with { type: 'json' };
import type { LinuxSeccomp, LinuxSeccompArg, LinuxSyscall, SeccompAction } from './types.js';
import {
  SeccompConfigError, describe, expectObject, expectStringArray, optionalString, parseArchitectures,
  parseCondition, parseFlags,
} from './validate.js';

export interface DockerSeccompOptions {
  /** The container's bounding capabilities ("CAP_SYS_ADMIN" or "SYS_ADMIN"). */
  capabilities: string[];
  /** Architecture as Node (x64), Go (amd64) or uname (x86_64) names it; default process.arch. */
  arch?: string;
  /** Kernel release compared with minKernel; default os.release(). */
  kernelRelease?: string;
}

/** Go/libseccomp architecture names as moby uses them (goToNative), from any common spelling. */
const DOCKER_ARCH: Record<string, string> = {
  x64: 'amd64', amd64: 'amd64', x86_64: 'amd64',
  ia32: 'x86', x86: 'x86', '386': 'x86', i386: 'x86', i686: 'x86',
  arm64: 'arm64', aarch64: 'arm64', arm: 'arm',
  riscv64: 'riscv64', s390x: 's390x', s390: 's390', ppc64: 'ppc64', ppc64le: 'ppc64le', ppc: 'ppc',
  mips64: 'mips64', mips64el: 'mipsel64', mipsel: 'mipsel', loong64: 'loong64',
};

/** moby's nativeToSeccomp: which archMap entry applies. */
const NATIVE_TO_SCMP: Record<string, string> = {
  amd64: 'SCMP_ARCH_X86_64', x86: 'SCMP_ARCH_X86', arm64: 'SCMP_ARCH_AARCH64', arm: 'SCMP_ARCH_ARM',
  mips64: 'SCMP_ARCH_MIPS64', mipsel64: 'SCMP_ARCH_MIPSEL64', mipsel: 'SCMP_ARCH_MIPSEL',
  ppc: 'SCMP_ARCH_PPC', ppc64: 'SCMP_ARCH_PPC64', ppc64le: 'SCMP_ARCH_PPC64LE', riscv64: 'SCMP_ARCH_RISCV64',
  s390: 'SCMP_ARCH_S390', s390x: 'SCMP_ARCH_S390X', loong64: 'SCMP_ARCH_LOONGARCH64',
};

const ACTIONS = new Set([
  'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY',
]);

interface KernelVersion { kernel: number; major: number }

/** moby's parseRelease: only "<kernel>.<major>" counts (3.12.25-gentoo == 3.12-1-amd64). */
function parseKernelVersion(release: string, field: string): KernelVersion {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) throw new SeccompConfigError(field, `invalid kernel version ${describe(release)}, expected "<kernel>.<major>"`);
  return { kernel: Number(m[1]), major: Number(m[2]) };
}

function kernelAtLeast(current: KernelVersion, min: KernelVersion): boolean {
  return current.kernel > min.kernel || (current.kernel === min.kernel && current.major >= min.major);
}

function normalizeCap(cap: string): string {
  const upper = cap.toUpperCase();
  return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

interface Filter { caps: string[]; arches: string[]; minKernel?: KernelVersion }

function parseFilter(v: unknown, field: string): Filter | undefined {
  if (v === undefined || v === null) return undefined;
  const f = expectObject(v, field);
  const minKernel = optionalString(f.minKernel, `${field}.minKernel`);
  return {
    caps: f.caps == null ? [] : expectStringArray(f.caps, `${field}.caps`),
    arches: f.arches == null ? [] : expectStringArray(f.arches, `${field}.arches`),
    minKernel: minKernel ? parseKernelVersion(minKernel, `${field}.minKernel`) : undefined,
  };
}

/** Docker decodes values into Go uint64s: JSON numbers only. */
function parseArgs(v: unknown, field: string): LinuxSeccompArg[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new SeccompConfigError(field, `must be an array, got ${describe(v)}`);
  return v.map((a, i) => {
    const cond = parseCondition(a, `${field}[${i}]`); // validates index, op and values
    const o = a as Record<string, unknown>;
    for (const key of ['value', 'valueTwo'] as const) {
      if (o[key] != null && typeof o[key] !== 'number') {
        throw new SeccompConfigError(`${field}[${i}].${key}`, `must be a number, got ${describe(o[key])}`);
      }
    }
    const arg: LinuxSeccompArg = { index: cond.index, value: o.value as number, op: cond.op };
    if (o.valueTwo != null) arg.valueTwo = o.valueTwo as number;
    return arg;
  });
}

function parseErrno(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffff) {
    throw new SeccompConfigError(field, `must be an integer between 0 and 65535, got ${describe(v)}`);
  }
  return v;
}

function parseAction(v: unknown, field: string): SeccompAction {
  if (typeof v !== 'string' || !ACTIONS.has(v)) throw new SeccompConfigError(field, `unknown seccomp action ${describe(v)}`);
  return v as SeccompAction;
}

/**
 * Converts a Docker-format seccomp profile (`--security-opt seccomp=file.json`; JSON text or parsed)
 * for a container with the given bounding capabilities. Returns undefined for a profile with neither
 * defaultAction nor syscalls, which Docker treats as no filter.
 */
export function seccompFromDockerProfile(json: unknown, opts: DockerSeccompOptions, field = 'seccomp profile'): LinuxSeccomp | undefined {
  let parsed = json;
  if (typeof json === 'string') {
    try {
      parsed = JSON.parse(json);
    } catch (err) {
      throw new SeccompConfigError(field, `invalid JSON: ${(err as Error).message}`);
    }
  }
  const p = expectObject(parsed, field);
  const defaultAction = optionalString(p.defaultAction, `${field}.defaultAction`) ?? '';
  const syscalls = p.syscalls ?? [];
  if (!Array.isArray(syscalls)) throw new SeccompConfigError(`${field}.syscalls`, `must be an array, got ${describe(syscalls)}`);
  if (defaultAction === '' && syscalls.length === 0) return undefined;

  const arch = DOCKER_ARCH[opts.arch ?? process.arch] ?? opts.arch ?? process.arch;
  const bounding = new Set(opts.capabilities.map(normalizeCap));
  let kernel: KernelVersion | undefined;
  const kernelVersion = () => (kernel ??= parseKernelVersion(opts.kernelRelease ?? os.release(), 'kernel release'));

  const out: LinuxSeccomp = { defaultAction: parseAction(defaultAction, `${field}.defaultAction`) };
  const defaultErrnoRet = parseErrno(p.defaultErrnoRet, `${field}.defaultErrnoRet`);
  if (defaultErrnoRet !== undefined) out.defaultErrnoRet = defaultErrnoRet;

  const architectures = parseArchitectures(p.architectures, `${field}.architectures`);
  if (p.archMap != null) {
    if (architectures.length > 0 && Array.isArray(p.archMap) && p.archMap.length > 0) {
      throw new SeccompConfigError(field, "both 'architectures' and 'archMap' are specified, use either 'architectures' or 'archMap'");
    }
    if (!Array.isArray(p.archMap)) throw new SeccompConfigError(`${field}.archMap`, `must be an array, got ${describe(p.archMap)}`);
    const entries = p.archMap.map((e, i) => {
      const o = expectObject(e, `${field}.archMap[${i}]`);
      const main = parseArchitectures([o.architecture], `${field}.archMap[${i}].architecture`)[0];
      const subs = parseArchitectures(o.subArchitectures, `${field}.archMap[${i}].subArchitectures`);
      return [main, ...subs];
    });
    const match = entries.find((e) => e[0] === NATIVE_TO_SCMP[arch]);
    if (match) architectures.push(...match);
  }
  if (architectures.length > 0) out.architectures = architectures;
  if (p.flags != null) {
    parseFlags(p.flags, `${field}.flags`);
    out.flags = [...(p.flags as string[])];
  }
  const listenerPath = optionalString(p.listenerPath, `${field}.listenerPath`);
  if (listenerPath) out.listenerPath = listenerPath;
  const listenerMetadata = optionalString(p.listenerMetadata, `${field}.listenerMetadata`);
  if (listenerMetadata) out.listenerMetadata = listenerMetadata;

  const result: LinuxSyscall[] = [];
  syscalls.forEach((entry, i) => {
    const f = `${field}.syscalls[${i}]`;
    const s = expectObject(entry, f);
    const name = optionalString(s.name, `${f}.name`);
    if (name && s.names != null && (s.names as unknown[]).length > 0) {
      throw new SeccompConfigError(f, "both 'name' and 'names' are specified, use either 'name' or 'names'");
    }
    const names = name ? [name] : expectStringArray(s.names ?? [], `${f}.names`);
    if (names.length === 0) throw new SeccompConfigError(`${f}.names`, 'must list at least one syscall');
    const action = parseAction(s.action, `${f}.action`);
    const errnoRet = parseErrno(s.errnoRet, `${f}.errnoRet`);
    const args = parseArgs(s.args, `${f}.args`);
    const excludes = parseFilter(s.excludes, `${f}.excludes`);
    const includes = parseFilter(s.includes, `${f}.includes`);
    optionalString(s.comment, `${f}.comment`);

    if (excludes) {
      if (excludes.arches.includes(arch)) return;
      if (excludes.caps.some((c) => bounding.has(c))) return;
      if (excludes.minKernel && kernelAtLeast(kernelVersion(), excludes.minKernel)) return;
    }
    if (includes) {
      if (includes.arches.length > 0 && !includes.arches.includes(arch)) return;
      if (!includes.caps.every((c) => bounding.has(c))) return;
      if (includes.minKernel && !kernelAtLeast(kernelVersion(), includes.minKernel)) return;
    }
    const call: LinuxSyscall = { names: [...names], action };
    if (errnoRet !== undefined) call.errnoRet = errnoRet;
    if (args && args.length > 0) call.args = args;
    result.push(call);
  });
  if (result.length > 0) out.syscalls = result;
  return out;
}

/** Docker's default seccomp profile for a container with the given bounding capabilities. */
export function dockerDefaultSeccomp(opts: DockerSeccompOptions): LinuxSeccomp {
  const config = seccompFromDockerProfile(defaultProfile, opts, 'docker default seccomp profile');
  if (!config) throw new Error('docker default seccomp profile is empty');
  return config;
}
