// wharf inspect (and container/image/volume/network inspect): the daemon's JSON re-indented as
// Go's json.Indent does (original key order, escapes and numbers kept), or -f templates.
import type { Command } from 'commander';
import { ApiError } from '../client.js';
import type { CliContext } from '../context.js';
import { CliExit } from '../context.js';
import { Template } from '../format/template.js';
import { FUNCS } from '../format/template-values.js';
import { group } from './listing-common.js';

export type ObjectType = 'container' | 'image' | 'network' | 'volume';
const TYPES: ObjectType[] = ['container', 'image', 'network', 'volume'];

/** Go's json.Indent(dst, src, "", "    "): empty {} and [] stay compact. */
export function indentJson(src: string, indent = '    '): string {
  let out = '';
  let depth = 0;
  let needIndent = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') continue;
    if (needIndent && c !== ']' && c !== '}') {
      needIndent = false;
      depth++;
      out += `\n${indent.repeat(depth)}`;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j;
      continue;
    }
    switch (c) {
      case '{':
      case '[':
        out += c;
        needIndent = true;
        break;
      case ',':
        out += `,\n${indent.repeat(depth)}`;
        break;
      case ':':
        out += ': ';
        break;
      case '}':
      case ']':
        if (needIndent) needIndent = false; // empty: stays "{}"
        else { depth--; out += `\n${indent.repeat(depth)}`; }
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

function path(type: ObjectType, name: string, size: boolean): { path: string; query?: Record<string, string> } {
  const n = encodeURIComponent(name);
  switch (type) {
    case 'container': return { path: `/containers/${n}/json`, query: size ? { size: '1' } : undefined };
    case 'image': return { path: `/images/${n}/json` };
    case 'network': return { path: `/networks/${n}` };
    case 'volume': return { path: `/volumes/${n}` };
  }
}

/** The raw JSON of an object, undefined when the daemon has none of that kind. */
async function fetchRaw(c: CliContext, type: ObjectType, name: string, size: boolean): Promise<string | undefined> {
  const p = path(type, name, size);
  try {
    const res = await c.api.stream('GET', p.path, { query: p.query });
    const chunks: Buffer[] = [];
    for await (const ch of res) chunks.push(ch as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    // 404 is "not this kind"; 400 is what some daemons answer for a name that cannot be an image.
    if (err instanceof ApiError && (err.status === 404 || (err.status === 400 && type !== 'container'))) return undefined;
    throw err;
  }
}

/** docker 20.10's texts (newer CLIs print the daemon's message for --type). */
function notFound(type: ObjectType | undefined, name: string): string {
  return type ? `Error: No such ${type}: ${name}` : `Error: No such object: ${name}`;
}

export async function runInspect(c: CliContext, names: string[], o: { format?: string; type?: string; size?: boolean }): Promise<void> {
  if (o.type !== undefined && !TYPES.includes(o.type as ObjectType)) {
    throw new CliExit(1, `"${o.type}" is not a valid value for --type`);
  }
  const types = o.type ? [o.type as ObjectType] : TYPES;
  let tmpl: Template | undefined;
  try {
    tmpl = o.format ? new Template(o.format, FUNCS, { missingKey: 'error' }) : undefined;
  } catch (err) {
    throw new CliExit(1, `Template parsing error: ${(err as Error).message}`);
  }
  const raws: string[] = [];
  const errors: string[] = [];
  for (const name of names) {
    let raw: string | undefined;
    for (const t of types) {
      raw = await fetchRaw(c, t, name, Boolean(o.size));
      if (raw !== undefined) break;
    }
    if (raw === undefined) { errors.push(notFound(o.type as ObjectType | undefined, name)); continue; }
    if (!tmpl) { raws.push(raw.trim()); continue; }
    try {
      c.stdout.write(`${tmpl.execute(JSON.parse(raw))}\n`);
    } catch (err) {
      c.stdout.write('\n');
      throw new CliExit(1, `template parsing error: ${(err as Error).message}`);
    }
  }
  if (!tmpl) c.stdout.write(`${raws.length ? indentJson(`[${raws.join(',')}]`) : '[]'}\n`);
  if (errors.length) throw new CliExit(1, errors.join('\n'));
}

function define(parent: Command, type: ObjectType | undefined, ctx: () => CliContext): void {
  const what = type ?? 'Docker object';
  const cmd = parent.command('inspect').description(`Display detailed information on one or more ${type ? `${type}s` : 'objects'}`)
    .argument(`<${(type ?? 'NAME|ID').toUpperCase()}...>`)
    .option('-f, --format <string>', 'Format the output using the given Go template');
  if (!type) cmd.option('--type <string>', `Return JSON for specified type`);
  if (!type || type === 'container') cmd.option('-s, --size', 'Display total file sizes if the type is container');
  cmd.action(async (names: string[], o: { format?: string; type?: string; size?: boolean }) => {
    void what;
    await runInspect(ctx(), names, { ...o, type: type ?? o.type });
  });
}

export function register(program: Command, ctx: () => CliContext): void {
  define(program, undefined, ctx);
  define(group(program, 'image', 'Manage images'), 'image', ctx);
  define(group(program, 'volume', 'Manage volumes'), 'volume', ctx);
  define(group(program, 'network', 'Manage networks'), 'network', ctx);
}
