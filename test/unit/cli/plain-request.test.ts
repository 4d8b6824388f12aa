// JSON calls of the CLI over libuv's pipe handle or node:net (src/cli/plain-request.ts, pipe-stream.ts) against a node:http server on a
// temp unix socket: every answer shape the daemon gives (length, chunked, HEAD, 204, errors).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { plainRequest, parseResponse } from '../../../src/cli/plain-request.js';
import { pipeBindings } from '../../../src/cli/pipe-bindings.js';
import { ApiClient, ApiError } from '../../../src/cli/client.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-plain-'));
const socketPath = path.join(dir, 'd.sock');
const seen: Array<{ method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }> = [];

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    seen.push({ method: req.method, url: req.url, headers: req.headers, body });
    if (req.url === '/length') return res.setHeader('Content-Type', 'application/json').end('{"a":1}');
    if (req.url === '/chunked') {
      res.setHeader('Content-Type', 'application/json');
      res.write('[1,');
      res.write('2,'.repeat(5000)); // several chunks, one > 8 KiB
      return res.end('3]');
    }
    if (req.url === '/head') return res.setHeader('Content-Length', '42').end();
    if (req.url === '/none') return res.writeHead(204).end();
    if (req.url === '/echo') return res.setHeader('Content-Type', 'application/json').end(JSON.stringify({ body, type: req.headers['content-type'] }));
    if (req.url?.startsWith('/v1.41/missing')) return res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"No such container: x"}');
    if (req.url?.startsWith('/v1.41/list')) return res.setHeader('Content-Type', 'application/json').end('[{"Id":"é"}]');
    res.writeHead(500).end('unexpected');
  });
});
before(() => new Promise<void>((ok) => server.listen(socketPath, ok)));
after(() => {
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a Content-Length answer, a chunked one, HEAD and 204 come back whole and exact', async () => {
  const length = await plainRequest({ socketPath }, 'GET', '/length', {});
  assert.deepEqual([length.status, length.headers['content-type'], length.body.toString()], [200, 'application/json', '{"a":1}']);
  const chunked = await plainRequest({ socketPath }, 'GET', '/chunked', {});
  assert.equal(chunked.headers['transfer-encoding'], 'chunked');
  assert.equal((JSON.parse(chunked.body.toString()) as number[]).length, 5002);
  const head = await plainRequest({ socketPath }, 'HEAD', '/head', {});
  assert.deepEqual([head.status, head.headers['content-length'], head.body.length], [200, '42', 0]);
  const none = await plainRequest({ socketPath }, 'DELETE', '/none', {});
  assert.deepEqual([none.status, none.body.length], [204, 0]);
});

test('a request body arrives with its length and type; an empty POST says Content-Length: 0', async () => {
  const r = await plainRequest({ socketPath }, 'POST', '/echo', { 'Content-Type': 'application/json' }, Buffer.from('{"x":"ü"}'));
  assert.deepEqual(JSON.parse(r.body.toString()), { body: '{"x":"ü"}', type: 'application/json' });
  await plainRequest({ socketPath }, 'POST', '/echo', {});
  assert.equal(seen.at(-1)!.headers['content-length'], '0');
});

test('nothing listening: the connection error comes through with its code (the CLI autostarts on it)', async () => {
  await assert.rejects(plainRequest({ socketPath: path.join(dir, 'none.sock') }, 'GET', '/x', {}), { code: 'ENOENT' });
});

test('ApiClient JSON calls: the body parsed (UTF-8), the daemon\'s message as ApiError', async () => {
  const api = new ApiClient({ socketPath });
  assert.deepEqual(await api.get('/list', { all: true }), [{ Id: 'é' }]);
  assert.equal(seen.at(-1)!.url, '/v1.41/list?all=1');
  await assert.rejects(api.delete('/missing/x'), (e: unknown) => e instanceof ApiError && e.status === 404 && e.message === 'No such container: x');
  api.close();
});

test('a tcp:// daemon is reached the same way (Host names it)', async () => {
  const tcp = http.createServer((req, res) => res.setHeader('Content-Type', 'application/json').end(JSON.stringify({ host: req.headers.host, url: req.url })));
  await new Promise<void>((ok) => tcp.listen(0, '127.0.0.1', ok));
  const { port } = tcp.address() as { port: number };
  try {
    const api = new ApiClient({ host: '127.0.0.1', port });
    assert.deepEqual(await api.get('/info'), { host: `127.0.0.1:${port}`, url: '/v1.41/info' });
  } finally {
    tcp.close();
  }
});

test('malformed answers are errors, not wrong data', () => {
  assert.throws(() => parseResponse(Buffer.from('garbage\r\n\r\n'), 'GET'), /malformed HTTP response/);
  assert.throws(() => parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: x'), 'GET'), /incomplete HTTP response/);
  assert.throws(() => parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), 'GET'), /malformed chunked/);
  assert.throws(() => parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc'), 'GET'), /truncated chunked/);
  const cont = parseResponse(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok'), 'POST');
  assert.deepEqual([cont.status, cont.body.toString()], [201, 'ok']);
});

test('large requests and answers go whole through the pipe handle (writes libuv could not finish at once)', async () => {
  const big = http.createServer((req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => { n += c.length; });
    req.on('end', () => res.setHeader('Content-Type', 'application/octet-stream').end(Buffer.alloc(3 << 20, n % 251)));
  });
  const bigPath = path.join(dir, 'big.sock');
  await new Promise<void>((ok) => big.listen(bigPath, ok));
  try {
    assert.ok(pipeBindings(), 'libuv pipe bindings are offered on this Node');
    const body = Buffer.alloc(5 << 20, 7);
    const r = await plainRequest({ socketPath: bigPath }, 'POST', '/upload', {}, body);
    assert.equal(r.body.length, 3 << 20);
    assert.equal(r.body[0], body.length % 251);
    assert.equal(r.body.at(-1), body.length % 251);
  } finally {
    big.close();
  }
});

test('a path that is not a listening socket: ECONNREFUSED, as node:net says it', async () => {
  const file = path.join(dir, 'plain-file');
  fs.writeFileSync(file, '');
  await assert.rejects(plainRequest({ socketPath: file }, 'GET', '/x', {}), { code: 'ECONNREFUSED', syscall: 'connect' });
});

test('with --pending-deprecation the CLI uses node:net instead (no deprecation warning printed)', async () => {
  const script = `import { plainRequest } from ${JSON.stringify(new URL('../../../src/cli/plain-request.js', import.meta.url).href)};
    import { pipeBindings } from ${JSON.stringify(new URL('../../../src/cli/pipe-bindings.js', import.meta.url).href)};
    const r = await plainRequest({ socketPath: process.argv[1] }, 'GET', '/length', {});
    process.stdout.write(JSON.stringify({ bindings: pipeBindings() !== null, body: r.body.toString() }));`;
  // Not spawnSync: this process's server has to answer the child.
  const out = await promisify(execFile)(process.execPath, ['--pending-deprecation', '--input-type=module', '-e', script, socketPath], { encoding: 'utf8' });
  assert.equal(out.stderr, '');
  assert.deepEqual(JSON.parse(out.stdout), { bindings: false, body: '{"a":1}' });
});
