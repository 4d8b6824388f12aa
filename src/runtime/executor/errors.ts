// Errors reported by the executor, turned into something a user can act on.
import { getSystemErrorName } from 'node:util';
import type { ChildOp, PreOp } from '../ops.js';

export type ErrorPhase = 'pre' | 'child' | 'setup';

/** A failed operation: which one (index into plan.pre or plan.ops), and the errno it got. */
export class ExecutorError extends Error {
  override readonly name = 'ExecutorError';
  constructor(
    readonly phase: ErrorPhase,
    readonly opIndex: number,
    readonly errno: number,
    /** errno name such as 'ENOENT' */
    readonly code: string,
    readonly op: ChildOp | PreOp | undefined,
    readonly detail: string,
  ) {
    const where = phase === 'setup' ? 'executor setup' : `${phase === 'pre' ? 'pre-op' : 'op'} ${opIndex} (${op?.op ?? '?'})`;
    super(`${where} failed: ${code}${detail ? `: ${detail}` : ''}`);
  }
}

export function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-Math.abs(errno));
  } catch {
    return `errno ${errno}`;
  }
}
