// Dockerfile text -> raw instructions, with Docker's line rules. dockerfile-ast finds where each
// instruction starts and ends (continuations, heredoc bodies) and reads the parser directives;
// the folding itself follows BuildKit's parser: the escape character at the end of a line joins
// the next one, comment and empty lines inside a continuation are dropped, heredoc bodies
// (`<<EOF`, `<<-EOF`, quoted delimiters) are read for RUN, COPY and ADD.
import { DockerfileParser } from 'dockerfile-ast';
import { DockerfileError } from './errors.js';

export interface Heredoc {
  name: string;
  content: string;
  /** `<<-`: leading tabs removed from every line. */
  chomp: boolean;
  /** Quoted delimiter: no variable expansion in the content. */
  quoted: boolean;
}

export interface RawInstruction {
  /** Upper-case keyword (RUN, COPY...). */
  keyword: string;
  /** The instruction as Docker shows it in "Step N/M : ..." (continuations folded). */
  original: string;
  /** Everything after the keyword (folded, trimmed). */
  rest: string;
  /** 1-based line of the keyword. */
  line: number;
  heredocs: Heredoc[];
}

export interface ParsedDockerfile {
  file: string;
  escape: string;
  instructions: RawInstruction[];
}

const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);
const HEREDOC_RE = /<<(-?)\s*(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\2/g;

/** Lines of a Dockerfile (CRLF tolerated, a UTF-8 BOM dropped). */
function splitLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r?\n/);
}

function continues(line: string, escape: string): boolean {
  const t = line.replace(/[ \t]+$/, '');
  return t.endsWith(escape) && !t.endsWith(escape + escape);
}

function stripContinuation(line: string, escape: string): string {
  const t = line.replace(/[ \t]+$/, '');
  return t.slice(0, -escape.length);
}

const isComment = (l: string) => /^\s*#/.test(l);

/**
 * Folds the lines of one instruction: returns the logical line and where the heredoc bodies
 * start (the line after the logical line ends).
 */
function fold(lines: string[], start: number, end: number, escape: string): { text: string; next: number } {
  let text = lines[start]!.replace(/^\s+/, '');
  let i = start;
  while (continues(text, escape) && i < end) {
    text = stripContinuation(text, escape);
    i++;
    while (i <= end && (isComment(lines[i]!) || lines[i]!.trim() === '')) i++;
    if (i > end) break;
    text += lines[i]!;
  }
  if (continues(text, escape)) text = stripContinuation(text, escape);
  return { text, next: i + 1 };
}

/** Reads the heredoc bodies named on `text` from lines[from..]; returns them and the next line. */
function readHeredocs(text: string, lines: string[], from: number, file: string, line: number): { docs: Heredoc[]; next: number } {
  const docs: Heredoc[] = [];
  let i = from;
  for (const m of text.matchAll(HEREDOC_RE)) {
    const chomp = m[1] === '-';
    const name = m[3]!;
    const body: string[] = [];
    for (;;) {
      if (i >= lines.length) throw new DockerfileError(file, line, `unterminated heredoc ${name}`);
      const l = lines[i++]!;
      const cmp = chomp ? l.replace(/^\t+/, '') : l;
      if (cmp === name) break;
      body.push(chomp ? l.replace(/^\t+/, '') : l);
    }
    docs.push({ name, content: body.length ? body.join('\n') + '\n' : '', chomp, quoted: m[2] !== '' });
  }
  return { docs, next: i };
}

/** Parses a Dockerfile; `file` names it in errors ("Dockerfile:3: ..."). */
export function parseDockerfile(text: string, file = 'Dockerfile'): ParsedDockerfile {
  const ast = DockerfileParser.parse(text);
  const escape = ast.getEscapeCharacter() || '\\';
  if (escape !== '\\' && escape !== '`') throw new DockerfileError(file, 1, `invalid escape token '${escape}' does not match ` + '` or \\');
  const lines = splitLines(text);
  const out: RawInstruction[] = [];
  let skipUntil = 0;
  for (const inst of ast.getInstructions()) {
    const r = inst.getRange();
    const start = r.start.line;
    if (start < skipUntil) continue; // a line dockerfile-ast took for an instruction inside a heredoc body
    const end = Math.min(r.end.line, lines.length - 1);
    const { text: logical, next } = fold(lines, start, end, escape);
    const m = /^(\S+)\s*([\s\S]*)$/.exec(logical);
    if (!m) continue;
    const keyword = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    let heredocs: Heredoc[] = [];
    let after = next;
    if (HEREDOC_KEYWORDS.has(keyword) && HEREDOC_RE.test(rest)) {
      HEREDOC_RE.lastIndex = 0;
      ({ docs: heredocs, next: after } = readHeredocs(rest, lines, next, file, start + 1));
    }
    HEREDOC_RE.lastIndex = 0;
    skipUntil = after;
    out.push({ keyword, original: logical.trim(), rest, line: start + 1, heredocs });
  }
  return { file, escape, instructions: out };
}
