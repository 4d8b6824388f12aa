// Connection hijacking for attach and exec start: the HTTP exchange ends with a status line and
// the socket becomes a raw bidirectional stream, as Docker does.
//   With "Upgrade: tcp":  HTTP/1.1 101 UPGRADED, Connection: Upgrade, Upgrade: tcp
//   Without:              HTTP/1.1 200 OK, then the stream until the server closes it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { versionAtLeast } from './version.js';

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';

export interface HijackOptions {
  /**
   * True when the payload uses stdcopy framing (no TTY). Docker advertises the multiplexed
   * content type only from API 1.42; older clients get raw-stream but still framed data.
   */
  multiplexed: boolean;
}

/**
 * Ends fastify's handling of this request, writes the hijack status line and headers, and
 * returns the socket for the caller to read stdin from and write output to. The caller owns the
 * socket: it must end or destroy it. Call only after the request body has been read.
 */
export function hijack(request: FastifyRequest, reply: FastifyReply, opts: HijackOptions): Socket {
  const upgrade = request.headers.upgrade !== undefined;
  const contentType = opts.multiplexed && versionAtLeast(request.apiVersion, '1.42') ? MULTIPLEXED_STREAM : RAW_STREAM;
  reply.hijack();
  const socket = request.raw.socket;
  detachHttpParser(socket);

  let head = upgrade
    ? `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n`
    : `HTTP/1.1 200 OK\r\nContent-Type: ${contentType}\r\n`;
  for (const [name, value] of Object.entries(reply.raw.getHeaders())) {
    if (value === undefined || /^(content-type|connection|upgrade|content-length|transfer-encoding)$/i.test(name)) continue;
    for (const v of Array.isArray(value) ? value : [String(value)]) head += `${name}: ${v}\r\n`;
  }
  socket.setNoDelay(true);
  socket.setTimeout(0);
  socket.write(head + '\r\n');

  const tracked = request.server.hijackedSockets;
  tracked.add(socket);
  socket.once('close', () => tracked.delete(socket));
  return socket;
}

/**
 * Takes the socket away from Node's HTTP server, the way Node itself does for 'upgrade'
 * requests: its parser must not read what the client sends next (raw stdin), and its end/timeout
 * handling must not close the connection when the client half-closes after stdin EOF.
 */
function detachHttpParser(socket: Socket): void {
  for (const ev of ['data', 'end', 'timeout', 'drain', 'error'] as const) socket.removeAllListeners(ev);
  socket.on('error', () => { /* the owner adds its own handling; never crash the daemon */ });
  // While the HTTP parser is attached, adding a 'data' listener makes Node's socket wrapper stop
  // the parser from consuming the socket directly ("unconsume"); then we let go of the listener.
  const probe = (): void => {};
  socket.on('data', probe);
  socket.removeListener('data', probe);
  // Back to paused-without-intent, so bytes wait in the buffer until the owner reads or pipes.
  (socket as unknown as { readableFlowing: boolean | null }).readableFlowing = null;
}
