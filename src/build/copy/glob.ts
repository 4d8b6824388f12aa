// Go's filepath.Match patterns (`*`, `?`, `[a-z]`, `[^x]`, `\` escapes) as used for COPY/ADD
// source wildcards: matched one path component at a time, `*` never crosses a `/`.

export const hasGlob = (p: string): boolean => /[*?[]/.test(p.replace(/\\./g, ''));

/** A regular expression for one component pattern; throws on a malformed class. */
export function componentRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new Error(`syntax error in pattern: ${pattern}`);
      let body = pattern.slice(i + 1, end);
      const neg = body.startsWith('^');
      if (neg) body = body.slice(1);
      re += `[${neg ? '^' : ''}${body.replace(/[\]\\]/g, (c) => '\\' + c)}]`;
      i = end;
    } else re += escapeRe(ch);
  }
  return new RegExp(`^${re}$`, 's');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
