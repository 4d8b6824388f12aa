// Exec routes: create, start (hijacked stream: stdcopy frames without a TTY, stdin forwarded,
// detach keys with a TTY), resize and inspect.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { InvalidParameterError } from '../../engine/errors.js';
import type { ExecService, PreparedStart } from '../../engine/exec/service.js';
import { ExecLaunchError, type ExecCreateBody, type ExecRun, type ExecStartBody } from '../../engine/exec/types.js';
import { DEFAULT_DETACH_KEYS, DetachScanner, parseDetachKeys } from '../../engine/stdio/detach-keys.js';
import type { RouteRegistrar } from '../engine.js';
import { hijack } from '../hijack.js';
import { jsonBody, queryInt } from '../request.js';
import { encodeFrame, StdStream } from '../stdcopy.js';

type IdParams = { Params: { id: string } };

/** How long output may still trickle in after the process exited (background holders of the pipe). */
const DRAIN_AFTER_EXIT_MS = 2000;

function pump(src: Readable, socket: Socket, encode: (b: Buffer) => Buffer): Promise<void> {
  return new Promise((resolve) => {
    src.on('data', (chunk: Buffer) => {
      if (socket.destroyed) return;
      if (!socket.write(encode(chunk))) {
        src.pause();
        socket.once('drain', () => src.resume());
      }
    });
    src.once('end', resolve);
    src.once('close', resolve);
    src.once('error', () => resolve());
  });
}

function forwardStdin(socket: Socket, run: ExecRun, p: PreparedStart): void {
  const stdin = run.stdin;
  stdin?.on('error', () => {});
  if (!stdin || !p.settings.attachStdin) {
    // Nothing to forward, but keep reading so a client hang-up is noticed.
    socket.on('data', () => {});
    socket.resume();
    return;
  }
  const scanner = p.tty ? new DetachScanner(parseDetachKeys(p.detachKeys || DEFAULT_DETACH_KEYS)) : null;
  socket.on('data', (chunk: Buffer) => {
    const { data, detach } = scanner ? scanner.push(chunk) : { data: chunk, detach: false };
    if (data.length && stdin.writable) stdin.write(data);
    if (detach) socket.end();
  });
  // Without a TTY, the client's stdin EOF is the process's; a pty keeps its input open.
  socket.on('end', () => { if (!p.tty) stdin.end(); });
  socket.resume();
}

async function attachedStart(p: PreparedStart, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const socket = hijack(request, reply, { multiplexed: !p.tty });
  const frame = (s: StdStream) => (b: Buffer) => (p.tty ? b : encodeFrame(s, b));
  let run: ExecRun;
  try {
    run = await p.launch();
  } catch (err) {
    // Docker writes start failures into the stream; the exit code is in exec inspect.
    const msg = `${err instanceof ExecLaunchError ? err.message : (err as Error).message}\r\n`;
    if (!socket.destroyed) socket.end(frame(StdStream.Stdout)(Buffer.from(msg)));
    return;
  }
  forwardStdin(socket, run, p);
  socket.on('close', () => { run.stdin?.destroy(); });
  const outputs = [
    run.stdout ? pump(run.stdout, socket, frame(StdStream.Stdout)) : null,
    run.stderr ? pump(run.stderr, socket, frame(StdStream.Stderr)) : null,
  ].filter((x): x is Promise<void> => x !== null);
  await run.exited;
  await Promise.race([Promise.all(outputs), new Promise((r) => setTimeout(r, DRAIN_AFTER_EXIT_MS).unref())]);
  run.stdin?.destroy();
  if (!socket.destroyed) socket.end();
}

export function execRoutes(execs: ExecService): RouteRegistrar {
  return (app: FastifyInstance) => {
    app.post<IdParams>('/containers/:id/exec', async (request, reply) => {
      const body = jsonBody<ExecCreateBody>(request);
      return reply.code(201).send(execs.create(request.params.id, body));
    });

    app.post<IdParams>('/exec/:id/start', async (request, reply) => {
      const body = jsonBody<ExecStartBody>(request);
      const prepared = execs.prepareStart(request.params.id, body);
      if (body?.Detach) {
        try {
          await prepared.launch();
        } catch (err) {
          throw new InvalidParameterError((err as Error).message);
        }
        return reply.code(200).send();
      }
      await attachedStart(prepared, request, reply);
    });

    app.post<IdParams>('/exec/:id/resize', async (request, reply) => {
      const h = queryInt(request, 'h', 0) ?? 0;
      const w = queryInt(request, 'w', 0) ?? 0;
      if (h < 0 || w < 0 || h > 0xffff || w > 0xffff) throw new InvalidParameterError('resize: h and w must be between 0 and 65535');
      execs.resize(request.params.id, h, w);
      return reply.code(200).type('text/plain; charset=utf-8').send('');
    });

    app.get<IdParams>('/exec/:id/json', async (request) => execs.inspect(request.params.id));
  };
}
