// Value parsers that behave like the Go functions Docker's CLI uses (strconv, time.ParseDuration,
// go-units RAMInBytes), including their error texts, because users and scripts see those texts.

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** strconv.ParseFloat for decimal input. */
export function parseGoFloat(s: string): number {
  if (!FLOAT.test(s)) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

/** strconv.ParseInt(s, 0, bits) (base prefixes 0x, 0o, 0b and a leading 0 for octal). */
export function parseGoInt(s: string, bits = 64, unsigned = false): number {
  const fn = unsigned ? 'strconv.ParseUint' : 'strconv.ParseInt';
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|\d+)$/.exec(s);
  if (!m || (unsigned && m[1] !== '')) throw new Error(`${fn}: parsing ${JSON.stringify(s)}: invalid syntax`);
  let digits = m[2]!;
  if (/^0[0-7]+$/.test(digits)) digits = '0o' + digits.slice(1);
  else if (/^0[oO]/.test(digits)) digits = '0o' + digits.slice(2);
  let v = BigInt(digits);
  if (m[1] === '-') v = -v;
  const max = unsigned ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) - 1n;
  const min = unsigned ? 0n : -(1n << BigInt(bits - 1));
  if (v > max || v < min) throw new Error(`${fn}: parsing ${JSON.stringify(s)}: value out of range`);
  return Number(v);
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9,
};

/** time.ParseDuration: "1m30s", "500ms", "-1.5h" -> nanoseconds. */
export function parseGoDuration(s: string): number {
  const invalid = (): Error => new Error(`time: invalid duration ${JSON.stringify(s)}`);
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw invalid();
  let total = 0;
  while (rest !== '') {
    const num = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    if (num[0] === '' || num[0] === '.') throw invalid();
    rest = rest.slice(num[0].length);
    const unit = /^[^\d.]*/.exec(rest)![0];
    if (unit === '') throw new Error(`time: missing unit in duration ${JSON.stringify(s)}`);
    const mult = DURATION_UNITS[unit];
    if (mult === undefined) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(s)}`);
    rest = rest.slice(unit.length);
    total += Number(`${num[1] || '0'}.${num[2] ?? ''}0`) * mult;
  }
  return sign * Math.round(total);
}

const BINARY: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** go-units RAMInBytes: "200M", "1g", "1.5GB", "64m", "1 KiB" -> bytes (binary multiples). */
export function ramInBytes(size: string): number {
  let sep = -1;
  for (let i = size.length - 1; i >= 0; i--) if ('0123456789. '.includes(size[i]!)) { sep = i; break; }
  if (sep === -1) throw new Error(`invalid size: '${size}'`);
  const num = size[sep] === ' ' ? size.slice(0, sep) : size.slice(0, sep + 1);
  let sfx = size.slice(sep + 1);
  let value = parseGoFloat(num);
  if (value < 0) throw new Error(`invalid size: '${size}'`);
  if (sfx === '') return Math.trunc(value);
  const bad = (): Error => new Error(`invalid suffix: '${sfx}'`);
  if (sfx.length > 3) throw bad();
  sfx = sfx.toLowerCase();
  if (sfx[0] === 'b') {
    if (sfx.length > 1) throw bad();
    return Math.trunc(value);
  }
  const mult = BINARY[sfx[0]!];
  if (mult === undefined) throw bad();
  if ((sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib')) throw bad();
  value *= mult;
  return Math.trunc(value);
}

/** Docker's NanoCPUs flag: a rational number of CPUs, times 1e9, which must come out whole. */
export function parseNanoCpus(value: string): number {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(value);
  const frac = /^([+-]?\d+)\/(\d+)$/.exec(value);
  if (frac) {
    const nano = (BigInt(frac[1]!) * 1_000_000_000n);
    const den = BigInt(frac[2]!);
    if (den === 0n) throw new Error(`failed to parse ${value} as a rational number`);
    if (nano % den !== 0n) throw new Error('value is too precise');
    return Number(nano / den);
  }
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`failed to parse ${value} as a rational number`);
  // Exact decimal arithmetic: digits * 10^(exp - fractionDigits) * 1e9 must be an integer.
  const digits = BigInt(`${m[2] || '0'}${m[3] ?? ''}`);
  const exp = Number(m[4] ?? 0) - (m[3]?.length ?? 0) + 9;
  let nano: bigint;
  if (exp >= 0) nano = digits * 10n ** BigInt(exp);
  else {
    const div = 10n ** BigInt(-exp);
    if (digits % div !== 0n) throw new Error('value is too precise');
    nano = digits / div;
  }
  return Number(m[1] === '-' ? -nano : nano);
}
