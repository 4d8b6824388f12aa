// One HTTP/1.1 request with a whole-body answer (JSON calls: ps, images, create, rm, ...) straight
// over libuv's pipe handle (unix-exchange.ts), or node:net for tcp. Loading and running node:http
// costs ~10 ms of a ~90 ms `wharf ps`; streams,
// uploads and hijacked connections still use node:http (client.ts), loaded when first needed.
// The request says "Connection: close", so the answer ends where the connection does: no need to
// trust Content-Length (absent for chunked answers, present without a body for HEAD).
import { pipeBindings, unixExchange } from './unix-exchange.js';

export interface PlainTarget {
  socketPath?: string;
  host?: string;
  port?: number;
}

export interface PlainResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

/** Decodes a chunked body (RFC 9112 7.1); chunk extensions and trailers are dropped. */
export function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) throw new Error('malformed chunked response from the daemon');
    const size = parseInt(data.toString('latin1', at, eol).split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size) || size < 0) throw new Error('malformed chunked response from the daemon');
    if (size === 0) break;
    const start = eol + 2;
    if (start + size > data.length) throw new Error('truncated chunked response from the daemon');
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
  return Buffer.concat(parts);
}

/** Splits a complete HTTP/1.1 response (status line, headers, body up to the connection's end). */
export function parseResponse(data: Buffer, method: string): PlainResponse {
  let headEnd = data.indexOf('\r\n\r\n');
  // 1xx answers (100 Continue) come before the real one.
  while (headEnd >= 0 && /^HTTP\/1\.[01] 1\d\d /.test(data.toString('latin1', 0, 13))) {
    data = data.subarray(headEnd + 4);
    headEnd = data.indexOf('\r\n\r\n');
  }
  if (headEnd < 0) throw new Error('incomplete HTTP response from the daemon');
  const lines = data.toString('latin1', 0, headEnd).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!);
  if (!m) throw new Error(`malformed HTTP response from the daemon: ${JSON.stringify(lines[0]!.slice(0, 80))}`);
  const status = Number(m[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  let body = data.subarray(headEnd + 4);
  if (method === 'HEAD' || status === 204 || status === 304) body = Buffer.alloc(0);
  else if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status, headers, body: Buffer.from(body) };
}

/** Sends one request and resolves with the whole answer; connection errors reject as net's (ENOENT, ECONNREFUSED). */
export async function plainRequest(target: PlainTarget, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<PlainResponse> {
  const head = [`${method} ${path} HTTP/1.1`, `Host: ${target.socketPath ? 'localhost' : `${target.host}:${target.port}`}`, 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
  if (body || method === 'POST' || method === 'PUT') head.push(`Content-Length: ${body?.length ?? 0}`);
  const headBytes = Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1');
  const request = body?.length ? Buffer.concat([headBytes, body]) : headBytes;
  const pipe = target.socketPath ? pipeBindings() : null;
  const answer = pipe ? await unixExchange(pipe, target.socketPath!, request) : await netExchange(target, request);
  return parseResponse(answer, method);
}

/** The same exchange over node:net (tcp daemons, and unix sockets where libuv's pipe is not offered). */
async function netExchange(target: PlainTarget, request: Buffer): Promise<Buffer> {
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = target.socketPath ? connect(target.socketPath) : connect(target.port ?? 80, target.host ?? 'localhost');
    const chunks: Buffer[] = [];
    socket.on('error', reject);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('end', () => {
      socket.destroy();
      resolve(Buffer.concat(chunks));
    });
    socket.write(request);
  });
}
