// hijack(): a real client on a unix socket talks raw bytes both ways after the status line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { hijack } from '../../../src/api/hijack.js';
import { FrameDecoder, FrameEncoder, StdStream } from '../../../src/api/stdcopy.js';
import { jsonBody } from '../../../src/api/request.js';
import { serve } from './serve.js';
import { testEngine } from './test-engine.js';

/** An "exec start"-like route: echoes stdin back as stdout frames (or raw with Tty). */
function echoRoute(app: import('fastify').FastifyInstance): void {
  app.post('/exec/:id/start', async (request, reply) => {
    const body = jsonBody<{ Tty?: boolean }>(request) ?? {};
    const socket = hijack(request, reply, { multiplexed: !body.Tty });
    if (body.Tty) {
      socket.on('data', (c: Buffer) => socket.write(c));
    } else {
      const enc = new FrameEncoder(StdStream.Stdout);
      enc.pipe(socket, { end: false });
      socket.on('data', (c: Buffer) => enc.write(c.toString().toUpperCase()));
    }
    // Stdin EOF (client half-close): say goodbye on stderr and close, as a finished process would.
    socket.on('end', () => {
      setImmediate(() => socket.end(body.Tty ? 'bye' : Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 3]), Buffer.from('bye')])));
    });
  });
}

interface Exchange { head: string; payload: Buffer }

/** Sends the request, then `stdin` chunks after the response head, then half-closes. */
function exchange(socketPath: string, request: string, stdin: string[]): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socketPath);
    let buf = Buffer.alloc(0);
    let head: string | undefined;
    c.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (head === undefined) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        head = buf.subarray(0, end).toString();
        buf = buf.subarray(end + 4);
        // Write stdin in separate packets, then EOF, like the docker CLI.
        let i = 0;
        const next = (): void => {
          if (i < stdin.length) { c.write(stdin[i++]); setTimeout(next, 5); } else c.end();
        };
        next();
      }
    });
    c.on('end', () => resolve({ head: head ?? '', payload: buf }));
    c.on('error', reject);
    c.write(request);
  });
}

function postRequest(path: string, body: string, upgrade: boolean): string {
  return `POST ${path} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    (upgrade ? 'Connection: Upgrade\r\nUpgrade: tcp\r\n' : '') + `\r\n${body}`;
}

test('Upgrade: tcp gets 101 UPGRADED, multiplexed frames, and survives stdin half-close', async () => {
  const s = await serve(testEngine(), [echoRoute]);
  try {
    const r = await exchange(s.socketPath, postRequest('/v1.44/exec/x/start', '{"Tty":false}', true), ['hello ', 'GET / HTTP/1.1\r\n\r\n', 'world']);
    const lines = r.head.split('\r\n');
    assert.equal(lines[0], 'HTTP/1.1 101 UPGRADED');
    assert.ok(lines.includes('Content-Type: application/vnd.docker.multiplexed-stream'), r.head);
    assert.ok(lines.includes('Connection: Upgrade') && lines.includes('Upgrade: tcp'), r.head);
    assert.ok(lines.some((l) => /^api-version: 1\.51$/i.test(l)), r.head);
    const frames = new FrameDecoder().push(r.payload);
    const stdout = frames.filter((f) => f.stream === StdStream.Stdout).map((f) => f.data.toString()).join('');
    // Bytes that look like HTTP after the hijack are data, not a new request.
    assert.equal(stdout, 'HELLO GET / HTTP/1.1\r\n\r\nWORLD');
    assert.deepEqual(frames.filter((f) => f.stream === StdStream.Stderr).map((f) => f.data.toString()), ['bye']);
  } finally {
    await s.close();
  }
});

test('without Upgrade the answer is 200 OK and a raw stream; API < 1.42 gets raw-stream type', async () => {
  const s = await serve(testEngine(), [echoRoute]);
  try {
    const tty = await exchange(s.socketPath, postRequest('/v1.51/exec/x/start', '{"Tty":true}', false), ['abc', 'def']);
    assert.equal(tty.head.split('\r\n')[0], 'HTTP/1.1 200 OK');
    assert.ok(tty.head.includes('Content-Type: application/vnd.docker.raw-stream'));
    assert.equal(tty.payload.toString(), 'abcdefbye');
    const old = await exchange(s.socketPath, postRequest('/v1.41/exec/x/start', '{}', true), ['q']);
    assert.ok(old.head.includes('Content-Type: application/vnd.docker.raw-stream'), old.head);
    assert.equal(new FrameDecoder().push(old.payload)[0].data.toString(), 'Q'); // still framed
  } finally {
    await s.close();
  }
});

test('closing the server cuts hijacked connections', async () => {
  const s = await serve(testEngine(), [(app) => app.post('/attach', async (req, reply) => { hijack(req, reply, { multiplexed: false }); })]);
  const c = net.connect(s.socketPath);
  let got = '';
  const ended = new Promise<string>((resolve) => {
    c.on('data', (d) => { got += d.toString(); });
    c.on('close', () => resolve(got));
  });
  c.write('POST /attach HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
  // Wait (with a deadline) for the status line: by then the server tracks the hijacked socket.
  const deadline = Date.now() + 5000;
  while (!got.includes('\r\n\r\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await s.close();
  assert.match(await ended, /^HTTP\/1.1 101 UPGRADED/);
});
