// The Engine API client the CLI is built on: HTTP/1.1 over a unix socket (or tcp), plain node:http
// because it loads fast and the CLI is short-lived. JSON calls, raw streams (logs, events,
// progress) and hijacked connections (attach, exec -it).
import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';

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

export class ApiClient {
  private readonly agent = new http.Agent({ keepAlive: true });
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

  private options(method: string, path: string, opts: RequestOptions): http.RequestOptions {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined && !headers['Content-Type']) {
      headers['Content-Type'] = opts.contentType ?? (Buffer.isBuffer(opts.body) || isReadable(opts.body) ? 'application/x-tar' : 'application/json');
    }
    return {
      method,
      path: `/v${this.apiVersion}${path}${queryString(opts.query)}`,
      headers,
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

  private streamOnce(method: string, path: string, opts: RequestOptions): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = http.request(this.options(method, path, opts), (res) => {
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
    const res = await this.stream(method, path, opts);
    const raw = await readAll(res);
    const isJson = /json/.test(res.headers['content-type'] ?? '') && raw.length > 0;
    return { status: res.statusCode ?? 0, headers: res.headers, body: (isJson ? JSON.parse(raw.toString('utf8')) : raw) as T };
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

  /**
   * A hijacked connection (attach, exec start): sends "Upgrade: tcp" and resolves with the raw
   * socket once the daemon answers 101 (or 200 for daemons that do not upgrade).
   */
  hijack(method: string, path: string, opts: RequestOptions = {}): Promise<{ socket: Socket; head: Buffer; headers: http.IncomingHttpHeaders }> {
    return this.reach(() => this.hijackOnce(method, path, opts), true);
  }

  private hijackOnce(method: string, path: string, opts: RequestOptions): Promise<{ socket: Socket; head: Buffer; headers: http.IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
      const o = this.options(method, path, { ...opts, headers: { Connection: 'Upgrade', Upgrade: 'tcp', ...opts.headers } });
      o.agent = false;
      const req = http.request(o);
      req.on('upgrade', (res, socket, head) => resolve({ socket, head, headers: res.headers }));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300) return void readAll(res).then((b) => reject(new ApiError(status, errorMessage(status, b))), reject);
        // A 200 without upgrade: the body is the stream.
        resolve({ socket: res.socket, head: Buffer.alloc(0), headers: res.headers });
      });
      req.on('error', reject);
      this.send(req, opts.body ?? {});
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
