// The Engine API client the CLI is built on: HTTP/1.1 over a unix socket (or tcp). JSON calls,
// waits and hijacked connections (attach, exec -it) go straight over libuv's pipe handle
// (plain-request.ts, pipe-stream.ts; node:net for tcp); raw streams (logs, events, progress) and
// uploads use node:http, loaded on first use: most commands never need it, and it costs ~10 ms
// of start-up.
import type * as http from 'node:http';
import type { Readable } from 'node:stream';
import { pipeBindings, type PipeBindings } from './pipe-bindings.js';
import { pipeRequest, readBody, type DuplexConnection } from './pipe-stream.js';
import { plainRequest, requestBytes } from './plain-request.js';

/** The API version the CLI speaks (Docker 20.10's, understood by every wharfd and dockerd). */
export const CLIENT_API_VERSION = '1.41';

export interface DaemonAddress {
  /** Unix socket path, or undefined for tcp. */
  socketPath?: string;
  host?: string;
  port?: number;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | string[] | undefined>;
  /** Sent as JSON unless it is a Buffer or a readable stream (then as-is, see contentType). */
  body?: unknown;
  headers?: Record<string, string>;
  contentType?: string;
}

/** An error answer of the daemon: its status and its {"message"}. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Parses DOCKER_HOST-style addresses: unix:///path, tcp://host:port, /path. */
export function parseHost(host: string): DaemonAddress {
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('/')) return { socketPath: host };
  const m = /^(?:tcp|http):\/\/([^:/]+)(?::(\d+))?\/?$/.exec(host);
  if (!m) throw new Error(`invalid host "${host}": expected unix:///path or tcp://host:port`);
  return { host: m[1], port: Number(m[2] ?? 2375) };
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, item);
    else params.append(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function isReadable(x: unknown): x is Readable {
  return typeof x === 'object' && x !== null && typeof (x as Readable).pipe === 'function';
}

async function readAll(res: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function errorMessage(status: number, body: Buffer): string {
  const text = body.toString('utf8').trim();
  try {
    const parsed = JSON.parse(text) as { message?: string };
    if (parsed.message) return parsed.message;
  } catch { /* not JSON */ }
  return text || `HTTP ${status}`;
}

/** Nothing listens at the daemon address. */
export class DaemonUnavailableError extends Error {}

function unreachable(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ECONNREFUSED';
}

let httpModule: typeof http | undefined;
async function loadHttp(): Promise<typeof http> {
  return (httpModule ??= await import('node:http'));
}

export class ApiClient {
  private agent?: http.Agent;
  /** Called once when the daemon does not answer (autostart); true means "retry". */
  onUnavailable?: () => Promise<boolean>;
  private recovering?: Promise<boolean>;

  constructor(readonly address: DaemonAddress, readonly apiVersion = CLIENT_API_VERSION) {}

  get hostText(): string {
    return this.address.socketPath ? `unix://${this.address.socketPath}` : `tcp://${this.address.host}:${this.address.port}`;
  }

  /** Runs `attempt`; if the daemon is unreachable, lets onUnavailable start it and tries once more. */
  private async reach<T>(attempt: () => Promise<T>, retryable: boolean): Promise<T> {
    try {
      return await attempt();
    } catch (err) {
      if (!unreachable(err)) throw err;
      if (retryable && this.onUnavailable) {
        this.recovering ??= this.onUnavailable();
        if (await this.recovering) return attempt();
      }
      throw new DaemonUnavailableError(`Cannot connect to the wharf daemon at ${this.hostText}. Is the wharf daemon running?`);
    }
  }

  private headers(opts: RequestOptions): Record<string, string> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined && !headers['Content-Type']) {
      headers['Content-Type'] = opts.contentType ?? (Buffer.isBuffer(opts.body) || isReadable(opts.body) ? 'application/x-tar' : 'application/json');
    }
    return headers;
  }

  private fullPath(path: string, opts: RequestOptions): string {
    return `/v${this.apiVersion}${path}${queryString(opts.query)}`;
  }

  private options(h: typeof http, method: string, path: string, opts: RequestOptions): http.RequestOptions {
    this.agent ??= new h.Agent({ keepAlive: true });
    return {
      method,
      path: this.fullPath(path, opts),
      headers: this.headers(opts),
      agent: this.agent,
      // servername '': no TLS on a unix socket, and working it out (an IPv6 regex) costs ms at start.
      ...(this.address.socketPath ? { socketPath: this.address.socketPath, servername: '' } : { host: this.address.host, port: this.address.port }),
    };
  }

  private send(req: http.ClientRequest, body: unknown): void {
    if (body === undefined) req.end();
    else if (isReadable(body)) body.pipe(req);
    else req.end(Buffer.isBuffer(body) ? body : JSON.stringify(body));
  }

  /** Any request; the response stream is returned for 2xx, an ApiError thrown otherwise. */
  stream(method: string, path: string, opts: RequestOptions = {}): Promise<http.IncomingMessage> {
    return this.reach(() => this.streamOnce(method, path, opts), !isReadable(opts.body));
  }

  private async streamOnce(method: string, path: string, opts: RequestOptions): Promise<http.IncomingMessage> {
    const h = await loadHttp();
    return new Promise((resolve, reject) => {
      const req = h.request(this.options(h, method, path, opts), (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(res);
        readAll(res).then((b) => reject(new ApiError(status, errorMessage(status, b))), reject);
      });
      req.on('error', reject);
      this.send(req, opts.body);
    });
  }

  /** A request whose whole body is read; parsed as JSON when it is JSON. */
  async call<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: T }> {
    let status: number;
    let headers: http.IncomingHttpHeaders;
    let raw: Buffer;
    if (isReadable(opts.body)) {
      const res = await this.stream(method, path, opts);
      [status, headers, raw] = [res.statusCode ?? 0, res.headers, await readAll(res)];
    } else {
      const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(JSON.stringify(opts.body));
      const res = await this.reach(() => plainRequest(this.address, method, this.fullPath(path, opts), this.headers(opts), body), true);
      if (res.status < 200 || res.status >= 300) throw new ApiError(res.status, errorMessage(res.status, res.body));
      [status, headers, raw] = [res.status, res.headers, res.body];
    }
    const isJson = /json/.test(headers['content-type'] ?? '') && raw.length > 0;
    return { status, headers, body: (isJson ? JSON.parse(raw.toString('utf8')) : raw) as T };
  }

  get<T = unknown>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.call<T>('GET', path, { query }).then((r) => r.body);
  }

  post<T = unknown>(path: string, body?: unknown, query?: RequestOptions['query']): Promise<T> {
    return this.call<T>('POST', path, { body, query }).then((r) => r.body);
  }

  delete<T = unknown>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.call<T>('DELETE', path, { query }).then((r) => r.body);
  }

  /** libuv's pipe bindings when the daemon is on a unix socket and they are offered (pipe-stream.ts). */
  private pipe(): PipeBindings | null {
    return this.address.socketPath ? pipeBindings() : null;
  }

  /**
   * A request whose answer comes late (POST /containers/{id}/wait answers at the exit): resolves
   * once the daemon answered (the wait is registered), with the JSON body to come.
   */
  async late<T>(method: string, path: string, opts: RequestOptions = {}): Promise<{ body: Promise<T>; cancel: () => void }> {
    const b = this.pipe();
    if (!b) {
      const res = await this.stream(method, path, opts);
      return { body: readAll(res).then((raw) => JSON.parse(raw.toString('utf8')) as T), cancel: () => res.destroy() };
    }
    const a = await this.reach(() => pipeRequest(b, this.address.socketPath!, requestBytes(this.address, method, this.fullPath(path, opts), this.headers(opts))), true);
    if (a.status < 200 || a.status >= 300) throw new ApiError(a.status, errorMessage(a.status, await readBody(a)));
    return { body: readBody(a).then((raw) => JSON.parse(raw.toString('utf8')) as T), cancel: () => a.stream.destroy() };
  }

  /**
   * A hijacked connection (attach, exec start): sends "Upgrade: tcp" and resolves with the raw
   * connection once the daemon answers 101 (or 200 for daemons that do not upgrade).
   */
  hijack(method: string, path: string, opts: RequestOptions = {}): Promise<{ socket: DuplexConnection; head: Buffer }> {
    return this.reach(() => this.hijackOnce(method, path, opts), true);
  }

  private async hijackOnce(method: string, path: string, opts: RequestOptions): Promise<{ socket: DuplexConnection; head: Buffer }> {
    const b = this.pipe();
    if (b) {
      const body = { ...opts, body: opts.body ?? {} };
      const headers = { ...this.headers(body), Connection: 'Upgrade', Upgrade: 'tcp', ...opts.headers };
      const request = requestBytes(this.address, method, this.fullPath(path, opts), headers, Buffer.from(JSON.stringify(body.body)));
      const a = await pipeRequest(b, this.address.socketPath!, request);
      if (a.status >= 300) throw new ApiError(a.status, errorMessage(a.status, await readBody(a)));
      return { socket: a.stream, head: a.head };
    }
    const h = await loadHttp();
    return new Promise((resolve, reject) => {
      const o = this.options(h, method, path, { ...opts, headers: { Connection: 'Upgrade', Upgrade: 'tcp', ...opts.headers } });
      o.agent = false;
      const req = h.request(o);
      req.on('upgrade', (_res, socket, head) => resolve({ socket, head }));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300) return void readAll(res).then((b) => reject(new ApiError(status, errorMessage(status, b))), reject);
        // A 200 without upgrade: the body is the stream.
        resolve({ socket: res.socket, head: Buffer.alloc(0) });
      });
      req.on('error', reject);
      this.send(req, opts.body ?? {});
    });
  }

  close(): void {
    this.agent?.destroy();
  }
}
