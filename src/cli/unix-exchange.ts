// One request/answer exchange on a unix socket through libuv's pipe handle, the one node:net wraps.
// Loading node:net and its streams is not in Node's start-up snapshot and costs ~12 ms of a
// ~60 ms `wharf ps`; the handle itself costs ~1 ms. process.binding('pipe_wrap'/'stream_wrap') is
// public, though deprecated in the docs (DEP0111): when it is missing or would warn
// (--pending-deprecation), pipeBindings() says so and the caller uses node:net.
import { getSystemErrorName } from 'node:util';

interface StreamHandle {
  onread: (buffer: ArrayBuffer | undefined) => void;
  readStart(): number;
  readStop(): number;
  writeBuffer(req: WriteReq, data: Uint8Array): number;
  close(cb?: () => void): void;
}
interface PipeHandle extends StreamHandle {
  connect(req: ConnectReq, path: string): number;
}
interface ConnectReq {
  oncomplete: (status: number) => void;
  address?: string;
}
interface WriteReq {
  handle: StreamHandle;
  oncomplete: (status: number) => void;
  async: boolean;
  buffer?: Uint8Array;
}
export interface PipeBindings {
  newPipe(): PipeHandle;
  newConnect(): ConnectReq;
  newWrite(): WriteReq;
  state: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  kLastWriteWasAsync: number;
}

let loaded: PipeBindings | null | undefined;

function pendingDeprecation(): boolean {
  return process.execArgv.includes('--pending-deprecation') || process.env.NODE_PENDING_DEPRECATION === '1' ||
    /--pending-deprecation\b/.test(process.env.NODE_OPTIONS ?? '');
}

/** libuv's pipe and stream bindings, or null where they are not offered quietly (then use node:net). */
export function pipeBindings(): PipeBindings | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (pendingDeprecation()) return null;
  try {
    const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding;
    const pipe = binding('pipe_wrap') as { Pipe: new (type: number) => PipeHandle; PipeConnectWrap: new () => ConnectReq; constants: { SOCKET: number } };
    const stream = binding('stream_wrap') as {
      WriteWrap: new () => WriteReq; streamBaseState: Int32Array; kReadBytesOrError: number; kArrayBufferOffset: number; kLastWriteWasAsync: number;
    };
    const { Pipe, PipeConnectWrap, constants } = pipe;
    const { WriteWrap, streamBaseState, kReadBytesOrError, kArrayBufferOffset, kLastWriteWasAsync } = stream;
    if (typeof Pipe !== 'function' || typeof PipeConnectWrap !== 'function' || typeof WriteWrap !== 'function' || !(streamBaseState instanceof Int32Array) ||
      typeof constants?.SOCKET !== 'number' || ![kReadBytesOrError, kArrayBufferOffset, kLastWriteWasAsync].every((k) => typeof k === 'number')) return null;
    loaded = {
      newPipe: () => new Pipe(constants.SOCKET), newConnect: () => new PipeConnectWrap(), newWrite: () => new WriteWrap(),
      state: streamBaseState, kReadBytesOrError, kArrayBufferOffset, kLastWriteWasAsync,
    };
  } catch {
    loaded = null;
  }
  return loaded;
}

/** An errno-style error as node:net gives (code ENOENT, ECONNREFUSED, ...). */
function uvError(syscall: string, status: number, path: string): NodeJS.ErrnoException {
  let code: string;
  try {
    code = getSystemErrorName(status);
  } catch {
    code = `E${-status}`;
  }
  const err: NodeJS.ErrnoException = new Error(`${syscall} ${code} ${path}`);
  Object.assign(err, { errno: status, code, syscall, address: path });
  return err;
}

const UV_EOF = -4095;

/**
 * Connects to the unix socket `path`, writes `request`, and resolves with every byte the peer sends
 * until it closes the connection (the request must ask for that: "Connection: close").
 */
export function unixExchange(b: PipeBindings, path: string, request: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pipe = b.newPipe();
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (err: Error | null): void => {
      if (done) return;
      done = true;
      pipe.readStop();
      pipe.close();
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    pipe.onread = (buffer) => {
      const n = b.state[b.kReadBytesOrError]!;
      if (n > 0 && buffer) {
        // The buffer is ours: libuv allocated it for this read.
        chunks.push(Buffer.from(buffer, b.state[b.kArrayBufferOffset]!, n));
      } else if (n === UV_EOF) {
        finish(null);
      } else if (n < 0) {
        finish(uvError('read', n, path));
      }
    };
    const connect = b.newConnect();
    connect.address = path;
    connect.oncomplete = (status) => {
      if (status < 0) return finish(uvError('connect', status, path));
      const write = b.newWrite();
      write.handle = pipe;
      write.async = false;
      // As node:net does: the bytes stay referenced until libuv has written them all (oncomplete
      // is called only when it could not write them at once).
      write.buffer = request;
      write.oncomplete = (st) => {
        if (st < 0) finish(uvError('write', st, path));
      };
      const err = pipe.writeBuffer(write, request);
      if (err < 0) return finish(uvError('write', err, path));
      const readErr = pipe.readStart();
      if (readErr < 0) finish(uvError('read', readErr, path));
    };
    const err = pipe.connect(connect, path);
    if (err < 0) finish(uvError('connect', err, path));
  });
}
