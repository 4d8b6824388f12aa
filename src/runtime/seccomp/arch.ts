// Architectures the seccomp compiler knows: names, AUDIT_ARCH_* values and syscall tables.
// Tables are generated data (scripts/gen-syscall-tables.mjs -> syscalls.json).
import tables from './syscalls.json' with { type: 'json' };

export type SeccompArchName = 'x86_64' | 'x86' | 'x32' | 'aarch64' | 'arm';

export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_I386 = 0x40000003;
export const AUDIT_ARCH_AARCH64 = 0xc00000b7;
export const AUDIT_ARCH_ARM = 0x40000028;
/** x32 syscalls run under AUDIT_ARCH_X86_64 with this bit set in the syscall number. */
export const X32_SYSCALL_BIT = 0x40000000;

export interface ArchInfo {
  name: SeccompArchName;
  scmp: string;
  audit: number;
  /** Argument width libseccomp compares: 32-bit ABIs compare the low word only. */
  bits: 32 | 64;
  /** Lowest and highest syscall number of this ABI inside its audit arch. */
  nrRange: [number, number];
}

export const ARCHES: Record<SeccompArchName, ArchInfo> = {
  x86_64: { name: 'x86_64', scmp: 'SCMP_ARCH_X86_64', audit: AUDIT_ARCH_X86_64, bits: 64, nrRange: [0, X32_SYSCALL_BIT - 1] },
  x32: { name: 'x32', scmp: 'SCMP_ARCH_X32', audit: AUDIT_ARCH_X86_64, bits: 32, nrRange: [X32_SYSCALL_BIT, 0xffffffff] },
  x86: { name: 'x86', scmp: 'SCMP_ARCH_X86', audit: AUDIT_ARCH_I386, bits: 32, nrRange: [0, 0xffffffff] },
  aarch64: { name: 'aarch64', scmp: 'SCMP_ARCH_AARCH64', audit: AUDIT_ARCH_AARCH64, bits: 64, nrRange: [0, 0xffffffff] },
  arm: { name: 'arm', scmp: 'SCMP_ARCH_ARM', audit: AUDIT_ARCH_ARM, bits: 32, nrRange: [0, 0xffffffff] },
};

/** ABIs a kernel of the given native architecture can run; no other ABI can ever reach its filter. */
export const KERNEL_ABIS: Partial<Record<SeccompArchName, SeccompArchName[]>> = {
  x86_64: ['x86_64', 'x86', 'x32'],
  aarch64: ['aarch64', 'arm'],
  x86: ['x86'],
  arm: ['arm'],
};

/** Every SCMP_ARCH_* value of OCI runtime-spec v1.2 (valid even when we cannot run it). */
export const OCI_ARCHES = new Set([
  'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_LOONGARCH64', 'SCMP_ARCH_M68K', 'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32',
  'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X', 'SCMP_ARCH_SH', 'SCMP_ARCH_SHEB',
  'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64', 'SCMP_ARCH_RISCV64',
]);

const ALIASES: Record<string, SeccompArchName> = {
  x64: 'x86_64', x86_64: 'x86_64', amd64: 'x86_64', SCMP_ARCH_X86_64: 'x86_64',
  ia32: 'x86', x86: 'x86', i386: 'x86', i686: 'x86', '386': 'x86', SCMP_ARCH_X86: 'x86',
  x32: 'x32', SCMP_ARCH_X32: 'x32',
  arm64: 'aarch64', aarch64: 'aarch64', SCMP_ARCH_AARCH64: 'aarch64',
  arm: 'arm', SCMP_ARCH_ARM: 'arm',
};

/** Maps Node (process.arch), Go/Docker, uname or SCMP_ARCH_* names to ours; undefined if unknown. */
export function archFromName(name: string): SeccompArchName | undefined {
  return Object.hasOwn(ALIASES, name) ? ALIASES[name] : undefined;
}

/** The architecture of a kernel we can build a filter for (the process's own arch by default). */
export function kernelArch(name: string): SeccompArchName {
  const arch = archFromName(name);
  if (!arch || !KERNEL_ABIS[arch]) {
    throw new Error(`seccomp: unsupported architecture "${name}" (supported: x86_64, aarch64, x86, arm)`);
  }
  return arch;
}

const TABLES = tables as Record<SeccompArchName, Record<string, number>>;

/** Syscall number of `name` on `arch` (x32 numbers include X32_SYSCALL_BIT), undefined if absent. */
export function syscallNumber(arch: SeccompArchName | string, name: string): number | undefined {
  const a = archFromName(arch);
  if (!a) throw new Error(`seccomp: unknown architecture "${arch}"`);
  const table = TABLES[a];
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** The whole name -> number table of an architecture. */
export function syscallTable(arch: SeccompArchName): Readonly<Record<string, number>> {
  return TABLES[arch];
}
