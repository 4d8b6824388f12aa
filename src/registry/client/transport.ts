// One registry's HTTP transport: scheme choice (HTTPS; HTTP fallback for insecure registries),
// proxies from the environment (undici EnvHttpProxyAgent), auth challenges answered once per scope,
// redirects (blob storage) and retries of idempotent requests on 429/5xx and dropped connections.
import type { Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import { RegistryError, describeErrorBody } from '../errors.js';
import {
  basicHeader, cacheToken, cachedToken, credentialKey, dropToken, parseChallenge, userPassword,
  type AuthConfig, type Challenge,
} from './auth.js';

export interface TransportOptions {
  host: string;
  insecure: boolean;
  /** Forced scheme (mirrors given as URLs). */
  scheme?: 'http' | 'https';
  auth?: AuthConfig;
  userAgent?: string;
  /** Attempts for idempotent requests (default 4). */
  attempts?: number;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable | string;
  /** Token scope, e.g. repository:library/busybox:pull. */
  scope?: string;
  /** Statuses returned instead of thrown (besides 2xx). */
  accept?: number[];
}

export type Response = Dispatcher.ResponseData;

interface Http { request: typeof import('undici')['request']; secure: Dispatcher; insecure: Dispatcher }
let httpP: Promise<Http> | undefined;

/** undici and its agents, loaded at the first registry request: it costs the daemon ~6 MB otherwise. */
function http(): Promise<Http> {
  httpP ??= import('undici').then(({ EnvHttpProxyAgent, request }) => ({
    request,
    secure: new EnvHttpProxyAgent({ connections: 16, pipelining: 1 }),
    insecure: new EnvHttpProxyAgent({ connections: 16, connect: { rejectUnauthorized: false }, requestTls: { rejectUnauthorized: false } }),
  }));
  return httpP;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function headerValue(res: Response, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export class Transport {
  private base?: string;
  private challenge?: Challenge | null;

  constructor(readonly opts: TransportOptions) {}

  get host(): string { return this.opts.host; }

  private dispatcher(h: Http, url: string): Dispatcher {
    return this.opts.insecure && url.startsWith('https:') ? h.insecure : h.secure;
  }

  /** The base URL, found by pinging /v2/ (https first; http only for insecure registries). */
  async baseUrl(): Promise<string> {
    if (this.base) return this.base;
    const h = await http();
    const schemes = this.opts.scheme ? [this.opts.scheme] : this.opts.insecure ? ['https', 'http'] : ['https'];
    let lastErr: Error | undefined;
    for (const s of schemes) {
      const url = `${s}://${this.opts.host}/v2/`;
      try {
        const res = await h.request(url, { method: 'GET', dispatcher: this.dispatcher(h, url), headers: this.baseHeaders(), headersTimeout: 30_000 });
        await res.body.dump();
        this.base = `${s}://${this.opts.host}`;
        this.challenge = res.statusCode === 401 ? parseChallenge(res.headers['www-authenticate']) : null;
        return this.base;
      } catch (err) {
        lastErr = err as Error;
      }
    }
    throw new RegistryError(`cannot reach registry ${this.opts.host}: ${describeNetError(lastErr!)}`, 500, 'UNREACHABLE');
  }

  private baseHeaders(): Record<string, string> {
    return { 'user-agent': this.opts.userAgent ?? 'wharf/0.1 (docker-compatible)' };
  }

  private tokenKey(scope: string | undefined): string {
    const p = this.challenge?.params ?? {};
    return [this.opts.host, p.realm, p.service, scope ?? '', credentialKey(this.opts.auth)].join('|');
  }

  /** The Authorization header for `scope` (fetching a token when the registry wants Bearer). */
  private async authorization(scope: string | undefined, force = false): Promise<string | undefined> {
    const ch = this.challenge;
    const up = userPassword(this.opts.auth);
    if (!ch) return undefined;
    if (ch.scheme === 'basic') {
      if (!up) throw new RegistryError(`${this.opts.host}: unauthorized: authentication required (no credentials; run docker login ${this.opts.host})`, 401, 'UNAUTHORIZED');
      return basicHeader(up);
    }
    if (this.opts.auth?.registrytoken) return `Bearer ${this.opts.auth.registrytoken}`;
    const key = this.tokenKey(scope);
    if (force) dropToken(key);
    const cached = cachedToken(key);
    if (cached) return `Bearer ${cached}`;
    const { token, expires } = await this.fetchToken(ch, scope);
    cacheToken(key, token, expires);
    return `Bearer ${token}`;
  }

  private async fetchToken(ch: Challenge, scope: string | undefined): Promise<{ token: string; expires?: number }> {
    const h = await http();
    const realm = ch.params.realm;
    if (!realm) throw new RegistryError(`${this.opts.host}: bearer challenge without realm`, 500);
    const u = new URL(realm);
    const up = userPassword(this.opts.auth);
    let res: Response;
    if (this.opts.auth?.identitytoken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: this.opts.auth.identitytoken, client_id: 'docker', ...(ch.params.service ? { service: ch.params.service } : {}), ...(scope ? { scope } : {}) });
      res = await h.request(u.toString(), { method: 'POST', dispatcher: this.dispatcher(h, u.toString()), headers: { ...this.baseHeaders(), 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    } else {
      if (ch.params.service) u.searchParams.set('service', ch.params.service);
      if (scope) u.searchParams.set('scope', scope);
      if (up) u.searchParams.set('account', up.username);
      res = await h.request(u.toString(), { method: 'GET', dispatcher: this.dispatcher(h, u.toString()), headers: { ...this.baseHeaders(), ...(up ? { authorization: basicHeader(up) } : {}) } });
    }
    const text = await res.body.text();
    if (res.statusCode === 401 || res.statusCode === 403) {
      const d = describeErrorBody(text);
      throw new RegistryError(`${this.opts.host}: unauthorized: ${up ? 'incorrect username or password' : (d?.text ?? 'authentication required')}`, 401, 'UNAUTHORIZED');
    }
    if (res.statusCode >= 300) throw new RegistryError(`${this.opts.host}: token service ${u.origin}${u.pathname} answered ${res.statusCode}`, 500);
    const j = JSON.parse(text) as { token?: string; access_token?: string; expires_in?: number };
    const token = j.token ?? j.access_token;
    if (!token) throw new RegistryError(`${this.opts.host}: token service gave no token`, 500);
    return { token, ...(j.expires_in ? { expires: j.expires_in } : {}) };
  }

  /**
   * Sends a request to a path under /v2/ (or an absolute URL from a Location header). Non-2xx
   * answers not in `accept` become RegistryErrors; 401 triggers one re-authentication.
   */
  async request(path: string, o: RequestOptions = {}): Promise<Response> {
    const h = await http();
    const base = await this.baseUrl();
    const method = o.method ?? 'GET';
    const replayable = o.body === undefined || typeof o.body === 'string' || Buffer.isBuffer(o.body);
    const attempts = replayable ? (this.opts.attempts ?? 4) : 1;
    let url = path.startsWith('http') ? path : `${base}${path}`;
    let reauth = false;
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        const auth = new URL(url).host === this.opts.host ? await this.authorization(o.scope, reauth) : undefined;
        res = await h.request(url, {
          method: method as Dispatcher.HttpMethod,
          dispatcher: this.dispatcher(h, url),
          headers: { ...this.baseHeaders(), ...o.headers, ...(auth ? { authorization: auth } : {}) },
          ...(o.body !== undefined ? { body: o.body } : {}),
          headersTimeout: 60_000,
          bodyTimeout: 60_000,
        });
      } catch (err) {
        if (err instanceof RegistryError || attempt >= attempts) throw err instanceof RegistryError ? err : new RegistryError(`${method} ${redact(url)}: ${describeNetError(err as Error)}`, 500, 'NETWORK');
        await sleep(100 * 2 ** attempt);
        continue;
      }
      const status = res.statusCode;
      if ([301, 302, 303, 307, 308].includes(status) && headerValue(res, 'location')) {
        await res.body.dump();
        url = new URL(headerValue(res, 'location')!, url).toString();
        continue;
      }
      if (status === 401 && !reauth) {
        const ch = parseChallenge(res.headers['www-authenticate']);
        await res.body.dump();
        if (ch && replayable) {
          this.challenge = ch;
          reauth = true;
          continue;
        }
        throw new RegistryError(`${this.opts.host}: unauthorized: authentication required`, 401, 'UNAUTHORIZED');
      }
      if ((status >= 200 && status < 300) || o.accept?.includes(status)) return res;
      if (RETRY_STATUS.has(status) && attempt < attempts) {
        const after = Number(headerValue(res, 'retry-after'));
        await res.body.dump();
        await sleep(Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 5000) : 100 * 2 ** attempt);
        continue;
      }
      const text = method === 'HEAD' ? '' : await res.body.text().catch(() => '');
      if (method === 'HEAD') await res.body.dump();
      throw statusError(this.opts.host, method, url, status, text);
    }
  }
}

export function statusError(host: string, method: string, url: string, status: number, body: string): RegistryError {
  const d = describeErrorBody(body);
  const text = d?.text ?? (status === 429 ? 'toomanyrequests: too many requests' : `${status} ${body.slice(0, 200).trim() || 'error'}`);
  if (status === 401) return new RegistryError(`${host}: unauthorized: ${d ? d.text.replace(/^unauthorized: /, '') : 'authentication required'}`, 401, 'UNAUTHORIZED');
  if (status === 403) return new RegistryError(`${host}: denied: ${d?.text ?? 'requested access to the resource is denied'}`, 403, 'DENIED');
  const code = status === 404 ? 404 : status === 429 ? 429 : 500;
  return new RegistryError(`${method} ${redact(url)}: ${text}`, code, d?.code ?? String(status));
}

/** URLs never carry secrets we add, but strip query strings (upload state, signed S3 URLs). */
function redact(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

function describeNetError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  const cause = (err as { cause?: Error }).cause;
  return [err.message, code && !err.message.includes(code) ? code : '', cause?.message ?? ''].filter(Boolean).join(': ');
}
