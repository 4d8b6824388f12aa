// Docker's variable expansion in Dockerfile words (BuildKit's shell.Lex): quotes removed,
// $VAR, ${VAR}, ${VAR:-word}, ${VAR-word}, ${VAR:+word}, ${VAR+word}, ${VAR:?msg}, ${VAR?msg}
// expanded, the escape character honoured. processWords also splits into words on unquoted
// whitespace (EXPOSE $PORTS). Lookups take the first `NAME=` entry of env (ENV wins over ARG).

export type Env = readonly string[];

function lookup(env: Env, name: string): string | undefined {
  for (const kv of env) {
    const i = kv.indexOf('=');
    if (i < 0) { if (kv === name) return undefined; continue; }
    if (kv.slice(0, i) === name) return kv.slice(i + 1);
  }
  return undefined;
}

class Lexer {
  private pos = 0;
  /** Words produced so far (processWords). */
  readonly words: string[] = [];
  private word = '';
  private inWord = false;

  constructor(private readonly src: string, private readonly env: Env, private readonly escape: string, private readonly split: boolean) {}

  private peek(): string { return this.src[this.pos] ?? ''; }
  private next(): string { return this.src[this.pos++] ?? ''; }

  private add(s: string, quoted: boolean): void {
    if (!this.split || quoted) { this.word += s; this.inWord = true; return; }
    for (const ch of s) {
      if (/\s/.test(ch)) this.flush();
      else { this.word += ch; this.inWord = true; }
    }
  }

  private flush(): void {
    if (this.inWord) this.words.push(this.word);
    this.word = '';
    this.inWord = false;
  }

  run(): string {
    while (this.pos < this.src.length) {
      const ch = this.next();
      if (ch === this.escape) {
        if (this.pos >= this.src.length) break; // a lone escape at the end is dropped
        this.add(this.next(), true);
      } else if (ch === "'") {
        this.inWord = true;
        this.single();
      } else if (ch === '"') {
        this.inWord = true;
        this.double();
      } else if (ch === '$') {
        this.add(this.dollar(), false);
      } else if (this.split && /\s/.test(ch)) {
        this.flush();
      } else {
        this.add(ch, true);
      }
    }
    this.flush();
    return this.words.join(' ');
  }

  private single(): void {
    for (;;) {
      if (this.pos >= this.src.length) throw new Error('unexpected end of statement while looking for matching single-quote');
      const ch = this.next();
      if (ch === "'") return;
      this.add(ch, true);
    }
  }

  private double(): void {
    for (;;) {
      if (this.pos >= this.src.length) throw new Error('unexpected end of statement while looking for matching double-quote');
      const ch = this.next();
      if (ch === '"') return;
      if (ch === '$') { this.add(this.dollar(), true); continue; }
      if (ch === this.escape) {
        const n = this.peek();
        // In double quotes the escape only escapes ", $, the escape itself (and a newline).
        if (n === '"' || n === '$' || n === this.escape) { this.add(this.next(), true); continue; }
      }
      this.add(ch, true);
    }
  }

  /** After `$`: the expansion (a lone `$` stays). */
  private dollar(): string {
    const ch = this.peek();
    if (ch === '{') {
      this.pos++;
      return this.braced();
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9]/.exec(this.src.slice(this.pos));
    if (!m) return '$';
    this.pos += m[0].length;
    return lookup(this.env, m[0]) ?? '';
  }

  private braced(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9]+/.exec(this.src.slice(this.pos));
    if (!m) throw new Error(`bad substitution: \${${this.src.slice(this.pos).split('}')[0]}}`);
    const name = m[0];
    this.pos += name.length;
    const value = lookup(this.env, name);
    const ch = this.next();
    if (ch === '}') return value ?? '';
    let op = ch;
    if (ch === ':') op = ':' + this.next();
    if (!/^:?[-+?]$/.test(op)) throw new Error(`unsupported modifier (${op}) in substitution`);
    const word = this.wordUntilBrace();
    const set = value !== undefined;
    const nonEmpty = set && value !== '';
    switch (op) {
      case ':-': return nonEmpty ? value! : word;
      case '-': return set ? value! : word;
      case ':+': return nonEmpty ? word : '';
      case '+': return set ? word : '';
      case ':?': if (!nonEmpty) throw new Error(`${name}: ${word || 'is not allowed to be unset'}`); return value!;
      default: if (!set) throw new Error(`${name}: ${word || 'is not allowed to be unset'}`); return value!;
    }
  }

  /** The word of a ${VAR:-word} modifier, itself expanded, up to the closing brace. */
  private wordUntilBrace(): string {
    let depth = 0;
    const start = this.pos;
    for (; this.pos < this.src.length; this.pos++) {
      const ch = this.src[this.pos];
      if (ch === this.escape) { this.pos++; continue; }
      if (ch === '{') depth++;
      if (ch === '}') {
        if (depth === 0) break;
        depth--;
      }
    }
    if (this.pos >= this.src.length) throw new Error('missing \'}\' in substitution');
    const raw = this.src.slice(start, this.pos);
    this.pos++; // the brace
    return new Lexer(raw, this.env, this.escape, false).run();
  }
}

/** One word: quotes removed, variables expanded. */
export function processWord(word: string, env: Env, escape = '\\'): string {
  return new Lexer(word, env, escape, false).run();
}

/** Words: like processWord, then split on unquoted whitespace (including expanded values). */
export function processWords(text: string, env: Env, escape = '\\'): string[] {
  const l = new Lexer(text, env, escape, true);
  l.run();
  return l.words;
}

/** Heredoc content: variables expanded, quotes and escapes left as written. */
export function expandRaw(text: string, env: Env): string {
  return text.replace(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, (m) => processWord(m, env, '\\'));
}
