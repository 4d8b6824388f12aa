// One HTTP/1.1 request with a whole-body answer (JSON calls: ps, images, create, rm, ...) straight
// over libuv's pipe handle (pipe-stream.ts), or node:net for tcp: loading node:net or node:http
// costs ~10 ms each of a ~60 ms `wharf ps`.
// The request says "Connection: close", so the answer ends where the connection does: no need to
// trust Content-Length (absent for chunked answers, present without a body for HEAD).
import { answerBody, splitHead } from './http-answer.js';
import { pipeBindings } from './pipe-bindings.js';
import { unixExchange } from './pipe-stream.js';

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

/** Splits a complete HTTP/1.1 response (status line, headers, body up to the connection's end). */
export function parseResponse(data: Buffer, method: string): PlainResponse {
  const head = splitHead(data);
  if (!head) throw new Error('incomplete HTTP response from the daemon');
  const body = answerBody(head.rest, head, method === 'HEAD', true)!;
  return { status: head.status, headers: head.headers, body: Buffer.from(body) };
}

/** The bytes of a request: head and body; "Connection: close" unless other headers say otherwise. */
export function requestBytes(target: PlainTarget, method: string, path: string, headers: Record<string, string>, body?: Buffer): Buffer {
  const head = [`${method} ${path} HTTP/1.1`, `Host: ${target.socketPath ? 'localhost' : `${target.host}:${target.port}`}`];
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'connection')) head.push('Connection: close');
  for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
  if (body || method === 'POST' || method === 'PUT') head.push(`Content-Length: ${body?.length ?? 0}`);
  const headBytes = Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1');
  return body?.length ? Buffer.concat([headBytes, body]) : headBytes;
}

/** Sends one request and resolves with the whole answer; connection errors reject as net's (ENOENT, ECONNREFUSED). */
export async function plainRequest(target: PlainTarget, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<PlainResponse> {
  const request = requestBytes(target, method, path, headers, body);
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
