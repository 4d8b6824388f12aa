// Listeners for the API: unix sockets (mode 0660, group-owned) and TCP only with TLS client-cert
// verification. One fastify app serves all of them through app.routing.
import type { FastifyInstance } from 'fastify';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Logger } from 'pino';

export type ListenAddress =
  | { proto: 'unix'; path: string }
  | { proto: 'tcp'; host: string; port: number };

export interface TlsFiles {
  /** CA that client certificates must chain to. */
  caCert: string;
  cert: string;
  key: string;
}

export interface ApiServerOptions {
  app: FastifyInstance;
  addresses: ListenAddress[];
  /** Required for any tcp address: TLS with verified client certificates. */
  tls?: TlsFiles;
  /** Group given to unix sockets; skipped when it does not exist unless groupRequired. */
  socketGroup?: string;
  groupRequired?: boolean;
  logger: Logger;
}

export function formatAddress(a: ListenAddress): string {
  return a.proto === 'unix' ? `unix://${a.path}` : `tcp://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/** Group ID of `name` from /etc/group, or undefined. */
export function lookupGroup(name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  try {
    for (const line of fs.readFileSync('/etc/group', 'utf8').split('\n')) {
      const [gname, , gid] = line.split(':');
      if (gname === name && gid !== undefined) return Number(gid);
    }
  } catch { /* no /etc/group */ }
  return undefined;
}

/** True when something accepts connections on the unix socket at `p`. */
function socketIsLive(p: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(p);
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

async function prepareUnixPath(p: string): Promise<void> {
  fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o755 });
  let st: fs.Stats;
  try { st = fs.lstatSync(p); } catch { return; }
  if (!st.isSocket()) throw new Error(`cannot listen on unix://${p}: the path exists and is not a socket`);
  if (await socketIsLive(p)) throw new Error(`cannot listen on unix://${p}: address already in use by another process`);
  fs.unlinkSync(p); // a stale socket from a daemon that died
}

export class ApiServer {
  private constructor(
    private readonly app: FastifyInstance,
    private readonly servers: { server: http.Server; address: ListenAddress }[],
    private readonly logger: Logger,
  ) {}

  /** Opens every listener or none (those already open are closed on failure). */
  static async listen(opts: ApiServerOptions): Promise<ApiServer> {
    const tcp = opts.addresses.filter((a) => a.proto === 'tcp');
    if (tcp.length > 0 && !opts.tls) {
      throw new Error(`refusing to listen on ${formatAddress(tcp[0])}: TCP requires TLS with client certificate verification (--tlsverify with --tlscacert, --tlscert and --tlskey)`);
    }
    let gid: number | undefined;
    if (opts.socketGroup) {
      gid = lookupGroup(opts.socketGroup);
      if (gid === undefined && opts.groupRequired) throw new Error(`group "${opts.socketGroup}" for the API socket does not exist`);
    }
    await opts.app.ready();
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => opts.app.routing(req, res);
    const tlsOptions = opts.tls && {
      ca: fs.readFileSync(opts.tls.caCert), cert: fs.readFileSync(opts.tls.cert), key: fs.readFileSync(opts.tls.key),
      requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' as const,
    };
    const opened: { server: http.Server; address: ListenAddress }[] = [];
    const api = new ApiServer(opts.app, opened, opts.logger);
    try {
      for (const address of opts.addresses) {
        const server = address.proto === 'tcp' ? https.createServer(tlsOptions!, handler) : http.createServer(handler);
        server.requestTimeout = 0; // image loads and builds may upload for a long time
        server.keepAliveTimeout = 72_000;
        server.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
          if (err.code !== 'ECONNRESET' && socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
          else socket.destroy();
        });
        if (address.proto === 'unix') await prepareUnixPath(address.path);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          const done = (): void => { server.off('error', reject); resolve(); };
          if (address.proto === 'unix') server.listen(address.path, done);
          else server.listen(address.port, address.host, done);
        });
        opened.push({ server, address });
        if (address.proto === 'unix') {
          fs.chmodSync(address.path, 0o660);
          if (gid !== undefined) fs.chownSync(address.path, 0, gid);
        }
        opts.logger.info({ address: formatAddress(address) }, 'API listening');
      }
    } catch (err) {
      await api.close();
      throw err;
    }
    return api;
  }

  get addresses(): string[] {
    return this.servers.map((s) => formatAddress(s.address));
  }

  /** The actual TCP port of a tcp listener (useful with port 0). */
  tcpPort(index = 0): number | undefined {
    const tcp = this.servers.filter((s) => s.address.proto === 'tcp')[index];
    const a = tcp?.server.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  /** Stops accepting new connections; requests in flight continue. */
  stopAccepting(): void {
    for (const { server } of this.servers) {
      if (server.listening) server.close();
      server.closeIdleConnections();
    }
  }

  /** Stops listening, cuts every connection (streams and hijacked ones) and removes sockets. */
  async close(): Promise<void> {
    const closing = this.servers.map(({ server }) => new Promise<void>((resolve) => {
      if (!server.listening) { resolve(); return; }
      server.close(() => resolve());
    }));
    for (const { server } of this.servers) server.closeAllConnections();
    for (const socket of this.app.hijackedSockets) socket.destroy();
    await Promise.all(closing);
    for (const { address } of this.servers) {
      if (address.proto === 'unix') fs.rmSync(address.path, { force: true });
    }
    this.servers.length = 0;
  }
}
