// Dockerfile-like `--change` instructions for import and commit (Docker's BuildFromConfig subset):
// CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR.
import path from 'node:path';
import { constants as osConstants } from 'node:os';
import type { ContainerConfig } from './types.js';

export class ChangeError extends Error {
  constructor(readonly change: string, detail: string) {
    super(`invalid change ${JSON.stringify(change)}: ${detail}`);
    this.name = 'ChangeError';
  }
}

const SUPPORTED = new Set(['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

/** Splits change strings into single instructions, joining `\`-continued lines, skipping comments/blank lines. */
function splitInstructions(changes: readonly string[]): string[] {
  const out: string[] = [];
  for (const change of changes) {
    let acc = '';
    for (const raw of change.split('\n')) {
      const line = raw.replace(/\r$/, '');
      if (acc === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
      if (/\\\s*$/.test(line)) { acc += line.replace(/\\\s*$/, ''); continue; }
      out.push((acc + line).trim());
      acc = '';
    }
    if (acc.trim() !== '') out.push(acc.trim());
  }
  return out;
}

/** Looks up a variable in a Docker env list (last one wins). */
function envLookup(env: readonly string[], name: string): string | undefined {
  for (let i = env.length - 1; i >= 0; i--) {
    const e = env[i]!;
    if (e.startsWith(name + '=')) return e.slice(name.length + 1);
    if (e === name) return '';
  }
  return undefined;
}

/**
 * Splits shell-like words the way Dockerfile instructions do: quotes group and are removed,
 * backslash escapes, and `$VAR` / `${VAR}` / `${VAR:-x}` / `${VAR:+x}` expand from env (not in single quotes).
 */
export function shellWords(text: string, env: readonly string[], change = text): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  const expand = (): string => {
    // text[i] === '$'
    i++;
    if (text[i] === '{') {
      const end = text.indexOf('}', i);
      if (end === -1) throw new ChangeError(change, 'missing "}" in variable substitution');
      const body = text.slice(i + 1, end);
      i = end + 1;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::([-+])(.*))?$/s.exec(body);
      if (!m) throw new ChangeError(change, `bad substitution "\${${body}}"`);
      const v = envLookup(env, m[1]!);
      if (m[2] === '-') return v === undefined || v === '' ? m[3]! : v;
      if (m[2] === '+') return v === undefined || v === '' ? '' : m[3]!;
      return v ?? '';
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (!m) return '$';
    i += m[0].length;
    return envLookup(env, m[0]) ?? '';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (inWord) { words.push(cur); cur = ''; inWord = false; }
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) throw new ChangeError(change, 'unmatched single quote');
      cur += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      inWord = true;
      i++;
      for (;;) {
        if (i >= text.length) throw new ChangeError(change, 'unmatched double quote');
        const d = text[i]!;
        if (d === '"') { i++; break; }
        if (d === '\\' && i + 1 < text.length && '"\\$'.includes(text[i + 1]!)) { cur += text[i + 1]; i += 2; continue; }
        if (d === '$') { cur += expand(); continue; }
        cur += d;
        i++;
      }
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[i + 1];
      inWord = true;
      i += 2;
    } else if (c === '$') {
      cur += expand();
      inWord = true;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** JSON-array form (`["a","b"]`) when the text is one, else undefined (shell form). */
function jsonArray(text: string, change: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith('[')) return undefined;
  let v: unknown;
  try { v = JSON.parse(t); } catch { return undefined; } // Docker falls back to shell form on bad JSON
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new ChangeError(change, 'JSON form must be an array of strings');
  }
  return v as string[];
}

/** KEY=VALUE pairs (or the legacy `KEY value with spaces` form when allowed). */
function keyValues(args: string, env: readonly string[], change: string, instr: string, legacyOk: boolean): Array<[string, string]> {
  const words = shellWords(args, env, change);
  if (words.length === 0) throw new ChangeError(change, `${instr} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    if (!legacyOk || words.length < 2) throw new ChangeError(change, `${instr} needs KEY=VALUE arguments`);
    // Legacy form `KEY value with spaces`: the first word is the key, the rest one value.
    const m = /^(\S+)\s+([\s\S]*)$/.exec(args.trim())!;
    return [[shellWords(m[1]!, env, change).join(''), shellWords(m[2]!, env, change).join(' ')]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new ChangeError(change, `${instr} argument ${JSON.stringify(w)} must be KEY=VALUE`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

function parseSignal(sig: string, change: string): string {
  const s = sig.trim();
  if (/^[0-9]+$/.test(s) && Number(s) > 0 && Number(s) < 65) return s;
  const name = s.toUpperCase().startsWith('SIG') ? s.toUpperCase() : 'SIG' + s.toUpperCase();
  if (name in osConstants.signals || /^SIGRTM(IN|AX)([+-]\d+)?$/.test(name)) return s;
  throw new ChangeError(change, `invalid signal: ${s}`);
}

function parsePort(spec: string, change: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!m) throw new ChangeError(change, `invalid port ${JSON.stringify(spec)}: expected PORT[-END][/tcp|udp|sctp]`);
  const start = Number(m[1]);
  const end = m[2] ? Number(m[2]) : start;
  if (start < 1 || end > 65535 || end < start) throw new ChangeError(change, `invalid port range ${JSON.stringify(spec)}`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}

/**
 * Applies `--change` instructions to a copy of `base` and returns it. Throws ChangeError naming
 * the offending instruction; `base` is never modified.
 */
export function applyChanges(base: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const cfg: ContainerConfig = structuredClone(base);
  let cmdSet = false;
  for (const change of splitInstructions(changes)) {
    const m = /^(\S+)(?:\s+([\s\S]*))?$/.exec(change);
    const instr = m![1]!.toUpperCase();
    const args = (m![2] ?? '').trim();
    if (!SUPPORTED.has(instr)) throw new ChangeError(change, `${m![1]} is not a valid change command`);
    const env = cfg.Env ?? [];
    if (args === '' && instr !== 'CMD' && instr !== 'ENTRYPOINT') throw new ChangeError(change, `${instr} requires at least one argument`);
    switch (instr) {
      case 'CMD':
      case 'ENTRYPOINT': {
        const argv = jsonArray(args, change) ?? (args === '' ? [] : ['/bin/sh', '-c', args]);
        if (instr === 'CMD') { cfg.Cmd = argv; cmdSet = true; }
        else {
          cfg.Entrypoint = argv;
          if (!cmdSet) cfg.Cmd = null; // as in a Dockerfile: ENTRYPOINT resets an inherited CMD
        }
        break;
      }
      case 'ENV': {
        const list = [...env];
        for (const [k, v] of keyValues(args, env, change, instr, true)) {
          const i = list.findIndex((e) => e === k || e.startsWith(k + '='));
          if (i >= 0) list[i] = `${k}=${v}`; else list.push(`${k}=${v}`);
        }
        cfg.Env = list;
        break;
      }
      case 'LABEL': {
        const labels = { ...(cfg.Labels ?? {}) };
        for (const [k, v] of keyValues(args, env, change, instr, true)) labels[k] = v;
        cfg.Labels = labels;
        break;
      }
      case 'EXPOSE': {
        const ports = { ...(cfg.ExposedPorts ?? {}) };
        for (const w of shellWords(args, env, change)) for (const p of parsePort(w, change)) ports[p] = {};
        cfg.ExposedPorts = ports;
        break;
      }
      case 'VOLUME': {
        const list = jsonArray(args, change) ?? shellWords(args, env, change);
        const vols = { ...(cfg.Volumes ?? {}) };
        for (const v of list) {
          if (v.trim() === '') throw new ChangeError(change, 'VOLUME specified can not be an empty string');
          vols[v] = {};
        }
        cfg.Volumes = vols;
        break;
      }
      case 'USER': {
        const words = shellWords(args, env, change);
        if (words.length !== 1) throw new ChangeError(change, 'USER requires exactly one argument');
        cfg.User = words[0]!;
        break;
      }
      case 'WORKDIR': {
        const dir = shellWords(args, env, change).join(' ');
        cfg.WorkingDir = path.posix.resolve('/', cfg.WorkingDir || '/', dir);
        break;
      }
      case 'STOPSIGNAL': {
        const words = shellWords(args, env, change);
        if (words.length !== 1) throw new ChangeError(change, 'STOPSIGNAL requires exactly one argument');
        cfg.StopSignal = parseSignal(words[0]!, change);
        break;
      }
      case 'ONBUILD': {
        const inner = /^(\S+)([\s\S]*)$/.exec(args)!;
        const innerInstr = inner[1]!.toUpperCase();
        if (['ONBUILD', 'FROM', 'MAINTAINER'].includes(innerInstr)) {
          throw new ChangeError(change, `${innerInstr} isn't allowed as an ONBUILD trigger`);
        }
        cfg.OnBuild = [...(cfg.OnBuild ?? []), innerInstr + inner[2]];
        break;
      }
    }
  }
  return cfg;
}
