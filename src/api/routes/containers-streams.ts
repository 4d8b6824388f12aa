// Streaming container routes: wait (headers first, answer at exit), logs (framed unless TTY,
// optionally followed) and attach (hijacked connection with stdin and detach keys).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import type { ContainerService } from '../../engine/containers/service.js';
import { InvalidParameterError } from '../../engine/errors.js';
import { rfc3339NanoFixed, type LogEntry, type LogStream } from '../../engine/logs/entry.js';
import { DEFAULT_DETACH_KEYS, DetachScanner, parseDetachKeys } from '../../engine/stdio/detach-keys.js';
import type { RouteRegistrar } from '../engine.js';
import { hijack, MULTIPLEXED_STREAM, RAW_STREAM } from '../hijack.js';
import { queryBool, queryString } from '../request.js';
import { encodeFrame, StdStream } from '../stdcopy.js';
import { parseTimestamp } from '../timestamps.js';
import { versionAtLeast } from '../version.js';

const idOf = (request: FastifyRequest): string => (request.params as { id: string }).id;
const streamCode = (s: LogStream): StdStream => (s === 'stdout' ? StdStream.Stdout : StdStream.Stderr);

function encodeEntry(e: LogEntry, tty: boolean, timestamps: boolean): Buffer {
  const payload = timestamps ? Buffer.concat([Buffer.from(rfc3339NanoFixed(e.timeNano) + ' '), e.log]) : e.log;
  return tty ? payload : encodeFrame(streamCode(e.stream), payload);
}

function waitDrain(out: NodeJS.WritableStream & { destroyed?: boolean }): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => { out.removeListener('drain', done); out.removeListener('close', done); resolve(); };
    out.once('drain', done);
    out.once('close', done);
  });
}

async function logsRoute(containers: ContainerService, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const stdout = queryBool(request, 'stdout');
  const stderr = queryBool(request, 'stderr');
  if (!stdout && !stderr) throw new InvalidParameterError('Bad parameters: you must choose at least one stream');
  const sinceArg = queryString(request, 'since');
  const untilArg = queryString(request, 'until');
  const tailArg = queryString(request, 'tail');
  let tail: number | undefined;
  if (tailArg && tailArg !== 'all') {
    if (!/^-?\d+$/.test(tailArg)) throw new InvalidParameterError(`invalid value for "tail": ${tailArg}`);
    tail = Number(tailArg);
  }
  const since = sinceArg && sinceArg !== '0' ? parseTimestamp(sinceArg) : undefined;
  const until = untilArg && untilArg !== '0' ? parseTimestamp(untilArg) : undefined;
  const timestamps = queryBool(request, 'timestamps');
  const { tty, stream } = containers.logs(idOf(request), { follow: queryBool(request, 'follow'), since, until, tail, stdout, stderr });
  reply.hijack();
  const res = reply.raw;
  const type = !tty && versionAtLeast(request.apiVersion, '1.42') ? MULTIPLEXED_STREAM : RAW_STREAM;
  res.writeHead(200, { 'Content-Type': type });
  res.flushHeaders();
  res.on('close', () => stream.close());
  try {
    for await (const batch of stream) {
      if (res.destroyed) break;
      const ok = res.write(Buffer.concat(batch.map((e) => encodeEntry(e, tty, timestamps))));
      if (!ok) await waitDrain(res);
    }
  } catch (err) {
    request.log.warn({ err }, 'reading logs failed');
  } finally {
    stream.close();
    res.end();
  }
}

async function waitRoute(containers: ContainerService, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  // Registered before the headers go out: docker run sends start as soon as it sees them.
  const result = containers.wait(idOf(request), queryString(request, 'condition'));
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.flushHeaders();
  const r = await result;
  if (!res.destroyed) res.end(JSON.stringify(r) + '\n');
}

function attachRoute(containers: ContainerService, request: FastifyRequest, reply: FastifyReply): void {
  const point = containers.attachPoint(idOf(request));
  const keys = parseDetachKeys(queryString(request, 'detachKeys') || DEFAULT_DETACH_KEYS);
  const wantStdin = queryBool(request, 'stdin');
  const wantStdout = queryBool(request, 'stdout');
  const wantStderr = queryBool(request, 'stderr');
  const wantStream = queryBool(request, 'stream');
  const wantLogs = queryBool(request, 'logs');
  const history = wantLogs ? containers.logs(point.id, { follow: false, stdout: wantStdout, stderr: wantStderr }).stream : null;
  const socket: Socket = hijack(request, reply, { multiplexed: !point.tty });
  point.emit('attach');

  let finished = false;
  let removeSink = (): void => {};
  let cancelStdin = (): void => {};
  const finish = (): void => {
    if (finished) return;
    finished = true;
    removeSink();
    cancelStdin();
    history?.close();
    socket.end();
  };
  socket.on('close', () => { finished = true; removeSink(); cancelStdin(); history?.close(); });
  const write = (stream: LogStream, chunk: Buffer): boolean => {
    if ((stream === 'stdout' && !wantStdout) || (stream === 'stderr' && !wantStderr) || socket.destroyed) return true;
    return socket.write(point.tty ? chunk : encodeFrame(streamCode(stream), chunk));
  };

  const startStreaming = (): void => {
    if (finished) return;
    if (!wantStream) { finish(); return; }
    removeSink = point.hub.addSink({ write, onDrain: (cb) => socket.once('drain', cb), end: finish });
    if (wantStdin && point.openStdin) {
      const scanner = new DetachScanner(keys);
      cancelStdin = point.hub.whenStdin(() => {
        socket.on('data', (chunk: Buffer) => {
          const { data, detach } = scanner.push(chunk);
          point.hub.writeStdin(data);
          if (detach) { point.emit('detach'); finish(); }
        });
        socket.on('end', () => {
          if (point.closeStdinOnEof) point.hub.closeStdin();
          else finish();
        });
      });
    }
  };

  if (!history) { startStreaming(); return; }
  void (async () => {
    for await (const batch of history) {
      for (const e of batch) write(e.stream, e.log);
    }
    startStreaming();
  })().catch(() => finish());
}

export function containerStreamRoutes(containers: ContainerService): RouteRegistrar {
  return (app: FastifyInstance) => {
    app.get('/containers/:id/logs', (request, reply) => logsRoute(containers, request, reply));
    app.post('/containers/:id/wait', (request, reply) => waitRoute(containers, request, reply));
    app.post('/containers/:id/attach', async (request, reply) => { attachRoute(containers, request, reply); });
  };
}
