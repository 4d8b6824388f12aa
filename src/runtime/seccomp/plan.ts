// Turns a validated seccomp config into a decision plan per audit architecture: the 32-bit
// syscall-number space cut into sorted intervals, each with one outcome (a return value, or the
// argument rules of a single syscall). The code generator binary-searches these intervals.
import { ARCHES, KERNEL_ABIS, archFromName, syscallTable, type SeccompArchName } from './arch.js';
import { ENOSYS, SECCOMP_RET_ERRNO } from './constants.js';
import type { NormalizedSeccomp, SeccompCondition } from './validate.js';

export interface ConditionalRule {
  ret: number;
  conditions: SeccompCondition[];
}

export type Leaf =
  | { kind: 'ret'; ret: number }
  /** Rules tried in order; the first whose conditions all hold decides, else `fallback`. */
  | { kind: 'rules'; nr: number; bits: 32 | 64; rules: ConditionalRule[]; fallback: number };

export interface Interval {
  lo: number;
  hi: number;
  leaf: Leaf;
}

export interface ArchSection {
  audit: number;
  abis: SeccompArchName[];
  /** Sorted, contiguous, covering 0..0xffffffff. */
  intervals: Interval[];
}

export interface SeccompPlan {
  sections: ArchSection[];
  badArchRet: number;
  /** Syscall names in no table we know (typos, or architectures we have no table for). */
  unknownSyscalls: string[];
}

const ENOSYS_RET = (SECCOMP_RET_ERRNO | ENOSYS) >>> 0;

/** The ABIs a filter for `native` covers: the native one plus listed ones its kernel can run. */
export function filterAbis(native: SeccompArchName, architectures: readonly string[]): SeccompArchName[] {
  const runnable = KERNEL_ABIS[native] ?? [native];
  const listed = architectures.map(archFromName).filter((a): a is SeccompArchName => a !== undefined);
  return runnable.filter((a) => a === native || listed.includes(a));
}

class IntervalList {
  readonly items: Interval[] = [];

  push(lo: number, hi: number, leaf: Leaf): void {
    const prev = this.items[this.items.length - 1];
    if (prev && prev.leaf.kind === 'ret' && leaf.kind === 'ret' && prev.leaf.ret === leaf.ret && prev.hi + 1 === lo) {
      prev.hi = hi;
    } else {
      this.items.push({ lo, hi, leaf });
    }
  }
}

interface NrRules {
  unconditional?: number;
  conditional: ConditionalRule[];
}

function abiIntervals(norm: NormalizedSeccomp, abi: SeccompArchName, list: IntervalList): void {
  const table = syscallTable(abi);
  const info = ARCHES[abi];
  const [rangeLo, rangeHi] = info.nrRange;
  const byNr = new Map<number, NrRules>();
  let last = -1;
  for (const rule of norm.rules) {
    for (const name of rule.names) {
      if (!Object.hasOwn(table, name)) continue; // like libseccomp: absent on this arch
      const nr = table[name];
      last = Math.max(last, nr);
      // libseccomp refuses rules whose action is the default one; runc skips them.
      if (rule.ret === norm.defaultRet) continue;
      let entry = byNr.get(nr);
      if (!entry) byNr.set(nr, (entry = { conditional: [] }));
      // An unconditional rule overrides every conditional one (libseccomp's tree merge).
      if (rule.conditions.length === 0) entry.unconditional ??= rule.ret;
      else entry.conditional.push({ ret: rule.ret, conditions: rule.conditions });
    }
  }
  // runc's -ENOSYS stub: numbers above the highest one the profile names (for listed
  // architectures only) fail with ENOSYS so newer syscalls fall back cleanly.
  const enosysApplies = !norm.defaultPermissive && norm.defaultRet !== ENOSYS_RET && last > 0 &&
    norm.architectures.some((a) => archFromName(a) === abi);
  const fillGap = (lo: number, hi: number) => {
    if (lo > hi) return;
    if (!enosysApplies || hi <= last) list.push(lo, hi, { kind: 'ret', ret: norm.defaultRet });
    else if (lo > last) list.push(lo, hi, { kind: 'ret', ret: ENOSYS_RET });
    else {
      list.push(lo, last, { kind: 'ret', ret: norm.defaultRet });
      list.push(last + 1, hi, { kind: 'ret', ret: ENOSYS_RET });
    }
  };
  let next = rangeLo;
  for (const nr of [...byNr.keys()].sort((a, b) => a - b)) {
    if (nr < rangeLo || nr > rangeHi) continue;
    const entry = byNr.get(nr)!;
    fillGap(next, nr - 1);
    const leaf: Leaf = entry.unconditional !== undefined
      ? { kind: 'ret', ret: entry.unconditional }
      : { kind: 'rules', nr, bits: info.bits, rules: entry.conditional, fallback: norm.defaultRet };
    list.push(nr, nr, leaf);
    next = nr + 1;
  }
  fillGap(next, rangeHi);
}

let known: Set<string> | undefined;
function knownNames(): Set<string> {
  if (!known) {
    known = new Set();
    for (const arch of Object.keys(ARCHES) as SeccompArchName[]) for (const n of Object.keys(syscallTable(arch))) known.add(n);
  }
  return known;
}

export function planSeccomp(norm: NormalizedSeccomp, native: SeccompArchName, badArchRet: number): SeccompPlan {
  const abis = filterAbis(native, norm.architectures);
  const audits = [...new Set(abis.map((a) => ARCHES[a].audit))];
  const sections = audits.map((audit): ArchSection => {
    const list = new IntervalList();
    const sectionAbis = abis.filter((a) => ARCHES[a].audit === audit);
    // Every ABI sharing this audit arch (x86_64 and x32), in number order; absent ones are foreign.
    const sharing = (Object.keys(ARCHES) as SeccompArchName[])
      .filter((a) => ARCHES[a].audit === audit)
      .sort((a, b) => ARCHES[a].nrRange[0] - ARCHES[b].nrRange[0]);
    for (const abi of sharing) {
      if (sectionAbis.includes(abi)) abiIntervals(norm, abi, list);
      else list.push(ARCHES[abi].nrRange[0], ARCHES[abi].nrRange[1], { kind: 'ret', ret: badArchRet });
    }
    return { audit, abis: sectionAbis, intervals: list.items };
  });
  const known = knownNames();
  const unknownSyscalls = [...new Set(norm.rules.flatMap((r) => r.names).filter((n) => !known.has(n)))];
  return { sections, badArchRet, unknownSyscalls };
}
