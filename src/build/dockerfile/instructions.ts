// Raw instructions -> typed instructions, checked up front as Docker does before the first step
// runs (unknown instructions, bad flags, missing arguments). Values that Docker expands are kept
// unexpanded here: expansion happens per step with the stage's ENV and ARGs (see expand.ts).
import { DockerfileError } from './errors.js';
import type { Heredoc, ParsedDockerfile, RawInstruction } from './parse.js';
import { extractFlags, parseDuration, parseJsonArray, parseNameValues, parseWords } from './words.js';

interface Base { line: number; original: string }

export type CmdForm = { json: true; args: string[] } | { json: false; text: string };

export interface MountSpec { type: 'bind' | 'cache' | 'tmpfs'; target: string; source?: string; from?: string; id?: string; readonly: boolean; mode?: number; uid?: number; gid?: number; sharing?: string }

export type Instruction = Base & (
  | { kind: 'FROM'; image: string; stage?: string; platform?: string }
  | { kind: 'RUN'; cmd: CmdForm; mounts: string[]; network?: string; heredocs: Heredoc[] }
  | { kind: 'CMD' | 'ENTRYPOINT'; cmd: CmdForm }
  | { kind: 'SHELL'; shell: string[] }
  | { kind: 'ENV' | 'LABEL'; pairs: Array<[string, string]> }
  | { kind: 'ARG'; args: Array<{ key: string; value?: string }> }
  | { kind: 'EXPOSE'; ports: string[] }
  | { kind: 'VOLUME'; paths: string[] }
  | { kind: 'WORKDIR' | 'USER' | 'STOPSIGNAL' | 'MAINTAINER'; value: string }
  | { kind: 'COPY' | 'ADD'; srcs: string[]; dest: string; from?: string; chown?: string; chmod?: string; heredocs: Heredoc[] }
  | { kind: 'HEALTHCHECK'; test: string[] | null; interval: number; timeout: number; startPeriod: number; startInterval: number; retries: number }
  | { kind: 'ONBUILD'; expression: string }
);

export type Kind = Instruction['kind'];

const ALLOWED_FLAGS: Partial<Record<Kind, string[]>> = {
  FROM: ['platform'],
  RUN: ['mount', 'network', 'security'],
  COPY: ['from', 'chown', 'chmod', 'link', 'parents', 'exclude'],
  ADD: ['chown', 'chmod', 'checksum', 'keep-git-dir', 'link'],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};
const KNOWN = new Set(['FROM', 'RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'ENV', 'LABEL', 'ARG', 'EXPOSE', 'VOLUME', 'WORKDIR', 'USER', 'STOPSIGNAL', 'MAINTAINER', 'COPY', 'ADD', 'HEALTHCHECK', 'ONBUILD']);

/** Flags of an instruction by name; repeated flags (RUN --mount) collect every value. */
function flagsOf(kind: Kind, flags: string[]): Map<string, string[]> {
  const allowed = ALLOWED_FLAGS[kind] ?? [];
  const out = new Map<string, string[]>();
  for (const f of flags) {
    const body = f.slice(2);
    const i = body.indexOf('=');
    const name = i < 0 ? body : body.slice(0, i);
    const value = i < 0 ? 'true' : body.slice(i + 1);
    if (!allowed.includes(name)) throw new Error(`Unknown flag: ${name}`);
    if (out.has(name) && name !== 'mount' && name !== 'exclude') throw new Error(`Duplicate flag specified: ${name}`);
    out.set(name, [...(out.get(name) ?? []), value]);
  }
  return out;
}

const one = (flags: Map<string, string[]>, name: string): string | undefined => flags.get(name)?.[0];

function cmdForm(rest: string): CmdForm {
  const json = parseJsonArray(rest);
  return json ? { json: true, args: json } : { json: false, text: rest };
}

function healthcheck(flags: Map<string, string[]>, rest: string): Omit<Extract<Instruction, { kind: 'HEALTHCHECK' }>, 'line' | 'original' | 'kind'> {
  const dur = (name: string): number => {
    const v = one(flags, name);
    if (v === undefined) return 0;
    const ns = parseDuration(v);
    if (ns !== 0 && ns < 1e6) throw new Error(`${name} cannot be less than 1ms`);
    return ns;
  };
  const [type = '', ...more] = rest.trim().split(/\s+/);
  const base = { interval: dur('interval'), timeout: dur('timeout'), startPeriod: dur('start-period'), startInterval: dur('start-interval'), retries: 0 };
  const r = one(flags, 'retries');
  if (r !== undefined) {
    if (!/^-?\d+$/.test(r)) throw new Error(`invalid retries value ${JSON.stringify(r)}`);
    base.retries = Number(r);
    if (base.retries < 0) throw new Error('--retries cannot be negative');
  }
  switch (type.toUpperCase()) {
    case 'NONE':
      if (more.length) throw new Error('HEALTHCHECK NONE takes no arguments');
      return { test: ['NONE'], ...base };
    case 'CMD': {
      const cmd = cmdForm(rest.trim().slice(3).trim());
      if (cmd.json) return { test: ['CMD', ...cmd.args], ...base };
      if (!cmd.text) throw new Error('Missing command after HEALTHCHECK CMD');
      return { test: ['CMD-SHELL', cmd.text], ...base };
    }
    default:
      throw new Error(`Unknown type ${JSON.stringify(type.toUpperCase())} in HEALTHCHECK (try CMD)`);
  }
}

/** One raw instruction as a typed one; throws plain Errors (the caller adds file and line). */
function typed(raw: RawInstruction, escape: string): Instruction {
  const base = { line: raw.line, original: raw.original };
  const kind = raw.keyword as Kind;
  if (!KNOWN.has(kind)) throw new Error(`unknown instruction: ${raw.keyword}`);
  const { flags: flagWords, rest } = ALLOWED_FLAGS[kind] || /^\s*--/.test(raw.rest) ? extractFlags(raw.rest) : { flags: [], rest: raw.rest };
  const flags = flagsOf(kind, flagWords);
  const needArgs = (): void => { if (!rest.trim()) throw new Error(`${kind} requires at least one argument`); };
  switch (kind) {
    case 'FROM': {
      const w = rest.trim().split(/\s+/).filter(Boolean);
      if (w.length !== 1 && !(w.length === 3 && w[1]!.toUpperCase() === 'AS')) throw new Error('FROM requires either one or three arguments');
      if (w[2] !== undefined && !/^[a-z][a-z0-9-_.]*$/i.test(w[2])) throw new Error(`invalid name for build stage: ${JSON.stringify(w[2])}, name can't start with a number or contain symbols`);
      return { ...base, kind, image: w[0]!, ...(w[2] ? { stage: w[2].toLowerCase() } : {}), ...(one(flags, 'platform') ? { platform: one(flags, 'platform')! } : {}) };
    }
    case 'RUN':
      needArgs();
      return { ...base, kind, cmd: cmdForm(rest), mounts: flags.get('mount') ?? [], ...(one(flags, 'network') ? { network: one(flags, 'network')! } : {}), heredocs: raw.heredocs };
    case 'CMD': case 'ENTRYPOINT':
      return { ...base, kind, cmd: cmdForm(rest) };
    case 'SHELL': {
      const json = parseJsonArray(rest);
      if (!json) throw new Error('SHELL requires the arguments to be in JSON form');
      if (json.length === 0) throw new Error('SHELL requires at least one argument');
      return { ...base, kind, shell: json };
    }
    case 'ENV': case 'LABEL':
      needArgs();
      return { ...base, kind, pairs: parseNameValues(rest, escape, kind) };
    case 'ARG': {
      const words = parseWords(rest, escape);
      if (words.length === 0) throw new Error('ARG requires at least one argument');
      return { ...base, kind, args: words.map((w) => { const i = w.indexOf('='); return i < 0 ? { key: w } : { key: w.slice(0, i), value: w.slice(i + 1) }; }) };
    }
    case 'EXPOSE':
      needArgs();
      return { ...base, kind, ports: rest.trim().split(/\s+/) };
    case 'VOLUME': {
      needArgs();
      const json = parseJsonArray(rest);
      const paths = json ?? rest.trim().split(/\s+/);
      if (paths.some((p) => p.trim() === '')) throw new Error('VOLUME specified can not be an empty string');
      return { ...base, kind, paths };
    }
    case 'WORKDIR': case 'USER': case 'STOPSIGNAL': case 'MAINTAINER': {
      needArgs();
      const v = rest.trim();
      if (kind !== 'MAINTAINER' && kind !== 'WORKDIR' && /\s/.test(v)) throw new Error(`${kind} requires exactly one argument`);
      return { ...base, kind, value: v };
    }
    case 'COPY': case 'ADD': {
      const list = parseJsonArray(rest) ?? rest.trim().split(/\s+/).filter(Boolean);
      const needed = raw.heredocs.length ? 1 : 2;
      if (list.length < needed) throw new Error(`${kind} requires at least two arguments, but only one was provided. Destination could not be determined.`);
      const dest = list[list.length - 1]!;
      const srcs = list.slice(0, -1).filter((s) => !raw.heredocs.some((h) => /^<<-?["']?/.test(s) && s.replace(/^<<-?["']?|["']$/g, '') === h.name));
      if (kind === 'ADD' && flags.has('from')) throw new Error('Unknown flag: from');
      return {
        ...base, kind, srcs, dest, heredocs: raw.heredocs,
        ...(one(flags, 'from') ? { from: one(flags, 'from')! } : {}),
        ...(one(flags, 'chown') ? { chown: one(flags, 'chown')! } : {}),
        ...(one(flags, 'chmod') ? { chmod: one(flags, 'chmod')! } : {}),
      };
    }
    case 'HEALTHCHECK':
      needArgs();
      return { ...base, kind, ...healthcheck(flags, rest) };
    case 'ONBUILD': {
      needArgs();
      const inner = rest.trim().split(/\s+/)[0]!.toUpperCase();
      if (inner === 'ONBUILD') throw new Error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (inner === 'FROM' || inner === 'MAINTAINER') throw new Error(`${inner} isn't allowed as an ONBUILD trigger`);
      parseInstruction(rest.trim(), escape, raw.line); // checked now, run when the image is used
      return { ...base, kind, expression: rest.trim() };
    }
  }
}

/** Parses one instruction line (an ONBUILD trigger); throws with the line number. */
export function parseInstruction(text: string, escape: string, line: number, file = 'Dockerfile'): Instruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
  if (!m) throw new DockerfileError(file, line, 'empty instruction');
  const raw: RawInstruction = { keyword: m[1]!.toUpperCase(), original: text.trim(), rest: m[2]!.trim(), line, heredocs: [] };
  try {
    return typed(raw, escape);
  } catch (err) {
    if (err instanceof DockerfileError) throw err;
    throw new DockerfileError(file, line, (err as Error).message);
  }
}

/** Every instruction of a parsed Dockerfile, typed; the first error names file and line. */
export function typedInstructions(df: ParsedDockerfile): Instruction[] {
  return df.instructions.map((raw) => {
    try {
      return typed(raw, df.escape);
    } catch (err) {
      if (err instanceof DockerfileError) throw err;
      throw new DockerfileError(df.file, raw.line, (err as Error).message);
    }
  });
}
