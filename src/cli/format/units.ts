// docker/go-units as the docker CLI prints sizes and durations, plus the small string helpers of
// the CLI (stringid.TruncateID, formatter.Ellipsis, Go's time.Time.String()).

const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/** Go's fmt "%.<prec>g": prec significant digits, trailing zeros dropped, exponent when large. */
export function formatG(x: number, prec: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : x < 0 ? '-Inf' : 'NaN';
  const [mant, expStr] = x.toExponential(prec - 1).split('e') as [string, string];
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace(/[-.]/g, '').replace(/0+$/, '') || '0';
  const nd = digits.length;
  const dp = exp + 1; // position of the decimal point relative to the digits
  let eprec = prec;
  if (eprec > nd && nd >= dp) eprec = nd;
  let s: string;
  if (exp < -4 || exp >= eprec) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    s = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (dp <= 0) {
    s = `0.${'0'.repeat(-dp)}${digits}`;
  } else if (dp >= nd) {
    s = digits + '0'.repeat(dp - nd);
  } else {
    s = `${digits.slice(0, dp)}.${digits.slice(dp)}`;
  }
  return neg ? `-${s}` : s;
}

function sizeAndUnit(size: number, base: number, units: string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i]!];
}

/** units.HumanSizeWithPrecision: decimal units ("1.23MB" with precision 3). */
export function humanSizeWithPrecision(size: number, precision: number): string {
  const [s, u] = sizeAndUnit(size, 1000, DECIMAL);
  return `${formatG(s, precision)}${u}`;
}

/** units.HumanSize: 4 significant digits ("1.234MB"). */
export function humanSize(size: number): string {
  return humanSizeWithPrecision(size, 4);
}

/** units.BytesSize: binary units ("1.5MiB"). */
export function bytesSize(size: number): string {
  const [s, u] = sizeAndUnit(size, 1024, BINARY);
  return `${formatG(s, 4)}${u}`;
}

/** units.HumanDuration of a duration in milliseconds. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

/** "<HumanDuration> ago" for a unix timestamp in seconds (CREATED columns). */
export function sinceUnix(unixSeconds: number, now = Date.now()): string {
  return `${humanDuration(now - unixSeconds * 1000)} ago`;
}

/** stringid.TruncateID: drops an "algo:" prefix and keeps 12 characters. */
export function truncateID(id: string): string {
  const i = id.indexOf(':');
  const s = i >= 0 ? id.slice(i + 1) : id;
  return s.length > 12 ? s.slice(0, 12) : s;
}

/** East-Asian wide characters count 2 columns (docker uses go-runewidth). */
function runeWidth(cp: number): number {
  if (cp >= 0x1100 && (cp <= 0x115f || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) || (cp >= 0x20000 && cp <= 0x3fffd))) return 2;
  return 1;
}

/** formatter.Ellipsis: cuts to a display width, ending with "…". */
export function ellipsis(s: string, maxWidth: number): string {
  if (maxWidth <= 0) return '';
  const rs = [...s];
  if (maxWidth === 1) return rs[0] ?? '';
  let width = 0;
  for (const r of rs) width += runeWidth(r.codePointAt(0)!);
  if (width <= maxWidth) return s;
  let out = '';
  let w = 0;
  for (const r of rs) {
    const rw = runeWidth(r.codePointAt(0)!);
    if (w + rw > maxWidth - 1) break;
    out += r;
    w += rw;
  }
  return `${out}…`;
}

/** Go's strconv.Quote for the printable strings commands are made of. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** Go's time.Time.String() in local time: "2026-11-29 06:46:43 +0000 UTC". */
export function goTimeString(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const zone = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const abbr = off === 0 && /^(UTC|GMT)$/.test(zone) ? 'UTC' : zone.replace(/^GMT([+-]\d+)$/, '$1');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${sign}${two(Math.trunc(Math.abs(off) / 60))}${two(Math.abs(off) % 60)} ${abbr}`;
}

/** RFC 3339 in local time, as Go's time.Format(time.RFC3339). */
export function rfc3339(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const off = -d.getTimezoneOffset();
  const zone = off === 0 ? 'Z' : `${off < 0 ? '-' : '+'}${two(Math.trunc(Math.abs(off) / 60))}:${two(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}${zone}`;
}

/** Parses RFC 3339 (with nanoseconds) to unix seconds. */
export function parseTime(s: string): number {
  return Date.parse(s) / 1000;
}
