// Parser for the subset of Go's text/template that docker --format strings use: actions with
// fields (.A.B), variables ($, $x), literals, function calls, pipes, parentheses, and the
// control structures if/else if/else, range (with $i, $v :=), with, and comments.

export type Arg =
  | { kind: 'field'; base: 'dot' | string; path: string[]; pos?: number } // .A.B, $x.A; pos as Go reports it
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nil' }
  | { kind: 'ident'; name: string } // a function name
  | { kind: 'pipe'; pipe: Pipeline }
  | { kind: 'pipefield'; pipe: Pipeline; path: string[] }; // (pipeline).Field

export interface Command { args: Arg[] }
export interface Pipeline { decl: string[]; commands: Command[] }

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipeline }
  | { kind: 'if' | 'with'; pipe: Pipeline; then: Node[]; else: Node[] }
  | { kind: 'range'; pipe: Pipeline; body: Node[]; else: Node[] };

/** A parse error ("parse") or an execution error ("exec"); docker prefixes them differently. */
export class TemplateError extends Error {
  constructor(message: string, readonly phase: 'parse' | 'exec' = 'parse') {
    super(message);
  }
}

interface Token { type: 'text' | 'action'; value: string; pos: number; bodyPos?: number }

/** Splits the source into literal text and {{ }} action bodies, honouring {{- and -}} trims. */
function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (open < 0) {
      if (text) out.push({ type: 'text', value: text, pos: i });
      break;
    }
    let start = open + 2;
    if (src[start] === '-' && /\s/.test(src[start + 1] ?? '')) {
      text = text.replace(/\s+$/, '');
      start += 2;
    }
    if (text) out.push({ type: 'text', value: text, pos: i });
    const close = findClose(src, start);
    if (close < 0) throw new TemplateError(`template: :1: unclosed action`);
    let body = src.slice(start, close);
    if (/\s-$/.test(body)) {
      body = body.slice(0, -2);
      trimNext = true;
    }
    out.push({ type: 'action', value: body, pos: open, bodyPos: start });
    i = close + 2;
  }
  return out;
}

/** Finds the "}}" ending an action, skipping quoted strings. */
function findClose(src: string, from: number): number {
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === '`' || c === "'") {
      const q = c;
      for (i++; i < src.length && src[i] !== q; i++) if (src[i] === '\\' && q !== '`') i++;
    } else if (c === '}' && src[i + 1] === '}') return i;
  }
  return -1;
}

type Lex = { t: 'str' | 'num' | 'field' | 'var' | 'ident' | 'pipe' | 'lparen' | 'rparen' | 'decl' | 'comma' | 'bool' | 'nil'; v: string; at?: number };

function lexAction(body: string, base = 0): Lex[] {
  const out: Lex[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '|') { out.push({ t: 'pipe', v: c }); i++; continue; }
    if (c === '(') { out.push({ t: 'lparen', v: c }); i++; continue; }
    if (c === ')') { out.push({ t: 'rparen', v: c }); i++; continue; }
    if (c === ',') { out.push({ t: 'comma', v: c }); i++; continue; }
    if (c === ':' && body[i + 1] === '=') { out.push({ t: 'decl', v: ':=' }); i += 2; continue; }
    if (c === '=') { out.push({ t: 'decl', v: '=' }); i++; continue; }
    if (c === '"') {
      let j = i + 1;
      while (j < body.length && body[j] !== '"') j += body[j] === '\\' ? 2 : 1;
      out.push({ t: 'str', v: JSON.parse(body.slice(i, j + 1).replace(/\\'/g, "'")) as string });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = body.indexOf('`', i + 1);
      if (j < 0) throw new TemplateError('template: :1: unterminated raw quoted string');
      out.push({ t: 'str', v: body.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    if (c === "'") {
      const m = /^'(\\.|[^'])'/.exec(body.slice(i));
      if (!m) throw new TemplateError('template: :1: malformed character constant');
      out.push({ t: 'num', v: String((JSON.parse(`"${m[1]}"`) as string).codePointAt(0)) });
      i += m[0].length;
      continue;
    }
    const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.(?:[A-Za-z_]\w*)?(?:\.[A-Za-z_]\w*)*|\$[A-Za-z_0-9]*(?:\.[A-Za-z_]\w*)*|[A-Za-z_]\w*)/.exec(body.slice(i));
    if (!m || !m[0]) throw new TemplateError(`template: :1: unexpected "${c}" in command`);
    const w = m[0];
    // Go reports a field chain at its second element (.A.B → the position of .B).
    const second = w.indexOf('.', 1);
    const at = base + i + (w.startsWith('.') && second > 0 ? second : w.startsWith('$') && w.indexOf('.') > 0 ? w.indexOf('.') : 0);
    if (/^-?\d/.test(w)) out.push({ t: 'num', v: w });
    else if (w.startsWith('.')) out.push({ t: 'field', v: w, at });
    else if (w.startsWith('$')) out.push({ t: 'var', v: w, at });
    else if (w === 'true' || w === 'false') out.push({ t: 'bool', v: w });
    else if (w === 'nil') out.push({ t: 'nil', v: w });
    else out.push({ t: 'ident', v: w });
    i += w.length;
  }
  return out;
}

function parsePipeline(toks: Lex[], pos: { i: number }, inParen: boolean): Pipeline {
  const decl: string[] = [];
  // "$v :=" or "$i, $v :="
  const save = pos.i;
  const vars: string[] = [];
  while (toks[pos.i]?.t === 'var' && !toks[pos.i]!.v.includes('.')) {
    vars.push(toks[pos.i]!.v);
    pos.i++;
    if (toks[pos.i]?.t === 'comma') { pos.i++; continue; }
    break;
  }
  if (vars.length && toks[pos.i]?.t === 'decl') { decl.push(...vars); pos.i++; } else pos.i = save;
  const commands: Command[] = [];
  let args: Arg[] = [];
  for (;;) {
    const tok = toks[pos.i];
    if (!tok || (tok.t === 'rparen' && inParen)) break;
    pos.i++;
    if (tok.t === 'pipe') {
      if (!args.length) throw new TemplateError('template: :1: missing command before "|"');
      commands.push({ args });
      args = [];
      continue;
    }
    args.push(parseOperand(tok, toks, pos));
  }
  if (!args.length && (commands.length || !inParen)) {
    if (commands.length) throw new TemplateError('template: :1: missing command after "|"');
  }
  if (args.length) commands.push({ args });
  if (!commands.length) throw new TemplateError('template: :1: missing value for command');
  return { decl, commands };
}

function splitPath(s: string): string[] {
  return s.split('.').filter(Boolean);
}

function parseOperand(tok: Lex, toks: Lex[], pos: { i: number }): Arg {
  switch (tok.t) {
    case 'str': return { kind: 'string', value: tok.v };
    case 'num': return { kind: 'number', value: Number(tok.v) };
    case 'bool': return { kind: 'bool', value: tok.v === 'true' };
    case 'nil': return { kind: 'nil' };
    case 'field': return { kind: 'field', base: 'dot', path: splitPath(tok.v), pos: tok.at };
    case 'var': {
      const [name, ...rest] = tok.v.split('.');
      return { kind: 'field', base: name!, path: rest, pos: tok.at };
    }
    case 'ident': return { kind: 'ident', name: tok.v };
    case 'lparen': {
      const pipe = parsePipeline(toks, pos, true);
      if (toks[pos.i]?.t !== 'rparen') throw new TemplateError('template: :1: unclosed left paren');
      pos.i++;
      const next = toks[pos.i];
      if (next?.t === 'field' && next.v !== '.') {
        pos.i++;
        return { kind: 'pipefield', pipe, path: splitPath(next.v) };
      }
      return { kind: 'pipe', pipe };
    }
    default: throw new TemplateError(`template: :1: unexpected "${tok.v}" in command`);
  }
}

function parseActionPipe(body: string, base = 0): Pipeline {
  const toks = lexAction(body, base);
  const pos = { i: 0 };
  const pipe = parsePipeline(toks, pos, false);
  if (pos.i < toks.length) throw new TemplateError(`template: :1: unexpected "${toks[pos.i]!.v}" in operand`);
  return pipe;
}

/** Parses a template source into a node tree. */
export function parseTemplate(src: string): Node[] {
  const tokens = tokenize(src);
  let idx = 0;
  let elseAt = 0;
  // Parses nodes until an {{end}} or {{else...}} at this level; returns the terminator.
  const parseList = (): { nodes: Node[]; end: string | null } => {
    const nodes: Node[] = [];
    while (idx < tokens.length) {
      const tok = tokens[idx++]!;
      if (tok.type === 'text') { nodes.push({ kind: 'text', text: tok.value }); continue; }
      const body = tok.value.trim();
      const bodyAt = (tok.bodyPos ?? 0) + (tok.value.length - tok.value.trimStart().length);
      if (body.startsWith('/*')) {
        if (!body.endsWith('*/')) throw new TemplateError('template: :1: unclosed comment');
        continue;
      }
      const word = /^(\w+)\b\s*([\s\S]*)$/.exec(body);
      const kw = word?.[1];
      if (kw === 'end') return { nodes, end: 'end' };
      if (kw === 'else') {
        elseAt = bodyAt + body.length - word![2]!.length;
        return { nodes, end: `else ${word![2]}`.trim() };
      }
      if (kw === 'if' || kw === 'with' || kw === 'range') nodes.push(parseBlock(kw, word![2]!, bodyAt + body.length - word![2]!.length));
      else if (kw === 'template' || kw === 'define' || kw === 'block') throw new TemplateError(`template: :1: ${kw} is not supported`);
      else nodes.push({ kind: 'action', pipe: parseActionPipe(body, bodyAt) });
    }
    return { nodes, end: null };
  };
  const parseBlock = (kw: 'if' | 'with' | 'range', rest: string, at: number): Node => {
    if (!rest.trim()) throw new TemplateError(`template: :1: missing value for ${kw}`);
    const pipe = parseActionPipe(rest, at);
    const body = parseList();
    if (body.end === null) throw new TemplateError(`template: :1: unexpected EOF`);
    let elseNodes: Node[] = [];
    if (body.end.startsWith('else')) {
      const cond = body.end.slice(4).trim();
      if (cond.startsWith('if ') || cond.startsWith('with ')) {
        // "else if x" is an if nested in the else branch, sharing the outer {{end}}.
        const sub = /^(\w+)\s+([\s\S]*)$/.exec(cond)!;
        elseNodes = [parseBlock(sub[1] as 'if' | 'with', sub[2]!, elseAt + cond.length - sub[2]!.length)];
      } else {
        const rest2 = parseList();
        if (rest2.end !== 'end') throw new TemplateError(`template: :1: expected end; found ${rest2.end ?? 'EOF'}`);
        elseNodes = rest2.nodes;
      }
    }
    if (kw === 'range') return { kind: 'range', pipe, body: body.nodes, else: elseNodes };
    return { kind: kw, pipe, then: body.nodes, else: elseNodes };
  };
  const top = parseList();
  if (top.end !== null) throw new TemplateError(`template: :1: unexpected {{${top.end}}}`);
  return top.nodes;
}
