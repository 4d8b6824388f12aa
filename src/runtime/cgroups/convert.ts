// cgroup v1 values (what OCI and Docker speak) -> cgroup v2 values, with runc's formulas.

/** A number as a decimal string without exponent notation (cgroup files reject "1e+21"). */
export function int(n: number): string {
  return BigInt(Math.trunc(n)).toString();
}

/** cpu.shares [2, 262144] -> cpu.weight [1, 10000]; 0 means unset. */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}

/** blkio.weight [10, 1000] -> io.weight [1, 10000]; 0 means unset. */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return Math.floor(1 + ((weight - 10) * 9999) / 990);
}

/**
 * OCI memory.swap is memory+swap; v2 memory.swap.max is swap alone. Returns -1 for "max",
 * 0 for "leave unset", or the swap-only byte count.
 */
export function swapToV2(swap: number | undefined, limit: number | undefined): number {
  const s = swap ?? 0;
  const m = limit ?? 0;
  // Unlimited memory without an explicit swap value means both unlimited (as on v1).
  if (m === -1 && s === 0) return -1;
  if (s === -1 || s === 0) return s;
  if (m === 0 || m === -1) throw new Error('linux.resources.memory.swap: cannot limit swap without memory.limit on cgroup v2');
  if (s < m) throw new Error(`linux.resources.memory.swap: must be >= memory.limit (${m}), got ${s}`);
  return s - m;
}

/** v2 "max" for -1 (unlimited), else the number. */
export function maxOr(n: number): string {
  return n < 0 ? 'max' : int(n);
}

/** cpu.max "quota [period]": quota <= 0 is unlimited; without a period the kernel keeps its own. */
export function cpuMax(quota: number | undefined, period: number | undefined): string | undefined {
  const q = quota ?? 0;
  const p = period ?? 0;
  if (q === 0 && p === 0) return undefined;
  const quotaStr = q > 0 ? int(q) : 'max';
  return p > 0 ? `${quotaStr} ${int(p)}` : quotaStr;
}

/** pids.max: OCI limit <= 0 means unlimited. */
export function pidsMax(limit: number): string {
  return limit > 0 ? int(limit) : 'max';
}

/** v1 memory limit value: -1 stays -1 (unlimited). */
export function memoryV1(n: number): string {
  return n < 0 ? '-1' : int(n);
}
