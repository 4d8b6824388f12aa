// A connection on a unix socket over libuv's pipe handle (see pipe-bindings.ts for why not
// node:net): the few socket calls the CLI makes (data/end/error/close events, write, end, destroy),
// and one HTTP request whose answer head is parsed before the rest is handed over (JSON calls,
// waits that answer at exit, and hijacked attach/exec connections).
import { EventEmitter } from 'node:events';
import { answerBody, splitHead } from './http-answer.js';
import { uvError, type PipeBindings, type PipeHandle } from './pipe-bindings.js';

const UV_EOF = -4095;

/** What the attach/exec session needs of a connection; node:net's Socket has it too. */
export interface DuplexConnection {
  readonly destroyed: boolean;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'end' | 'close', listener: () => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  write(data: Uint8Array): boolean;
  end(): void;
  destroy(): void;
}

export class PipeStream extends EventEmitter implements DuplexConnection {
  destroyed = false;
  private writing = 0;
  private ending = false;
  /** What came while nobody listened for 'data' (null: the end), as a paused socket keeps it. */
  private readonly queued: Array<Buffer | null> = [];

  private constructor(private readonly b: PipeBindings, private readonly pipe: PipeHandle, private readonly path: string) {
    super();
    pipe.onread = (buffer) => {
      const n = b.state[b.kReadBytesOrError]!;
      // The buffer is ours: libuv allocated it for this read.
      if (n > 0 && buffer) this.deliver(Buffer.from(buffer, b.state[b.kArrayBufferOffset]!, n));
      else if (n === UV_EOF) {
        pipe.readStop();
        this.deliver(null);
      } else if (n < 0) this.fail(uvError('read', n, path));
    };
    // Handed over between owners (the head's reader, then the session): the next owner's
    // listener gets what came meanwhile, once it is added.
    this.on('newListener', (event: string) => {
      if (event === 'data' && this.queued.length > 0) queueMicrotask(() => this.flushQueued());
    });
  }

  private deliver(item: Buffer | null): void {
    if (this.queued.length > 0 || this.listenerCount('data') === 0) this.queued.push(item);
    else if (item) this.emit('data', item);
    else this.emit('end');
  }

  private flushQueued(): void {
    while (this.queued.length > 0 && this.listenerCount('data') > 0) {
      const item = this.queued.shift()!;
      if (item) this.emit('data', item);
      else this.emit('end');
    }
  }

  /** Connects; reading starts at once (listeners attached before the next I/O turn miss nothing). */
  static connect(b: PipeBindings, path: string): Promise<PipeStream> {
    return new Promise((resolve, reject) => {
      const pipe = b.newPipe();
      const req = b.newConnect();
      req.address = path;
      req.oncomplete = (status) => {
        if (status < 0) {
          pipe.close();
          return reject(uvError('connect', status, path));
        }
        const s = new PipeStream(b, pipe, path);
        const err = pipe.readStart();
        if (err < 0) {
          pipe.close();
          return reject(uvError('read', err, path));
        }
        resolve(s);
      };
      const err = pipe.connect(req, path);
      if (err < 0) {
        pipe.close();
        reject(uvError('connect', err, path));
      }
    });
  }

  private fail(err: Error): void {
    if (this.destroyed) return;
    this.emit('error', err);
    this.destroy();
  }

  write(data: Uint8Array): boolean {
    if (this.destroyed || this.ending) return false;
    const req = this.b.newWrite();
    req.handle = this.pipe;
    req.async = false;
    // As node:net does: the bytes stay referenced until libuv has written them all.
    req.buffer = data;
    this.writing++;
    req.oncomplete = (status) => {
      this.writing--;
      if (status < 0) this.fail(uvError('write', status, this.path));
      else this.maybeShutdown();
    };
    const err = this.pipe.writeBuffer(req, data);
    if (err < 0) {
      this.writing--;
      this.fail(uvError('write', err, this.path));
      return false;
    }
    // Written at once: oncomplete is not called.
    if (!this.b.state[this.b.kLastWriteWasAsync]) this.writing--;
    return true;
  }

  /** Half-closes: no more writes; the peer sees EOF once what was written has gone. */
  end(): void {
    if (this.destroyed || this.ending) return;
    this.ending = true;
    this.maybeShutdown();
  }

  private maybeShutdown(): void {
    if (!this.ending || this.writing > 0 || this.destroyed) return;
    const req = this.b.newShutdown();
    req.handle = this.pipe;
    req.oncomplete = () => {};
    this.pipe.shutdown(req);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pipe.readStop();
    this.pipe.close(() => this.emit('close'));
  }
}

export interface PipeAnswer {
  status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Bytes after the head that came with it. */
  head: Buffer;
  stream: PipeStream;
}

/** Sends `request` on a new connection and resolves once the answer's head (see splitHead) is in. */
export async function pipeRequest(b: PipeBindings, path: string, request: Uint8Array): Promise<PipeAnswer> {
  const stream = await PipeStream.connect(b, path);
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const stop = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      let head;
      try {
        head = splitHead(buf);
      } catch (err) {
        stop();
        stream.destroy();
        return reject(err);
      }
      if (!head) return;
      stop();
      resolve({ status: head.status, headers: head.headers, head: head.rest, stream });
    };
    const onEnd = (): void => {
      stop();
      stream.destroy();
      reject(new Error('incomplete HTTP response from the daemon'));
    };
    const onError = (err: Error): void => {
      stop();
      reject(err);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.write(request);
  });
}

/** The rest of an answer's body (see answerBody); the connection is closed once it is in. */
export function readBody(a: PipeAnswer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let data = a.head;
    let settled = false;
    const settle = (result: Buffer | Error): void => {
      if (settled) return;
      settled = true;
      a.stream.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const check = (atEnd: boolean): void => {
      try {
        const body = answerBody(data, a, false, atEnd);
        if (body) settle(body);
      } catch (err) {
        settle(err as Error);
      }
    };
    a.stream.on('data', (c: Buffer) => {
      data = data.length ? Buffer.concat([data, c]) : c;
      check(false);
    });
    a.stream.on('end', () => check(true));
    a.stream.on('error', (err) => settle(err));
    check(false);
  });
}

/**
 * Connects to the unix socket `path`, writes `request`, and resolves with every byte the peer sends
 * until it closes the connection (the request must ask for that: "Connection: close").
 */
export async function unixExchange(b: PipeBindings, path: string, request: Uint8Array): Promise<Buffer> {
  const stream = await PipeStream.connect(b, path);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      stream.destroy();
      resolve(Buffer.concat(chunks));
    });
    stream.on('error', reject);
    stream.write(request);
  });
}
