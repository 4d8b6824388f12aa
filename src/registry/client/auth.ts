// Registry authentication, client side: WWW-Authenticate challenges, Docker's Bearer token flow
// (realm/service/scope, anonymous or with credentials, refresh via identity tokens), Basic auth,
// and a token cache. Credentials are only ever put into Authorization headers, never into messages.
import { createHash } from 'node:crypto';

/** What X-Registry-Auth and config.json carry (Docker's AuthConfig). */
export interface AuthConfig {
  username?: string;
  password?: string;
  /** base64(username:password), as stored in config.json. */
  auth?: string;
  /** OAuth refresh token from an earlier login. */
  identitytoken?: string;
  /** A bearer token to use as is. */
  registrytoken?: string;
  serveraddress?: string;
  email?: string;
}

export interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

/** Parses a WWW-Authenticate header (one challenge; Docker registries send one). */
export function parseChallenge(header: string | string[] | undefined): Challenge | null {
  const h = Array.isArray(header) ? header[0] : header;
  if (!h) return null;
  const m = /^\s*(\w+)\s*(.*)$/.exec(h);
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return null;
  const params: Record<string, string> = {};
  const re = /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (let p = re.exec(m[2]!); p; p = re.exec(m[2]!)) params[p[1]!.toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  return { scheme, params };
}

/** username/password of an AuthConfig (decoding `auth` when only it is set). */
export function userPassword(a: AuthConfig | undefined): { username: string; password: string } | null {
  if (!a) return null;
  if (a.username && a.password !== undefined && a.password !== '') return { username: a.username, password: a.password };
  if (a.auth) {
    const text = Buffer.from(a.auth, 'base64').toString('utf8');
    const i = text.indexOf(':');
    if (i > 0) return { username: text.slice(0, i), password: text.slice(i + 1) };
  }
  return null;
}

export function basicHeader(u: { username: string; password: string }): string {
  return 'Basic ' + Buffer.from(`${u.username}:${u.password}`).toString('base64');
}

/** Decodes the Engine API's X-Registry-Auth header (base64url JSON); undefined when absent or empty. */
export function decodeRegistryAuthHeader(value: string | string[] | undefined): AuthConfig | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  let text: string;
  try {
    text = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    const o = JSON.parse(text) as AuthConfig;
    if (!o || typeof o !== 'object') return undefined;
    return Object.values(o).some((x) => x) ? o : undefined;
  } catch {
    return undefined; // Docker ignores an undecodable header and pulls anonymously
  }
}

/** Identifies credentials in cache keys without keeping them readable there. */
export function credentialKey(a: AuthConfig | undefined): string {
  if (!a) return 'anonymous';
  return createHash('sha256').update(JSON.stringify([a.username, a.password, a.auth, a.identitytoken, a.registrytoken])).digest('hex').slice(0, 16);
}

interface CachedToken { token: string; expires: number }

/** Bearer tokens by realm/service/scope/credentials (process-wide: tokens are reusable across pulls). */
const tokenCache = new Map<string, CachedToken>();

export function cachedToken(key: string): string | undefined {
  const t = tokenCache.get(key);
  if (t && t.expires > Date.now()) return t.token;
  tokenCache.delete(key);
  return undefined;
}

export function cacheToken(key: string, token: string, expiresInSeconds: number | undefined): void {
  if (tokenCache.size > 1000) tokenCache.clear();
  // Docker assumes 60 s when the server does not say; keep a margin before expiry.
  const ttl = Math.max((expiresInSeconds ?? 60) - 10, 5);
  tokenCache.set(key, { token, expires: Date.now() + ttl * 1000 });
}

export function dropToken(key: string): void {
  tokenCache.delete(key);
}
