// One hijacked attach/exec connection wired to the local terminal: output copied (raw with a TTY,
// demultiplexed without), stdin forwarded (detach keys watched with a TTY), half-close on EOF.
import { DetachScanner, parseDetachKeys, DEFAULT_DETACH_KEYS } from '../../common/detach-keys.js';
import { splitTo, StdDemuxer, type ByteSink } from './stdcopy.js';
import type { DuplexConnection } from '../pipe-stream.js';

export interface SessionOptions {
  tty: boolean;
  /** Forward this stream (only with -i). */
  stdin?: NodeJS.ReadStream;
  detachKeys?: string;
  stdout: ByteSink;
  stderr: ByteSink;
}

export interface Session {
  /** Resolves when the output ended (detached: the user typed the detach keys). */
  done: Promise<{ detached: boolean }>;
  /** Starts forwarding stdin (run/start call it once the container started: input sent earlier may be dropped). */
  openStdin(): void;
  close(): void;
}

export function startSession(conn: { socket: DuplexConnection; head: Buffer }, o: SessionOptions): Session {
  const { socket } = conn;
  const demux = o.tty ? null : new StdDemuxer(splitTo(o.stdout, o.stderr));
  const write = (chunk: Buffer): void => {
    if (demux) demux.push(chunk);
    else o.stdout.write(chunk);
  };
  let finish: (r: { detached: boolean }) => void = () => {};
  const done = new Promise<{ detached: boolean }>((resolve) => { finish = resolve; });
  let stopInput = (): void => {};
  const end = (detached: boolean): void => {
    stopInput();
    finish({ detached });
  };

  if (conn.head.length) write(conn.head);
  socket.on('data', write);
  socket.on('end', () => end(false));
  socket.on('close', () => end(false));
  socket.on('error', () => end(false));

  let opened = false;
  const openStdin = (): void => {
    if (opened || !o.stdin) return;
    opened = true;
    const stdin = o.stdin;
    const scanner = o.tty ? new DetachScanner(parseDetachKeys(o.detachKeys || DEFAULT_DETACH_KEYS)) : null;
    const onData = (chunk: Buffer): void => {
      const { data, detach } = scanner ? scanner.push(chunk) : { data: chunk, detach: false };
      if (data.length && !socket.destroyed) socket.write(data);
      if (detach) {
        socket.destroy();
        end(true);
      }
    };
    const onEnd = (): void => { if (!socket.destroyed) socket.end(); };
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.resume();
    stopInput = () => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
    };
  };
  return { done, openStdin, close: () => socket.destroy() };
}
