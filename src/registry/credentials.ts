// Credentials as the docker CLI keeps them in ~/.docker/config.json ($DOCKER_CONFIG): "auths"
// with base64 user:password, or a credential helper (credsStore for all registries, credHelpers
// per registry) run as docker-credential-<name> get|store|erase speaking JSON on stdin/stdout.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { DOCKER_HUB_AUTH_KEY } from './client/endpoint.js';
import type { AuthConfig } from './client/auth.js';

export interface DockerConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string; email?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

export interface Credentials { username: string; password: string; serveraddress: string; identitytoken?: string }

/** The config.json path: $DOCKER_CONFIG/config.json or ~/.docker/config.json. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'), 'config.json');
}

/** The key credentials are stored under: Docker Hub's legacy URL, else the bare host[:port]. */
export function credentialKey(server: string | undefined): string {
  if (!server) return DOCKER_HUB_AUTH_KEY;
  const host = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(host)) return DOCKER_HUB_AUTH_KEY;
  return host;
}

export function readConfig(file = configPath()): DockerConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (!text.trim()) return {};
  try {
    const c = JSON.parse(text) as DockerConfigFile;
    if (!c || typeof c !== 'object' || Array.isArray(c)) throw new Error('expected a JSON object');
    return c;
  } catch (err) {
    throw new Error(`${file}: invalid JSON: ${(err as Error).message}`);
  }
}

/** Writes config.json atomically with mode 0600 (it may hold credentials). */
export function writeConfig(c: DockerConfigFile, file = configPath()): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${randomBytes(6).toString('hex')}`;
  fs.writeFileSync(tmp, JSON.stringify(c, null, '\t') + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

function helperFor(c: DockerConfigFile, key: string): string | undefined {
  return c.credHelpers?.[key] ?? c.credsStore ?? undefined;
}

/** Runs docker-credential-<helper> <action> with `input` on stdin. */
export function runHelper(helper: string, action: 'get' | 'store' | 'erase', input: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${helper}`, [action], { stdio: ['pipe', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.on('error', (e) => reject(new Error(`credential helper docker-credential-${helper}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found in PATH' : e.message}`)));
    child.on('close', (code) => {
      // Helpers report problems on stdout ("credentials not found in native keychain").
      if (code === 0) resolve(out);
      else reject(Object.assign(new Error(`credential helper docker-credential-${helper} ${action} failed: ${(out || err).trim()}`), { helperMessage: (out || err).trim() }));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** Stored credentials for a registry, or undefined. */
export async function getCredentials(server: string | undefined, opts: { file?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Credentials | undefined> {
  const key = credentialKey(server);
  const c = readConfig(opts.file ?? configPath(opts.env));
  const helper = helperFor(c, key);
  if (helper) {
    try {
      const j = JSON.parse(await runHelper(helper, 'get', key, opts.env)) as { ServerURL?: string; Username?: string; Secret?: string };
      if (!j.Secret) return undefined;
      // Docker's convention: Username "<token>" means Secret is an identity token.
      return j.Username === '<token>'
        ? { username: '', password: '', identitytoken: j.Secret, serveraddress: key }
        : { username: j.Username ?? '', password: j.Secret, serveraddress: key };
    } catch (err) {
      if (/credentials not found/i.test((err as { helperMessage?: string }).helperMessage ?? '')) return undefined;
      throw err;
    }
  }
  const entry = c.auths?.[key] ?? (key === DOCKER_HUB_AUTH_KEY ? undefined : c.auths?.[`https://${key}`] ?? c.auths?.[`http://${key}`]);
  if (!entry) return undefined;
  if (entry.identitytoken) return { username: '', password: '', identitytoken: entry.identitytoken, serveraddress: key };
  if (!entry.auth) return undefined;
  const text = Buffer.from(entry.auth, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i < 0) throw new Error(`${opts.file ?? configPath(opts.env)}: auths["${key}"].auth is not base64 user:password`);
  return { username: text.slice(0, i), password: text.slice(i + 1), serveraddress: key };
}

/** Saves credentials after a successful login (helper when configured, else base64 in auths). */
export async function storeCredentials(cred: Credentials, opts: { file?: string; env?: NodeJS.ProcessEnv } = {}): Promise<void> {
  const file = opts.file ?? configPath(opts.env);
  const key = credentialKey(cred.serveraddress);
  const c = readConfig(file);
  const helper = helperFor(c, key);
  if (helper) {
    const secret = cred.identitytoken ?? cred.password;
    await runHelper(helper, 'store', JSON.stringify({ ServerURL: key, Username: cred.identitytoken ? '<token>' : cred.username, Secret: secret }), opts.env);
    // Docker leaves an empty entry so `docker logout` and listings know about the registry.
    c.auths = { ...c.auths, [key]: {} };
  } else {
    c.auths = {
      ...c.auths,
      [key]: cred.identitytoken
        ? { identitytoken: cred.identitytoken }
        : { auth: Buffer.from(`${cred.username}:${cred.password}`).toString('base64') },
    };
  }
  writeConfig(c, file);
}

/** Removes stored credentials; false when there were none. */
export async function eraseCredentials(server: string | undefined, opts: { file?: string; env?: NodeJS.ProcessEnv } = {}): Promise<boolean> {
  const file = opts.file ?? configPath(opts.env);
  const key = credentialKey(server);
  const c = readConfig(file);
  const helper = helperFor(c, key);
  const had = !!c.auths?.[key];
  if (helper) {
    try { await runHelper(helper, 'erase', key, opts.env); } catch (err) {
      if (!/not found/i.test((err as { helperMessage?: string }).helperMessage ?? '')) throw err;
    }
  }
  if (c.auths && key in c.auths) {
    delete c.auths[key];
    writeConfig(c, file);
  }
  return had || !!helper;
}

/** X-Registry-Auth header value for the Engine API (base64url JSON AuthConfig). */
export function encodeRegistryAuth(a: AuthConfig | Credentials | undefined): string {
  return Buffer.from(JSON.stringify(a ?? {})).toString('base64url');
}
