// The CLI's connections over libuv's pipe handle (src/cli/pipe-stream.ts) against a node:http
// server on a temp unix socket: a hijacked (upgraded) connection both ways with half-close, a wait
// whose answer comes late, and bodies by length, chunked and to the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { ApiClient, ApiError } from '../../../src/cli/client.js';
import { pipeBindings } from '../../../src/cli/pipe-bindings.js';
import { pipeRequest, readBody } from '../../../src/cli/pipe-stream.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-pipe-'));
const socketPath = path.join(dir, 'd.sock');
let releaseWait: () => void = () => {};

const server = http.createServer((req, res) => {
  if (req.url === '/v1.41/containers/c1/wait?condition=removed') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    releaseWait = () => res.end('{"StatusCode":3,"Error":null}');
    return;
  }
  if (req.url === '/chunked') {
    res.write('a'.repeat(70_000));
    setTimeout(() => res.end('end'), 20);
    return;
  }
  if (req.url === '/length') return res.end('exactly this');
  res.writeHead(500).end();
});
// Attach: answers 101, echoes upper-cased input, and says "bye" when the client half-closes.
server.on('upgrade', (req, socket: Duplex) => {
  if (req.url?.startsWith('/v1.41/containers/missing/')) {
    // Kept open (keep-alive): the client reads the error body by its length.
    const msg = '{"message":"No such container: missing"}';
    socket.write(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${msg.length}\r\n\r\n${msg}`);
    return;
  }
  if (req.url?.startsWith('/v1.41/containers/early/')) {
    // Output before the client listens (attach to a running container).
    socket.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    setTimeout(() => socket.end('early output'), 10);
    return;
  }
  socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nhello ');
  socket.on('data', (d: Buffer) => {
    socket.write(d.toString().toUpperCase());
  });
  socket.on('end', () => socket.end(`bye (${req.url} ${req.headers['content-type']})`));
});

before(() => new Promise<void>((ok) => server.listen(socketPath, ok)));
after(() => {
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a hijacked connection: the head\'s extra bytes, both directions, half-close, then the end', async () => {
  const api = new ApiClient({ socketPath });
  const conn = await api.hijack('POST', '/containers/c1/attach', { query: { stream: true } });
  let got = conn.head.toString();
  const ended = new Promise<void>((ok) => conn.socket.on('end', ok));
  conn.socket.on('data', (d: Buffer) => { got += d.toString(); });
  conn.socket.write(Buffer.from('typed '));
  await new Promise((r) => setTimeout(r, 50));
  conn.socket.end();
  await ended;
  conn.socket.destroy();
  assert.equal(got, 'hello TYPED bye (/v1.41/containers/c1/attach?stream=1 application/json)');
  await assert.rejects(api.hijack('POST', '/containers/missing/attach'), (e: unknown) => e instanceof ApiError && e.status === 404 && e.message === 'No such container: missing');
});

test('a wait is registered once the head is in; its body comes at the exit', async () => {
  const api = new ApiClient({ socketPath });
  const w = await api.late<{ StatusCode: number }>('POST', '/containers/c1/wait', { query: { condition: 'removed' } });
  let done = false;
  void w.body.then(() => { done = true; });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(done, false, 'nothing before the exit');
  releaseWait();
  assert.deepEqual(await w.body, { StatusCode: 3, Error: null });
});

test('bodies: by Content-Length, chunked over several reads, errors for nothing listening', async () => {
  const b = pipeBindings()!;
  const ask = (p: string) => Buffer.from(`GET ${p} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
  const byLength = await pipeRequest(b, socketPath, ask('/length'));
  assert.equal((await readBody(byLength)).toString(), 'exactly this', 'keep-alive connection: ends by length');
  const chunked = await pipeRequest(b, socketPath, ask('/chunked'));
  assert.equal(chunked.headers['transfer-encoding'], 'chunked');
  const body = await readBody(chunked);
  assert.equal(body.length, 70_003);
  assert.equal(body.subarray(-3).toString(), 'end');
  await assert.rejects(pipeRequest(b, path.join(dir, 'none.sock'), ask('/')), { code: 'ENOENT' });
});

test('what comes before anyone listens is kept for the first listener, the end included', async () => {
  const api = new ApiClient({ socketPath });
  const conn = await api.hijack('POST', '/containers/early/attach');
  await new Promise((r) => setTimeout(r, 100));
  let got = conn.head.toString();
  await new Promise<void>((ok) => {
    conn.socket.on('data', (d: Buffer) => { got += d.toString(); });
    conn.socket.on('end', ok);
  });
  conn.socket.destroy();
  assert.equal(got, 'early output');
});
