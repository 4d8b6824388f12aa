// Executes parsed Go templates against JS values: fields are properties, or methods when the
// property is a function (`.Label "k"`); rows that implement StrictFields reject unknown fields
// as a Go struct does, plain objects answer "<no value>" like a Go map.
import { parseTemplate, TemplateError, type Arg, type Command, type Node, type Pipeline } from './template-parse.js';
import { FUNCS, isStrict, printValue, truth, type TemplateFunc } from './template-values.js';

export { TemplateError } from './template-parse.js';

type Scope = Map<string, unknown>;

export interface TemplateOptions {
  /** "error": a key missing from a map is an error (docker inspect's raw-JSON fallback). */
  missingKey?: 'default' | 'error';
  /** The template name Go prints in errors ("" for most docker formats). */
  name?: string;
}

/** An execution failure at a node: rendered as Go does, "template: :1:2: executing "" at <.X>: ...". */
class ExecError extends Error {
  constructor(readonly pos: number | undefined, readonly expr: string, message: string) {
    super(message);
  }
}

export class Template {
  private readonly nodes: Node[];

  constructor(readonly source: string, private readonly funcs: Record<string, TemplateFunc> = FUNCS, private readonly opts: TemplateOptions = {}) {
    this.nodes = parseTemplate(source);
    this.checkFuncs(this.nodes);
  }

  /** Same parsed template, other function table (docker renders headers with identities). */
  withFuncs(funcs: Record<string, TemplateFunc>): Template {
    return new Template(this.source, funcs, this.opts);
  }

  execute(data: unknown): string {
    const out: string[] = [];
    const scope: Scope = new Map([['$', data]]);
    try {
      this.run(this.nodes, data, scope, out);
    } catch (err) {
      if (err instanceof TemplateError) throw err;
      const name = this.opts.name ?? '';
      if (err instanceof ExecError) {
        throw new TemplateError(`template: ${name}:${this.where(err.pos)}: executing "${name}" at <${err.expr}>: ${err.message}`, 'exec');
      }
      throw new TemplateError(`template: ${name}:1: executing "${name}" ${(err as Error).message}`, 'exec');
    }
    return out.join('');
  }

  /** "line:col" of a byte offset as Go's ErrorContext computes it. */
  private where(pos: number | undefined): string {
    if (pos === undefined) return '1';
    const before = this.source.slice(0, pos);
    const line = before.split('\n').length;
    const col = pos - (before.lastIndexOf('\n') + 1);
    return `${line}:${col}`;
  }

  private checkFuncs(nodes: Node[]): void {
    const checkPipe = (p: Pipeline): void => {
      for (const c of p.commands) {
        for (const a of c.args) {
          if (a.kind === 'ident' && !(a.name in this.funcs) && a.name !== 'and' && a.name !== 'or') {
            throw new TemplateError(`template: :1: function "${a.name}" not defined`);
          }
          if (a.kind === 'pipe' || a.kind === 'pipefield') checkPipe(a.pipe);
        }
      }
    };
    for (const n of nodes) {
      if (n.kind === 'action') checkPipe(n.pipe);
      else if (n.kind === 'if' || n.kind === 'with') { checkPipe(n.pipe); this.checkFuncs(n.then); this.checkFuncs(n.else); }
      else if (n.kind === 'range') { checkPipe(n.pipe); this.checkFuncs(n.body); this.checkFuncs(n.else); }
    }
  }

  private run(nodes: Node[], dot: unknown, scope: Scope, out: string[]): void {
    for (const n of nodes) {
      switch (n.kind) {
        case 'text': out.push(n.text); break;
        case 'action': {
          const v = this.pipe(n.pipe, dot, scope);
          if (!n.pipe.decl.length) out.push(printValue(v));
          break;
        }
        case 'if':
        case 'with': {
          const inner = new Map(scope);
          const v = this.pipe(n.pipe, dot, inner);
          if (truth(v)) this.run(n.then, n.kind === 'with' ? v : dot, inner, out);
          else this.run(n.else, dot, inner, out);
          break;
        }
        case 'range': {
          const inner = new Map(scope);
          const v = this.evalPipe(n.pipe, dot, inner);
          const entries: [unknown, unknown][] = Array.isArray(v)
            ? v.map((x, i) => [i, x])
            : v && typeof v === 'object' && !isStrict(v)
              ? Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])
              : typeof v === 'number' ? Array.from({ length: v }, (_x, i) => [i, i]) : [];
          if (v !== null && v !== undefined && !Array.isArray(v) && (typeof v !== 'object' || isStrict(v)) && typeof v !== 'number') {
            throw new Error(`range can't iterate over ${printValue(v)}`);
          }
          if (!entries.length) { this.run(n.else, dot, inner, out); break; }
          for (const [k, x] of entries) {
            const s = new Map(inner);
            if (n.pipe.decl.length === 1) s.set(n.pipe.decl[0]!, x);
            else if (n.pipe.decl.length === 2) { s.set(n.pipe.decl[0]!, k); s.set(n.pipe.decl[1]!, x); }
            this.run(n.body, x, s, out);
          }
          break;
        }
      }
    }
  }

  /** A pipeline whose result is assigned to its declared variable (if any). */
  private pipe(p: Pipeline, dot: unknown, scope: Scope): unknown {
    const v = this.evalPipe(p, dot, scope);
    if (p.decl.length) scope.set(p.decl[p.decl.length - 1]!, v);
    return v;
  }

  private evalPipe(p: Pipeline, dot: unknown, scope: Scope): unknown {
    let prev: unknown;
    let hasPrev = false;
    for (const c of p.commands) {
      prev = this.command(c, dot, scope, hasPrev ? [prev] : []);
      hasPrev = true;
    }
    return prev;
  }

  private command(c: Command, dot: unknown, scope: Scope, piped: unknown[]): unknown {
    const [first, ...rest] = c.args;
    if (!first) throw new Error('empty command');
    if (first.kind === 'ident') {
      if (first.name === 'and' || first.name === 'or') {
        const args = [...rest.map((a) => () => this.arg(a, dot, scope)), ...piped.map((v) => () => v)];
        let v: unknown;
        for (const get of args) {
          v = get();
          if (first.name === 'and' ? !truth(v) : truth(v)) return v;
        }
        return v;
      }
      const fn = this.funcs[first.name];
      if (!fn) throw new Error(`function "${first.name}" not defined`);
      const args = [...rest.map((a) => this.arg(a, dot, scope)), ...piped];
      try {
        return fn(...args);
      } catch (err) {
        throw new ExecError(undefined, first.name, `error calling ${first.name}: ${(err as Error).message}`);
      }
    }
    if (first.kind === 'field' || first.kind === 'pipefield') {
      const args = [...rest.map((a) => this.arg(a, dot, scope)), ...piped];
      return this.field(first, dot, scope, args);
    }
    if (rest.length || piped.length) throw new Error(`can't give argument to non-function ${describe(first)}`);
    return this.arg(first, dot, scope);
  }

  private arg(a: Arg, dot: unknown, scope: Scope): unknown {
    switch (a.kind) {
      case 'string':
      case 'number':
      case 'bool': return a.value;
      case 'nil': return null;
      case 'field':
      case 'pipefield': return this.field(a, dot, scope, []);
      case 'pipe': return this.evalPipe(a.pipe, dot, scope);
      case 'ident': {
        const fn = this.funcs[a.name];
        if (!fn) throw new Error(`function "${a.name}" not defined`);
        return fn();
      }
    }
  }

  /** Walks .A.B.C; the last element gets the arguments when it is a method. */
  private field(a: Extract<Arg, { kind: 'field' | 'pipefield' }>, dot: unknown, scope: Scope, args: unknown[]): unknown {
    let v: unknown;
    if (a.kind === 'pipefield') v = this.evalPipe(a.pipe, dot, scope);
    else if (a.base === 'dot') v = dot;
    else {
      if (!scope.has(a.base)) throw new TemplateError(`template: :1: undefined variable "${a.base}"`);
      v = scope.get(a.base);
    }
    if (!a.path.length && args.length) throw new Error(`can't give argument to non-function ${describe(a)}`);
    a.path.forEach((name, i) => {
      const last = i === a.path.length - 1;
      try {
        v = lookup(v, name, last ? args : [], this.opts.missingKey ?? 'default');
      } catch (err) {
        throw new ExecError(a.kind === 'field' ? a.pos : undefined, describe(a), (err as Error).message);
      }
    });
    return v;
  }
}

function describe(a: Arg): string {
  if (a.kind === 'field') return `${a.base === 'dot' ? '' : a.base}.${a.path.join('.')}`;
  if (a.kind === 'string') return JSON.stringify(a.value);
  if (a.kind === 'number' || a.kind === 'bool') return String(a.value);
  return a.kind;
}

/** A map whose values are all strings (labels, options): a missing key is "<no value>", as on a Go map[string]string. */
function isStringMap(v: object): boolean {
  return Object.values(v).every((x) => typeof x === 'string');
}

function lookup(v: unknown, name: string, args: unknown[], missingKey: 'default' | 'error'): unknown {
  if (v === undefined || v === null) {
    if (v === undefined) return undefined;
    throw new Error(`nil pointer evaluating interface {}.${name}`);
  }
  if (typeof v !== 'object') throw new Error(`can't evaluate field ${name} in type ${typeof v}`);
  const strict = isStrict(v);
  let member = (v as Record<string, unknown>)[name];
  // Go field names differ from the JSON ones in case only (ID/Id, APIVersion/ApiVersion, CPUShares/CpuShares).
  if (member === undefined && !strict && !Array.isArray(v)) {
    const lower = name.toLowerCase();
    const key = Object.keys(v).find((k) => k.toLowerCase() === lower);
    if (key !== undefined) member = (v as Record<string, unknown>)[key];
  }
  if (typeof member === 'function') return (member as (...a: unknown[]) => unknown).apply(v, args);
  if (args.length) throw new Error(`${name} is not a method but has arguments`);
  if (strict && !(name in v)) throw new Error(`can't evaluate field ${name} in type *formatter.${(v as { typeName: string }).typeName}`);
  if (!strict && member === undefined && missingKey === 'error' && !Array.isArray(v) && !isStringMap(v)) {
    throw new Error(`map has no entry for key "${name}"`);
  }
  return member;
}

/** Parses and runs a template once. */
export function renderTemplate(source: string, data: unknown): string {
  return new Template(source).execute(data);
}
