// Single-value parsers of Docker's run/create flags (docker/cli opts package and go-units), with
// Docker's error texts. Each throws an Error whose message is what Docker prints after the flag.
import { readFileSync } from 'node:fs';
import { isIP } from './ip.js';
import { parseGoInt, ramInBytes } from './go-parse.js';

export interface Ulimit { Name: string; Hard: number; Soft: number }
export interface ThrottleDevice { Path: string; Rate: number }
export interface WeightDevice { Path: string; Weight: number }
export interface DeviceMapping { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }

const ULIMIT_NAMES = new Set(['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack']);

function parseInt10(s: string, bits = 64, unsigned = false): number {
  const fn = unsigned ? 'strconv.ParseUint' : 'strconv.ParseInt';
  if (!(unsigned ? /^\d+$/ : /^[+-]?\d+$/).test(s)) throw new Error(`${fn}: parsing ${JSON.stringify(s)}: invalid syntax`);
  return parseGoInt(s.replace(/^([+-]?)0+(?=\d)/, '$1'), bits, unsigned);
}

/** go-units ParseUlimit: nofile=1024:2048, nproc=512. */
export function parseUlimit(val: string): Ulimit {
  const i = val.indexOf('=');
  if (i < 0) throw new Error(`invalid ulimit argument: ${val}`);
  const name = val.slice(0, i);
  if (!ULIMIT_NAMES.has(name)) throw new Error(`invalid ulimit type: ${name}`);
  const limits = val.slice(i + 1);
  const j = limits.indexOf(':');
  const hard = j >= 0 ? parseInt10(limits.slice(j + 1)) : undefined;
  const soft = parseInt10(j >= 0 ? limits.slice(0, j) : limits);
  const h = hard ?? soft;
  if (h !== -1 && soft > h) throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${h}`);
  return { Name: name, Hard: h, Soft: soft };
}

function devicePathAndValue(val: string): [string, string] {
  const i = val.indexOf(':');
  if (i <= 0) throw new Error(`bad format: ${val}`);
  const path = val.slice(0, i);
  if (!path.startsWith('/dev/')) throw new Error(`bad format for device path: ${val}`);
  return [path, val.slice(i + 1)];
}

export function parseThrottleBps(val: string): ThrottleDevice {
  const [path, v] = devicePathAndValue(val);
  let rate: number;
  try {
    rate = ramInBytes(v);
  } catch {
    throw new Error(`invalid rate for device: ${val}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`);
  }
  return { Path: path, Rate: rate };
}

export function parseThrottleIops(val: string): ThrottleDevice {
  const [path, v] = devicePathAndValue(val);
  try {
    return { Path: path, Rate: parseInt10(v, 64, true) };
  } catch {
    throw new Error(`invalid rate for device: ${val}. The correct format is <device-path>:<number>. Number must be a positive integer`);
  }
}

export function parseWeightDevice(val: string): WeightDevice {
  const [path, v] = devicePathAndValue(val);
  let weight: number;
  try {
    weight = parseInt10(v, 16, true);
  } catch {
    throw new Error(`invalid weight for device: ${val}`);
  }
  if (weight > 0 && (weight < 10 || weight > 1000)) throw new Error(`invalid weight for device: ${val}`);
  return { Path: path, Weight: weight };
}

function validDeviceMode(mode: string): boolean {
  if (mode === '' || mode.length > 3) return false;
  const seen = new Set<string>();
  for (const c of mode) {
    if (!'rwm'.includes(c) || seen.has(c)) return false;
    seen.add(c);
  }
  return true;
}

/** --device /dev/sda[:/dev/xvda][:rwm]. */
export function parseDevice(val: string): DeviceMapping {
  const parts = val.split(':');
  if (parts.length > 3 || parts[0] === '') throw new Error(`bad format for path: ${val}`);
  let dst = '';
  let perms = 'rwm';
  if (parts.length === 3) {
    if (!validDeviceMode(parts[2]!)) throw new Error(`bad mode specified: ${parts[2]}`);
    perms = parts[2]!;
    dst = parts[1]!;
  } else if (parts.length === 2) {
    if (validDeviceMode(parts[1]!)) perms = parts[1]!;
    else dst = parts[1]!;
  }
  const src = parts[0]!;
  if (dst === '') dst = src;
  if (!dst.startsWith('/')) throw new Error(`${dst} is not an absolute path`);
  return { PathOnHost: src, PathInContainer: dst, CgroupPermissions: perms };
}

/** Go's net.ParseIP(...).String() for a valid address. */
export function validateIp(val: string): string {
  const v = val.trim();
  if (isIP(v) === 0) throw new Error(`IP address is not correctly formatted: ${val}`);
  return v;
}

/** --add-host name:ip or name=ip (ip may be [v6] or host-gateway); sent as name:ip. */
export function parseExtraHost(val: string): string {
  let i = val.indexOf('=');
  if (i < 0) i = val.indexOf(':');
  const k = i < 0 ? '' : val.slice(0, i);
  if (i < 0 || k === '' || k.includes(':')) throw new Error(`bad format for add-host: ${JSON.stringify(val)}`);
  let v = val.slice(i + 1);
  if (v !== 'host-gateway') {
    if (v.length > 2 && v.startsWith('[') && v.endsWith(']')) v = v.slice(1, -1);
    if (isIP(v.trim()) === 0) throw new Error(`invalid IP address in add-host: ${JSON.stringify(v)}`);
  }
  return `${k}:${v}`;
}

export function validateLabel(val: string): string {
  const key = val.split('=')[0]!.trim();
  if (key === '') throw new Error(`invalid label '${val}': empty name`);
  return val;
}

/** -e NAME=value, or NAME alone: taken from the CLI's environment when set there. */
export function validateEnv(val: string, env: NodeJS.ProcessEnv = process.env): string {
  const i = val.indexOf('=');
  const k = i < 0 ? val : val.slice(0, i);
  if (k === '') throw new Error(`invalid environment variable: ${val}`);
  if (i >= 0) return val;
  return env[k] !== undefined ? `${k}=${env[k]}` : val;
}

/** Docker's kvfile: KEY=VALUE lines; # comments; a bare KEY takes the CLI's value (or is dropped). */
export function parseKeyValueFile(file: string, lookup?: (k: string) => string | undefined): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`open ${file}: ${errnoText(err)}`);
  }
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, n) => {
    const line = (n === 0 ? raw.replace(/^\uFEFF/, '') : raw).replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const i = line.indexOf('=');
    const key = i < 0 ? line : line.slice(0, i);
    if (key === '') throw new Error(`no variable name on line '${line}'`);
    if (/\s/.test(key)) throw new Error(`variable '${key}' contains whitespaces`);
    if (i >= 0) { out.push(line); return; }
    const v = lookup?.(key);
    if (v !== undefined) out.push(`${key}=${v}`);
  });
  return out;
}

/** ConvertKVStringsToMap: "k=v" -> {k: v}, "k" -> {k: ""}. */
export function kvMap(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    out[i < 0 ? v : v.slice(0, i)] = i < 0 ? '' : v.slice(i + 1);
  }
  return out;
}

const SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

export function validateSysctl(val: string): string {
  const parts = val.split('=');
  if (parts.length >= 2 && (SYSCTLS.has(parts[0]!) || parts[0]!.startsWith('net.') || parts[0]!.startsWith('fs.mqueue.'))) return val;
  throw new Error(`sysctl '${val}' is not allowed`);
}

export function validateMac(val: string): string {
  if (!/^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/.test(val)) throw new Error(`${val} is not a valid mac address`);
  return val;
}

export interface RestartPolicy { Name: string; MaximumRetryCount: number }

export function parseRestartPolicy(policy: string): RestartPolicy {
  if (policy === '') return { Name: '', MaximumRetryCount: 0 };
  const i = policy.indexOf(':');
  const name = i < 0 ? policy : policy.slice(0, i);
  const count = i < 0 ? '' : policy.slice(i + 1);
  if (i >= 0 && name === '') throw new Error('invalid restart policy format: no policy provided before colon');
  let max = 0;
  if (count !== '') {
    if (!/^[+-]?\d+$/.test(count)) throw new Error('invalid restart policy format: maximum retry count must be an integer');
    max = Number(count);
  }
  return { Name: name, MaximumRetryCount: max };
}

/** --security-opt: a seccomp profile path is replaced by the file's (compacted) JSON. */
export function parseSecurityOpt(opt: string): string {
  let i = opt.indexOf('=');
  if (i < 0 && opt !== 'no-new-privileges') i = opt.indexOf(':');
  const k = i < 0 ? opt : opt.slice(0, i);
  const v = i < 0 ? '' : opt.slice(i + 1);
  if (v === '' && k !== 'no-new-privileges') throw new Error(`Invalid --security-opt: ${JSON.stringify(opt)}`);
  if (k !== 'seccomp' || v === 'unconfined' || v === 'builtin') return opt;
  let text: string;
  try {
    text = readFileSync(v, 'utf8');
  } catch (err) {
    throw new Error(`opening seccomp profile (${v}) failed: open ${v}: ${errnoText(err)}`);
  }
  try {
    return `seccomp=${JSON.stringify(JSON.parse(text))}`;
  } catch (err) {
    throw new Error(`compacting json for seccomp profile (${v}) failed: ${(err as Error).message}`);
  }
}

/** Go's text for a Node fs error ("no such file or directory"). */
export function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const texts: Record<string, string> = { ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory', ENOTDIR: 'not a directory' };
  return (e.code && texts[e.code]) ?? e.message;
}

/** Docker 23+ normalizes capabilities: upper case, CAP_ prefix, ALL alone. */
export function normalizeCaps(caps: string[]): string[] | null {
  if (caps.length === 0) return null;
  const out: string[] = [];
  for (const c of caps) {
    const u = c.trim().toUpperCase();
    if (u === 'ALL') return ['ALL'];
    const name = u.startsWith('CAP_') ? u : `CAP_${u}`;
    if (!out.includes(name)) out.push(name);
  }
  return out;
}
