// Word splitting as Docker's Dockerfile parser does it before expansion: builder flags
// (`--from=x`), name=value lists (ENV, LABEL) with quotes kept for the later expansion, JSON
// arrays for exec forms, and Go-style durations for HEALTHCHECK.

/** BuildKit's extractBuilderFlags: leading `--flag[=value]` words and the rest of the line. */
export function extractFlags(line: string): { flags: string[]; rest: string } {
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOK = false;
  for (let pos = 0; pos <= line.length; pos++) {
    let ch = pos < line.length ? line[pos]! : '';
    if (phase === 'spaces') {
      if (pos === line.length) break;
      if (/\s/.test(ch)) continue;
      if (ch !== '-' || line[pos + 1] !== '-') return { flags: words, rest: line.slice(pos) };
      phase = 'word';
    }
    if (pos === line.length) {
      if (word !== '--' && (blankOK || word.length > 0)) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (/\s/.test(ch)) {
        phase = 'spaces';
        if (word === '--') return { flags: words, rest: line.slice(pos).trimStart() };
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') { quote = ch; blankOK = true; phase = 'quote'; continue; }
      if (ch === '\\') {
        if (pos + 1 === line.length) continue;
        ch = line[++pos]!;
      }
      word += ch;
      continue;
    }
    if (ch === quote) { phase = 'word'; continue; }
    if (ch === '\\') {
      if (pos + 1 === line.length) { phase = 'word'; continue; }
      ch = line[++pos]!;
    }
    word += ch;
  }
  return { flags: words, rest: '' };
}

/** BuildKit's parseWords: whitespace-separated words, quotes and escapes kept in the words. */
export function parseWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOK = false;
  for (let pos = 0; pos <= rest.length; pos++) {
    let ch = pos < rest.length ? rest[pos]! : '';
    if (phase === 'spaces') {
      if (pos === rest.length) break;
      if (/\s/.test(ch)) continue;
      phase = 'word';
    }
    if (pos === rest.length) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (/\s/.test(ch)) {
        phase = 'spaces';
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') { quote = ch; blankOK = true; phase = 'quote'; }
      if (ch === escape) {
        if (pos + 1 === rest.length) continue;
        word += ch;
        ch = rest[++pos]!;
      }
      word += ch;
      continue;
    }
    if (ch === quote) phase = 'word';
    if (ch === escape && quote !== "'") {
      if (pos + 1 === rest.length) { phase = 'word'; continue; }
      word += ch;
      ch = rest[++pos]!;
    }
    word += ch;
  }
  return words;
}

/**
 * ENV/LABEL arguments: `name=value ...` pairs, or the legacy `name value` form (one pair, the
 * value is the rest of the line). Values keep their quotes for expansion. null: malformed.
 */
export function parseNameValues(rest: string, escape: string, what: string): Array<[string, string]> {
  const words = parseWords(rest, escape);
  if (words.length === 0) throw new Error(`${what} must have two arguments`);
  if (!words[0]!.includes('=')) {
    const m = /^(\S+)\s+([\s\S]+)$/.exec(rest.trim());
    if (!m) throw new Error(`${what} must have two arguments`);
    return [[m[1]!, m[2]!]];
  }
  return words.map((w) => {
    const i = w.indexOf('=');
    if (i < 0) throw new Error(`Syntax error - can't find = in ${JSON.stringify(w)}. Must be of the form: name=value`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

/** A JSON array of strings (exec form), or null when `rest` is not one (shell form). */
export function parseJsonArray(rest: string): string[] | null {
  const t = rest.trim();
  if (!t.startsWith('[')) return null;
  let v: unknown;
  try { v = JSON.parse(t); } catch { return null; }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return null;
  return v as string[];
}

const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, in nanoseconds ("1m30s", "500ms", "0"). */
export function parseDuration(s: string): number {
  if (s === '0') return 0;
  const re = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== s.length || s.length === 0) throw new Error(`time: invalid duration "${s}"`);
  return Math.round(total);
}

/** Go's Duration.String() ("30s", "1m30s", "0s", "500ms"). */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  if (ns < 1e9) {
    if (ns < 1e3) return `${ns}ns`;
    if (ns < 1e6) return `${ns / 1e3}µs`;
    return `${ns / 1e6}ms`;
  }
  let s = ns / 1e9;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s = Math.round((s - m * 60) * 1e9) / 1e9;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}
