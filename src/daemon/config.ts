// wharfd configuration: command-line flags merged with a Docker-style daemon.json.
// As with dockerd, unknown keys and a directive given both as a flag and in the file are errors.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ListenAddress, TlsFiles } from '../api/server.js';
import { DEFAULT_SOCKET, parseHost } from './hosts.js';
import { validateRegistryConfig, type RegistryConfig } from '../registry/client/endpoint.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface Ulimit { Name: string; Soft: number; Hard: number }

export interface DaemonConfig {
  hosts: ListenAddress[];
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  /** Group owning the unix sockets. */
  group: string;
  /** The group was asked for explicitly (then it must exist). */
  groupExplicit: boolean;
  logLevel: LogLevel;
  debug: boolean;
  storageDriver?: string;
  storageOpts: string[];
  logDriver: string;
  logOpts: Record<string, string>;
  defaultUlimits: Ulimit[];
  /** Set when --tlsverify is on: TCP listeners use TLS and require client certificates. */
  tls?: TlsFiles;
  experimental: boolean;
  labels: string[];
  /** insecure-registries, registry-mirrors, max-concurrent-downloads/uploads. */
  registry?: RegistryConfig;
  /** Default bridge device/subnet, iptables management, default port address, MTU. */
  network?: { bridge?: string; bip?: string; iptables: boolean; ip?: string; mtu?: number };
}

export const DEFAULTS = {
  configFile: '/etc/wharf/daemon.json',
  dataRoot: '/var/lib/wharf',
  execRoot: '/run/wharf',
  group: 'wharf',
  logDriver: 'json-file',
} as const;

type Kind = 'string' | 'bool' | 'strings' | 'map' | 'ulimits' | 'int';

/** daemon.json key -> value kind. Flags use the same names (see flags.ts). */
export const DIRECTIVES: Record<string, Kind> = {
  'hosts': 'strings',
  'data-root': 'string',
  'exec-root': 'string',
  'pidfile': 'string',
  'group': 'string',
  'log-level': 'string',
  'debug': 'bool',
  'storage-driver': 'string',
  'storage-opts': 'strings',
  'log-driver': 'string',
  'log-opts': 'map',
  'default-ulimits': 'ulimits',
  'tls': 'bool',
  'tlsverify': 'bool',
  'tlscacert': 'string',
  'tlscert': 'string',
  'tlskey': 'string',
  'experimental': 'bool',
  'labels': 'strings',
  'insecure-registries': 'strings',
  'registry-mirrors': 'strings',
  'max-concurrent-downloads': 'int',
  'max-concurrent-uploads': 'int',
  'bridge': 'string',
  'bip': 'string',
  'iptables': 'bool',
  'ip': 'string',
  'mtu': 'int',
};

export type Directives = Partial<Record<string, unknown>>;

const ULIMIT_NAMES = ['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'];

/** Reads daemon.json. A missing file is fine only when it was not asked for explicitly. */
export function readConfigFile(file: string, explicit: boolean): Directives {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) return {};
    throw new Error(`unable to configure the daemon with file ${file}: ${(err as Error).message}`);
  }
  if (text.trim() === '') return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`unable to configure the daemon with file ${file}: invalid JSON: ${(err as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`unable to configure the daemon with file ${file}: expected a JSON object`);
  }
  const unknown = Object.keys(raw).filter((k) => !(k in DIRECTIVES));
  if (unknown.length > 0) {
    throw new Error(`the following directives don't match any configuration option: ${unknown.join(', ')}`);
  }
  const out: Directives = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) out[key] = checkKind(key, value, `in ${file}`);
  return out;
}

function checkKind(key: string, value: unknown, where: string): unknown {
  const kind = DIRECTIVES[key];
  const bad = (expected: string): never => { throw new Error(`invalid value for "${key}" ${where}: expected ${expected}, got ${JSON.stringify(value)}`); };
  switch (kind) {
    case 'string': return typeof value === 'string' ? value : bad('a string');
    case 'bool': return typeof value === 'boolean' ? value : bad('true or false');
    case 'strings': return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : bad('a list of strings');
    case 'map':
      return value && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')
        ? value : bad('an object of string values');
    case 'ulimits': return parseUlimitMap(value, where);
    case 'int': return Number.isInteger(value) && (value as number) > 0 ? value : bad('a positive integer');
    default: return bad('a known directive');
  }
}

function parseUlimitMap(value: unknown, where: string): Ulimit[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`invalid value for "default-ulimits" ${where}: expected an object`);
  return Object.entries(value as Record<string, unknown>).map(([name, u]) => {
    const o = u as Partial<Ulimit> | null;
    if (!o || typeof o.Soft !== 'number' || typeof o.Hard !== 'number') {
      throw new Error(`invalid value for "default-ulimits.${name}" ${where}: expected {"Name": "${name}", "Soft": n, "Hard": n}`);
    }
    return checkUlimit({ Name: o.Name ?? name, Soft: o.Soft, Hard: o.Hard });
  });
}

function checkUlimit(u: Ulimit): Ulimit {
  if (!ULIMIT_NAMES.includes(u.Name)) throw new Error(`invalid ulimit type: ${u.Name}`);
  if (u.Soft > u.Hard) throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${u.Soft} > ${u.Hard}`);
  return u;
}

/** Parses --default-ulimit "nofile=1024[:2048]". */
export function parseUlimitFlag(value: string): Ulimit {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(value);
  if (!m) throw new Error(`invalid --default-ulimit "${value}": expected name=soft[:hard]`);
  const soft = Number(m[2]);
  return checkUlimit({ Name: m[1], Soft: soft, Hard: m[3] === undefined ? soft : Number(m[3]) });
}

/** Go's %v rendering, used in Docker's conflict message. */
function goFormat(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (v && typeof v === 'object') return `map[${Object.entries(v).map(([k, x]) => `${k}:${goFormat(x)}`).join(' ')}]`;
  return String(v);
}

const LOG_LEVELS: Record<string, LogLevel> = {
  trace: 'trace', debug: 'debug', info: 'info', warn: 'warn', warning: 'warn', error: 'error', fatal: 'fatal', panic: 'fatal',
};

/**
 * Merges explicitly given flags (keyed by directive name) with the file's directives and applies
 * defaults. Throws on conflicts and invalid values, naming the directive.
 */
export function mergeConfig(flags: Directives, file: Directives): DaemonConfig {
  const conflicts = Object.keys(flags)
    .filter((k) => flags[k] !== undefined && file[k] !== undefined)
    .map((k) => `${k}: (from flag: ${goFormat(flags[k])}, from file: ${goFormat(file[k])})`);
  if (conflicts.length > 0) {
    throw new Error(`the following directives are specified both as a flag and in the configuration file: ${conflicts.join(', ')}`);
  }
  const d: Directives = { ...file, ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) };
  const str = (k: string): string | undefined => d[k] as string | undefined;
  const bool = (k: string): boolean => d[k] === true;

  const debug = bool('debug');
  const levelText = str('log-level') ?? 'info';
  const level = LOG_LEVELS[levelText.toLowerCase()];
  if (!level) throw new Error(`unable to parse logging level: ${levelText}`);

  const tlsVerify = bool('tlsverify');
  let tls: TlsFiles | undefined;
  if (tlsVerify) {
    const need = ['tlscacert', 'tlscert', 'tlskey'].filter((k) => !str(k));
    if (need.length > 0) throw new Error(`--tlsverify requires ${need.map((k) => `--${k}`).join(', ')}`);
    tls = { caCert: path.resolve(str('tlscacert')!), cert: path.resolve(str('tlscert')!), key: path.resolve(str('tlskey')!) };
    for (const [flag, file] of [['tlscacert', tls.caCert], ['tlscert', tls.cert], ['tlskey', tls.key]] as const) {
      try { fs.accessSync(file, fs.constants.R_OK); } catch (err) { throw new Error(`--${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`); }
    }
  }
  const hostStrings = (d.hosts as string[] | undefined) ?? [];
  const hosts = (hostStrings.length > 0 ? hostStrings : [`unix://${DEFAULT_SOCKET}`]).map((h) => parseHost(h, tlsVerify || bool('tls')));
  const tcp = hosts.find((h) => h.proto === 'tcp');
  if (tcp && !tls) {
    throw new Error(`refusing to listen on tcp://${tcp.host}:${tcp.port}: TCP requires TLS with client certificate verification (--tlsverify with --tlscacert, --tlscert and --tlskey)`);
  }
  const execRoot = path.resolve(str('exec-root') ?? DEFAULTS.execRoot);
  const logOpts = (d['log-opts'] as Record<string, string> | undefined) ?? {};
  return {
    hosts: dedupe(hosts),
    dataRoot: path.resolve(str('data-root') ?? DEFAULTS.dataRoot),
    execRoot,
    pidfile: path.resolve(str('pidfile') ?? path.join(execRoot, 'wharfd.pid')),
    group: str('group') ?? DEFAULTS.group,
    groupExplicit: d.group !== undefined,
    logLevel: debug ? 'debug' : level,
    debug,
    storageDriver: str('storage-driver'),
    storageOpts: (d['storage-opts'] as string[] | undefined) ?? [],
    logDriver: str('log-driver') ?? DEFAULTS.logDriver,
    logOpts: { ...logOpts },
    defaultUlimits: (d['default-ulimits'] as Ulimit[] | undefined) ?? [],
    tls,
    experimental: bool('experimental'),
    labels: (d.labels as string[] | undefined) ?? [],
    registry: registryConfig(d),
    network: { bridge: str('bridge'), bip: str('bip'), iptables: d.iptables !== false, ip: str('ip'), mtu: d.mtu as number | undefined },
  };
}

function dedupe(hosts: ListenAddress[]): ListenAddress[] {
  const seen = new Set<string>();
  return hosts.filter((h) => {
    const key = JSON.stringify(h);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The registry client settings; bad entries are errors naming the directive. */
function registryConfig(d: Directives): RegistryConfig {
  const cfg: RegistryConfig = {
    insecureRegistries: (d['insecure-registries'] as string[] | undefined) ?? [],
    mirrors: (d['registry-mirrors'] as string[] | undefined) ?? [],
    maxConcurrentDownloads: (d['max-concurrent-downloads'] as number | undefined) ?? 3,
    maxConcurrentUploads: (d['max-concurrent-uploads'] as number | undefined) ?? 5,
  };
  validateRegistryConfig(cfg);
  return cfg;
}
