// How Go's fmt prints values inside templates (%v), Go's truth rules for if/range/and/or, and the
// functions docker adds to text/template (json, join, split, title, lower, upper, pad, truncate).

/** A formatting row whose fields are methods: an unknown field is an error, as on a Go struct. */
export interface StrictFields {
  readonly typeName: string;
}

export function isStrict(v: unknown): v is StrictFields {
  return typeof v === 'object' && v !== null && typeof (v as StrictFields).typeName === 'string';
}

/** Go's %g / strconv.FormatFloat(f, 'g', -1, 64) for a float (exponent from 21 digits). */
function goFloat(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 21) {
    const [m, e] = n.toExponential().split('e');
    const en = Number(e);
    return `${m}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  return String(n);
}

/** fmt.Sprint of one value, as {{.X}} prints it. */
export function printValue(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map(printNested).join(' ')}]`;
  if (typeof v === 'function') return '<func>';
  if (isStrict(v)) return `&{${v.typeName}}`;
  const keys = Object.keys(v as object).sort();
  return `map[${keys.map((k) => `${k}:${printNested((v as Record<string, unknown>)[k])}`).join(' ')}]`;
}

function printNested(v: unknown): string {
  return v === null || v === undefined ? '<nil>' : printValue(v);
}

/** text/template's truth: false, 0, nil, and empty strings/slices/maps are false. */
export function truth(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object' && !isStrict(v)) return Object.keys(v).length > 0;
  return true;
}

/** fmt.Sprint(args...): spaces between operands when neither side is a string. */
function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += printValue(a);
  });
  return out;
}

/** Go's %.Nf: exact ties round half to even (2.25 → "2.2"), unlike Number.toFixed. */
export function goFixed(x: number, prec: number): string {
  const exact = Math.abs(x).toFixed(100);
  const dot = exact.indexOf('.');
  const tail = exact.slice(dot + 1 + prec);
  if (!/^50*$/.test(tail)) return x.toFixed(prec);
  const kept = exact.slice(0, dot + 1 + prec).replace(/\.$/, '');
  const lastDigit = Number(kept[kept.length - 1] === '.' ? kept[kept.length - 2] : kept[kept.length - 1]);
  const down = lastDigit % 2 === 0;
  const v = down ? kept : (Math.abs(x) + 0.5 * 10 ** -prec).toFixed(prec);
  return (x < 0 && Number(v) !== 0 ? '-' : '') + v;
}

/** A small fmt.Sprintf: %v %s %d %q %f %x %t %% with flags, width and precision. */
export function sprintf(format: string, args: unknown[]): string {
  let n = 0;
  return format.replace(/%([-+ 0#]*)(\d+)?(?:\.(\d+))?([vsdqfxXteg%])/g, (_m, flags: string, width?: string, prec?: string, verb?: string) => {
    if (verb === '%') return '%';
    const a = args[n++];
    let s: string;
    switch (verb) {
      case 'd': s = String(Math.trunc(Number(a))); break;
      case 'f': s = goFixed(Number(a), prec === undefined ? 6 : Number(prec)); break;
      case 'e': s = Number(a).toExponential(prec === undefined ? 6 : Number(prec)); break;
      case 'g': s = goFloat(Number(a)); break;
      case 'x': s = typeof a === 'number' ? a.toString(16) : Buffer.from(String(a)).toString('hex'); break;
      case 'X': s = (typeof a === 'number' ? a.toString(16) : Buffer.from(String(a)).toString('hex')).toUpperCase(); break;
      case 'q': s = JSON.stringify(typeof a === 'string' ? a : printValue(a)); break;
      case 't': s = String(Boolean(a)); break;
      default: s = printValue(a); if (prec !== undefined && verb === 's') s = s.slice(0, Number(prec));
    }
    const w = Number(width ?? 0);
    if (s.length < w) s = flags.includes('-') ? s.padEnd(w) : s.padStart(w, flags.includes('0') && /[dfx]/.test(verb!) ? '0' : ' ');
    return s;
  }) + (n < args.length ? `%!(EXTRA ${args.slice(n).map(printValue).join(', ')})` : '');
}

function str(v: unknown, fn: string): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error(`wrong type for value; expected string; got ${Array.isArray(v) ? '[]interface {}' : typeof v} (in ${fn})`);
}

/** strings.Title: upper-cases the first letter of every word. */
function title(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new Error('incompatible types for comparison');
}

function indexOf(item: unknown, keys: unknown[]): unknown {
  let v = item;
  for (const k of keys) {
    if (Array.isArray(v) || typeof v === 'string') {
      const i = Number(k);
      if (!Number.isInteger(i) || i < 0 || i >= v.length) throw new Error(`error calling index: index out of range: ${String(k)}`);
      v = v[i];
    } else if (v && typeof v === 'object') {
      const got = (v as Record<string, unknown>)[String(k)];
      v = got === undefined ? '' : got;
    } else if (v === undefined || v === null) {
      throw new Error('error calling index: index of untyped nil');
    } else {
      throw new Error(`error calling index: can't index item of type ${typeof v}`);
    }
  }
  return v;
}

function escapeHtml(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export type TemplateFunc = (...args: unknown[]) => unknown;

/** Go's builtins plus docker's basicFunctions. `and`/`or` are evaluated lazily by the executor. */
export const FUNCS: Record<string, TemplateFunc> = {
  // Rows marshal themselves with Go's json.Marshal (HTML-escaped); other values are encoded
  // with SetEscapeHTML(false), as docker's json function does.
  json: (v) => {
    const s = JSON.stringify(v === undefined ? null : v) ?? 'null';
    return isStrict(v) ? escapeHtml(s) : s;
  },
  split: (s, sep) => str(s, 'split').split(str(sep, 'split')),
  join: (a, sep) => (Array.isArray(a) ? a.map((x) => printValue(x)).join(str(sep, 'join')) : str(a, 'join')),
  title: (s) => title(str(s, 'title')),
  lower: (s) => str(s, 'lower').toLowerCase(),
  upper: (s) => str(s, 'upper').toUpperCase(),
  pad: (s, pre, post) => {
    const v = str(s, 'pad');
    return v === '' ? v : ' '.repeat(Number(pre)) + v + ' '.repeat(Number(post));
  },
  truncate: (s, n) => {
    const v = str(s, 'truncate');
    const chars = [...v];
    return chars.length < Number(n) ? v : chars.slice(0, Number(n)).join('');
  },
  print: (...a) => sprint(a),
  println: (...a) => `${a.map(printValue).join(' ')}\n`,
  printf: (f, ...a) => sprintf(str(f, 'printf'), a),
  len: (v) => {
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (v && typeof v === 'object') return Object.keys(v).length;
    throw new Error(`error calling len: len of type ${typeof v}`);
  },
  index: (item, ...keys) => indexOf(item, keys),
  slice: (item, ...idx) => {
    if (typeof item !== 'string' && !Array.isArray(item)) throw new Error("error calling slice: can't slice item");
    const [a, b] = idx.map(Number);
    return item.slice(a ?? 0, b ?? item.length);
  },
  not: (v) => !truth(v),
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
  html: (s) => printValue(s).replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`),
  urlquery: (...a) => encodeURIComponent(sprint(a)),
};

/** Docker's HeaderFunctions: formatting functions are identities when rendering table headers. */
export const HEADER_FUNCS: Record<string, TemplateFunc> = {
  ...FUNCS,
  json: (v) => v,
  split: (v) => v,
  join: (v) => v,
  title: (v) => v,
  lower: (v) => v,
  upper: (v) => v,
  truncate: (v) => v,
  pad: (v) => v,
};
