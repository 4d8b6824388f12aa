// Validation of an OCI `linux.seccomp` object into a normalized form: actions as SECCOMP_RET_*
// values, argument values as bigint, flags as a bit mask. Errors name the offending field.
import { OCI_ARCHES } from './arch.js';
import {
  EPERM, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_TSYNC,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG, SECCOMP_RET_TRACE, SECCOMP_RET_TRAP,
} from './constants.js';
import type { SeccompOperator } from './types.js';

export const SECCOMP_FLAGS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: SECCOMP_FILTER_FLAG_TSYNC,
  SECCOMP_FILTER_FLAG_LOG: SECCOMP_FILTER_FLAG_LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: SECCOMP_FILTER_FLAG_SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
};

const OPERATORS = new Set<string>([
  'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ',
]);

const MAX_U64 = (1n << 64n) - 1n;

export interface SeccompCondition {
  index: number;
  op: SeccompOperator;
  /** For SCMP_CMP_MASKED_EQ: the mask. */
  value: bigint;
  /** For SCMP_CMP_MASKED_EQ: the value (arg & mask) must equal. */
  valueTwo: bigint;
}

export interface SeccompRule {
  names: string[];
  /** SECCOMP_RET_* value returned when every condition holds. */
  ret: number;
  conditions: SeccompCondition[];
}

export interface NormalizedSeccomp {
  defaultRet: number;
  /** True when the default action lets syscalls run or a tracer decide (ALLOW, LOG, TRACE: runc's isAllowAction). */
  defaultPermissive: boolean;
  architectures: string[];
  flags: number;
  rules: SeccompRule[];
}

export class SeccompConfigError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'SeccompConfigError';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function expectObject(v: unknown, field: string): Record<string, unknown> {
  if (!isObject(v)) throw new SeccompConfigError(field, `must be an object, got ${describe(v)}`);
  return v;
}

export function expectStringArray(v: unknown, field: string, allowEmptyStrings = false): string[] {
  if (!Array.isArray(v)) throw new SeccompConfigError(field, `must be an array of strings, got ${describe(v)}`);
  v.forEach((s, i) => {
    if (typeof s !== 'string' || (!allowEmptyStrings && s === '')) {
      throw new SeccompConfigError(`${field}[${i}]`, `must be a non-empty string, got ${describe(s)}`);
    }
  });
  return v as string[];
}

export function optionalString(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new SeccompConfigError(field, `must be a string, got ${describe(v)}`);
  return v;
}

function optionalUint(v: unknown, field: string, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new SeccompConfigError(field, `must be an integer between 0 and ${max}, got ${describe(v)}`);
  }
  return v;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** Parses a uint64 given as number, bigint or decimal/0x-hex string. */
export function parseU64(v: unknown, field: string): bigint {
  let b: bigint | undefined;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
  else if (typeof v === 'string' && /^(0|[1-9][0-9]*|0x[0-9a-fA-F]+)$/.test(v)) b = BigInt(v);
  if (b === undefined || b < 0n || b > MAX_U64) {
    throw new SeccompConfigError(field, `must be an unsigned 64-bit integer, got ${describe(v)}`);
  }
  return b;
}

/** SECCOMP_RET_* value of an OCI action, as runc computes it (errnoRet defaults to EPERM). */
export function actionRet(action: unknown, errnoRet: unknown, field: string, errnoField: string): number {
  const errno = optionalUint(errnoRet, errnoField, 0xffff);
  switch (action) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD': return SECCOMP_RET_KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS': return SECCOMP_RET_KILL_PROCESS;
    case 'SCMP_ACT_TRAP': return SECCOMP_RET_TRAP;
    case 'SCMP_ACT_ERRNO': return (SECCOMP_RET_ERRNO | (errno ?? EPERM)) >>> 0;
    case 'SCMP_ACT_TRACE': return (SECCOMP_RET_TRACE | (errno ?? EPERM)) >>> 0;
    case 'SCMP_ACT_ALLOW': return SECCOMP_RET_ALLOW;
    case 'SCMP_ACT_LOG': return SECCOMP_RET_LOG;
    case 'SCMP_ACT_NOTIFY':
      throw new SeccompConfigError(field, 'SCMP_ACT_NOTIFY is not supported (wharf has no seccomp notify listener)');
    default:
      throw new SeccompConfigError(field, `unknown seccomp action ${describe(action)}`);
  }
}

export function parseCondition(arg: unknown, field: string): SeccompCondition {
  const a = expectObject(arg, field);
  if (typeof a.index !== 'number' || !Number.isInteger(a.index) || a.index < 0 || a.index > 5) {
    throw new SeccompConfigError(`${field}.index`, `must be an argument index 0..5, got ${describe(a.index)}`);
  }
  if (typeof a.op !== 'string' || !OPERATORS.has(a.op)) {
    throw new SeccompConfigError(`${field}.op`, `unknown operator ${describe(a.op)} (expected one of ${[...OPERATORS].join(', ')})`);
  }
  if (a.value === undefined) throw new SeccompConfigError(`${field}.value`, 'is required');
  return {
    index: a.index,
    op: a.op as SeccompOperator,
    value: parseU64(a.value, `${field}.value`),
    valueTwo: a.valueTwo === undefined || a.valueTwo === null ? 0n : parseU64(a.valueTwo, `${field}.valueTwo`),
  };
}

/**
 * Conditions of one syscall entry as rules. Like runc: when two conditions test the same argument
 * (which libseccomp cannot AND), each condition becomes a rule of its own.
 */
export function conditionSets(conds: SeccompCondition[]): SeccompCondition[][] {
  const indexes = conds.map((c) => c.index);
  const repeated = new Set(indexes).size !== indexes.length;
  return repeated ? conds.map((c) => [c]) : [conds];
}

export function parseArchitectures(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  const arches = expectStringArray(v, field);
  arches.forEach((a, i) => {
    if (!OCI_ARCHES.has(a)) throw new SeccompConfigError(`${field}[${i}]`, `unknown architecture ${describe(a)}`);
  });
  return arches;
}

export function parseFlags(v: unknown, field: string): number {
  if (v === undefined || v === null) return 0;
  return expectStringArray(v, field).reduce((acc, f, i) => {
    if (!Object.hasOwn(SECCOMP_FLAGS, f)) {
      throw new SeccompConfigError(`${field}[${i}]`, `unknown seccomp flag ${describe(f)} (expected one of ${Object.keys(SECCOMP_FLAGS).join(', ')})`);
    }
    return acc | SECCOMP_FLAGS[f];
  }, 0);
}

/** Validates an OCI linux.seccomp object; `field` prefixes error messages. */
export function normalizeSeccomp(config: unknown, field = 'linux.seccomp'): NormalizedSeccomp {
  const c = expectObject(config, field);
  if (c.defaultAction === undefined) throw new SeccompConfigError(`${field}.defaultAction`, 'is required');
  const defaultRet = actionRet(c.defaultAction, c.defaultErrnoRet, `${field}.defaultAction`, `${field}.defaultErrnoRet`);
  optionalString(c.listenerPath, `${field}.listenerPath`);
  optionalString(c.listenerMetadata, `${field}.listenerMetadata`);
  const rules: SeccompRule[] = [];
  const syscalls = c.syscalls ?? [];
  if (!Array.isArray(syscalls)) throw new SeccompConfigError(`${field}.syscalls`, `must be an array, got ${describe(syscalls)}`);
  syscalls.forEach((entry, i) => {
    const f = `${field}.syscalls[${i}]`;
    const s = expectObject(entry, f);
    const names = expectStringArray(s.names, `${f}.names`);
    if (names.length === 0) throw new SeccompConfigError(`${f}.names`, 'must list at least one syscall');
    const ret = actionRet(s.action, s.errnoRet, `${f}.action`, `${f}.errnoRet`);
    const args = s.args ?? [];
    if (!Array.isArray(args)) throw new SeccompConfigError(`${f}.args`, `must be an array, got ${describe(args)}`);
    const conds = args.map((a, j) => parseCondition(a, `${f}.args[${j}]`));
    for (const set of conditionSets(conds)) rules.push({ names, ret, conditions: set });
  });
  return {
    defaultRet,
    defaultPermissive: ['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'].includes(c.defaultAction as string),
    architectures: parseArchitectures(c.architectures, `${field}.architectures`),
    flags: parseFlags(c.flags, `${field}.flags`),
    rules,
  };
}
