// Helpers shared by the listing, image, system, volume and network commands: management groups
// (`container ls`, `image rm`), --filter values, confirmation prompts, docker's config file formats.
import { Command, Option } from 'commander';
// Named imports: in the bundle, `import * as` of a builtin copies all its exports at start (~1-2 ms).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CliContext } from '../context.js';
import { CliExit } from '../context.js';
import { TemplateError } from '../format/template.js';

/** The `container`/`image`/`system`/... management command, created by whichever module asks first. */
export function group(program: Command, name: string, description: string): Command {
  const found = program.commands.find((c) => c.name() === name);
  if (found) return found;
  return program.command(name).description(description);
}

/** Adds the same command (built by `make`) at top level and/or under management groups. */
export function addCommand(parents: Command[], make: (parent: Command) => Command): void {
  for (const p of parents) make(p);
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** --filter k=v values as the API's filters JSON ({"k":{"v":true}}); undefined when none. */
export function filtersJson(filters: string[] | undefined, extra: Record<string, string[]> = {}): string | undefined {
  const out: Record<string, Record<string, boolean>> = {};
  for (const f of filters ?? []) {
    const i = f.indexOf('=');
    if (i <= 0) throw new CliExit(125, `invalid argument "${f}" for "-f, --filter" flag: bad format of filter (expected name=value)`);
    const k = f.slice(0, i).trim().toLowerCase();
    (out[k] ??= {})[f.slice(i + 1)] = true;
  }
  for (const [k, vs] of Object.entries(extra)) for (const v of vs) (out[k] ??= {})[v] = true;
  return Object.keys(out).length ? JSON.stringify(out) : undefined;
}

/** --filter (with -f unless the command uses -f for --force, as the prune commands do). */
export function filterOption(short = true): Option {
  return new Option(`${short ? '-f, ' : ''}--filter <filter>`, 'Filter output based on conditions provided').argParser(collect);
}

export function formatOption(what = 'Pretty-print using a Go template'): Option {
  return new Option('--format <string>', what);
}

/** The client config directory: --config, DOCKER_CONFIG, or ~/.docker. */
export function configDir(program?: Command): string {
  let root: Command | undefined = program;
  while (root?.parent) root = root.parent;
  const fromFlag = root?.opts<{ config?: string }>().config;
  return fromFlag ?? process.env.DOCKER_CONFIG ?? join(homedir(), '.docker');
}

export interface ConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string; email?: string }>;
  psFormat?: string;
  imagesFormat?: string;
  statsFormat?: string;
  [k: string]: unknown;
}

export function readConfig(dir: string): ConfigFile {
  const file = join(dir, 'config.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ConfigFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliExit(1, `WARNING: Error loading config file: ${file}: ${(err as Error).message}`);
  }
}

/** Writes config.json as docker does: tab-indented, through a temp file, mode 0600. */
export function writeConfig(dir: string, cfg: ConfigFile): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'config.json');
  const tmp = join(dir, `.config.json.${process.pid}`);
  writeFileSync(tmp, JSON.stringify(cfg, null, '\t'), { mode: 0o600 });
  renameSync(tmp, file);
  return file;
}

/** Reads one line from stdin (prompts, --password-stdin). */
export async function readLine(stdin: NodeJS.ReadStream): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    const onData = (d: Buffer | string): void => {
      buf += d.toString();
      const i = buf.indexOf('\n');
      if (i >= 0) finish(buf.slice(0, i));
    };
    const finish = (s: string): void => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
      resolve(s.replace(/\r$/, ''));
    };
    const onEnd = (): void => finish(buf);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  });
}

/** docker's prompt: "<message> [y/N] "; true on y/Y. */
export async function confirm(c: CliContext, message: string): Promise<boolean> {
  c.stdout.write(`${message}\nAre you sure you want to continue? [y/N] `);
  const answer = (await readLine(c.stdin)).trim();
  return answer === 'y' || answer === 'Y';
}

export function write(c: CliContext, s: string): void {
  if (s) c.stdout.write(s);
}

/** An API 404 as docker prints it for a given kind ("Error: No such image: x"). */
export function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { status?: number }).status === 404;
}

/** sortorder.NaturalLess: digit runs compare as numbers ("vol2" < "vol10"). */
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+|\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = BigInt(x);
      const ny = BigInt(y);
      if (nx !== ny) return nx < ny ? -1 : 1;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** Collects "k=v" flag values into a map (labels, driver options). */
export function keyValues(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i < 0) out[kv] = '';
    else out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

/**
 * Runs `fn`, turning a --format template error into docker's message and exit 1: ps says
 * "failed to parse/execute template: ...", the other listings "template parsing error: ...".
 */
export async function withTemplateErrors<T>(style: 'ps' | 'listing', fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    if (style === 'ps') throw new CliExit(1, `failed to ${err.phase === 'parse' ? 'parse' : 'execute'} template: ${err.message}`);
    throw new CliExit(1, `template parsing error: ${err.message}`);
  }
}

/** An API error of a per-object command as docker 20.10 prints it: 404 → "Error: No such <kind>: <name>". */
export function objectError(err: unknown, kind: string, name: string): string {
  const e = err as { status?: number; message?: string };
  if (e.status === 404) return `Error: No such ${kind}: ${name}`;
  if (typeof e.status === 'number') return `Error response from daemon: ${e.message}`;
  return e.message ?? String(err);
}
