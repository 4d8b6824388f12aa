#!/usr/bin/env node
// Generates src/runtime/seccomp/syscalls.json (syscall name -> number per architecture) from the
// kernel UAPI headers on this machine (linux-libc-dev):
//   x86_64, x86 (i386), x32: <asm/unistd_64.h>, <asm/unistd_32.h>, <asm/unistd_x32.h>
//   aarch64: <asm-generic/unistd.h> preprocessed with the macros arm64's <asm/unistd.h> defines
//   arm (EABI): libseccomp's own table (no arm headers on an x86 host), read through python ctypes
// Syscalls added after the installed headers use the numbering shared by every architecture since
// Linux 5.1 (424 and up are identical on all of them; x32 adds its 0x40000000 bit), see EXTRA.
// Usage: node scripts/gen-syscall-tables.mjs [--check]   (--check: fail if the file is stale)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const OUT = new URL('../src/runtime/seccomp/syscalls.json', import.meta.url);
const ASM = '/usr/include/x86_64-linux-gnu/asm';
const X32_BIT = 0x40000000;

// Linux 6.5 .. 6.17 additions (numbers common to all architectures).
const EXTRA = {
  cachestat: 451,
  fchmodat2: 452, map_shadow_stack: 453, futex_wake: 454, futex_wait: 455, futex_requeue: 456,
  statmount: 457, listmount: 458, lsm_get_self_attr: 459, lsm_set_self_attr: 460,
  lsm_list_modules: 461, mseal: 462, setxattrat: 463, getxattrat: 464, listxattrat: 465,
  removexattrat: 466, open_tree_attr: 467, file_getattr: 468, file_setattr: 469,
};

// x86-64 only (Linux 6.11, "common" ABI in syscall_64.tbl: native and x32).
const EXTRA_X86_64 = { uretprobe: 335 };

/** Evaluates the small constant expressions the headers use: numbers, +, parentheses. */
function evalConst(expr, macros = {}) {
  const replaced = expr.replace(/[A-Za-z_][A-Za-z0-9_]*/g, (m) => {
    if (!(m in macros)) throw new Error(`unknown macro ${m} in "${expr}"`);
    return String(macros[m]);
  });
  if (!/^[\s0-9a-fx+()]*$/i.test(replaced)) throw new Error(`unexpected expression "${expr}"`);
  const tokens = replaced.replace(/[()]/g, ' ').trim().split(/\s*\+\s*/);
  return tokens.reduce((sum, t) => sum + Number(t), 0);
}

function parseDefines(file, macros = {}) {
  const table = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^#define __NR_([a-z0-9_]+)\s+(.+)$/.exec(line.trim());
    if (m) table[m[1]] = evalConst(m[2], macros);
  }
  return table;
}

/** arm64's uapi <asm/unistd.h> is asm-generic with these switches, 64-bit longs. */
function aarch64Table() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-gen-syscalls-'));
  try {
    fs.mkdirSync(path.join(dir, 'asm'));
    fs.writeFileSync(path.join(dir, 'asm/bitsperlong.h'), '#define __BITS_PER_LONG 64\n');
    const head = ['RENAMEAT', 'NEW_STAT', 'SET_GET_RLIMIT', 'TIME32_SYSCALLS', 'SYS_CLONE3', 'MEMFD_SECRET']
      .map((w) => `#define __ARCH_WANT_${w}\n`).join('') + '#include <asm-generic/unistd.h>\n';
    fs.writeFileSync(path.join(dir, 'a.h'), head);
    const cpp = (file) => execFileSync('cpp', ['-nostdinc', '-I', dir, '-I', '/usr/include', ...file], { encoding: 'utf8' });
    const names = [...cpp(['-dM', path.join(dir, 'a.h')]).matchAll(/^#define __NR_([a-z0-9_]+) /gm)]
      .map((m) => m[1]).filter((n) => n !== 'syscalls' && n !== 'arch_specific_syscall');
    fs.writeFileSync(path.join(dir, 'b.h'), head + names.map((n) => `WHARF_NR ${n} __NR_${n}\n`).join(''));
    const table = {};
    for (const m of cpp(['-P', path.join(dir, 'b.h')]).matchAll(/^WHARF_NR (\w+) (.+)$/gm)) table[m[1]] = evalConst(m[2]);
    return table;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Asks libseccomp (python ctypes) for every syscall number of an architecture. */
function libseccompTable(auditArch, ranges) {
  const py = `
import ctypes, json, sys
l = ctypes.CDLL('libseccomp.so.2')
l.seccomp_syscall_resolve_num_arch.restype = ctypes.c_void_p
l.seccomp_syscall_resolve_num_arch.argtypes = [ctypes.c_uint32, ctypes.c_int]
libc = ctypes.CDLL(None)
out = {}
for lo, hi in json.loads(sys.argv[2]):
    for nr in range(lo, hi):
        p = l.seccomp_syscall_resolve_num_arch(int(sys.argv[1]), nr)
        if p:
            out[ctypes.string_at(p).decode()] = nr
            libc.free(ctypes.c_void_p(p))
print(json.dumps(out))
`;
  return JSON.parse(execFileSync('python3', ['-c', py, String(auditArch), JSON.stringify(ranges)], { encoding: 'utf8' }));
}

function sortByNumber(table) {
  return Object.fromEntries(Object.entries(table).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)));
}

function withExtra(table, bit = 0, extra = EXTRA) {
  const out = { ...table };
  for (const [name, nr] of Object.entries(extra)) if (!(name in out)) out[name] = nr | bit;
  return sortByNumber(out);
}

function compare(label, ours, theirs) {
  const diffs = Object.keys(ours).filter((n) => n in theirs && theirs[n] !== ours[n]);
  if (diffs.length) console.error(`note: ${label}: libseccomp differs for ${diffs.slice(0, 8).join(', ')}${diffs.length > 8 ? ', ...' : ''}`);
}

const tables = {
  x86_64: withExtra(parseDefines(`${ASM}/unistd_64.h`), 0, { ...EXTRA, ...EXTRA_X86_64 }),
  x86: withExtra(parseDefines(`${ASM}/unistd_32.h`)),
  x32: withExtra(parseDefines(`${ASM}/unistd_x32.h`, { __X32_SYSCALL_BIT: X32_BIT }), X32_BIT, { ...EXTRA, ...EXTRA_X86_64 }),
  aarch64: withExtra(aarch64Table()),
  arm: withExtra(libseccompTable(0x40000028, [[0, 1024], [0xf0000, 0xf0010]])),
};
compare('aarch64', tables.aarch64, libseccompTable(0xc00000b7, [[0, 1024]]));

const text = JSON.stringify(tables, null, 1) + '\n';
if (process.argv.includes('--check')) {
  if (fs.readFileSync(OUT, 'utf8') !== text) { console.error(`${OUT.pathname} is stale`); process.exit(1); }
} else {
  fs.writeFileSync(OUT, text);
}
for (const [arch, t] of Object.entries(tables)) console.log(`${arch}: ${Object.keys(t).length} syscalls`);
