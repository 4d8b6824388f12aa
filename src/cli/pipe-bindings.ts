// libuv's pipe handle, the one node:net wraps, for the CLI's connections to a unix socket
// (pipe-stream.ts). Loading node:net and its streams is not in Node's start-up snapshot and costs
// ~12 ms of a ~60 ms `wharf ps`; the handle itself costs ~1 ms. process.binding('pipe_wrap'/'stream_wrap') is
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
export interface PipeHandle extends StreamHandle {
  connect(req: ConnectReq, path: string): number;
  shutdown(req: ShutdownReq): number;
}
interface ConnectReq {
  oncomplete: (status: number) => void;
  address?: string;
}
interface ShutdownReq {
  handle: StreamHandle;
  oncomplete: (status: number) => void;
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
  newShutdown(): ShutdownReq;
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

/** process.binding(name), or null where it is missing or would print a deprecation warning. */
export function quietBinding(name: string): Record<string, unknown> | null {
  if (pendingDeprecation()) return null;
  try {
    return (process as unknown as { binding(name: string): Record<string, unknown> }).binding(name);
  } catch {
    return null;
  }
}

/** libuv's pipe and stream bindings, or null where they are not offered quietly (then use node:net). */
export function pipeBindings(): PipeBindings | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  try {
    const pipe = quietBinding('pipe_wrap') as { Pipe: new (type: number) => PipeHandle; PipeConnectWrap: new () => ConnectReq; constants: { SOCKET: number } };
    const stream = quietBinding('stream_wrap') as {
      WriteWrap: new () => WriteReq; ShutdownWrap: new () => ShutdownReq; streamBaseState: Int32Array; kReadBytesOrError: number; kArrayBufferOffset: number; kLastWriteWasAsync: number;
    } | null;
    if (!pipe || !stream) return null;
    const { Pipe, PipeConnectWrap, constants } = pipe;
    const { WriteWrap, ShutdownWrap, streamBaseState, kReadBytesOrError, kArrayBufferOffset, kLastWriteWasAsync } = stream;
    if (typeof Pipe !== 'function' || typeof PipeConnectWrap !== 'function' || typeof WriteWrap !== 'function' || typeof ShutdownWrap !== 'function' || !(streamBaseState instanceof Int32Array) ||
      typeof constants?.SOCKET !== 'number' || ![kReadBytesOrError, kArrayBufferOffset, kLastWriteWasAsync].every((k) => typeof k === 'number')) return null;
    loaded = {
      newPipe: () => new Pipe(constants.SOCKET), newConnect: () => new PipeConnectWrap(), newWrite: () => new WriteWrap(), newShutdown: () => new ShutdownWrap(),
      state: streamBaseState, kReadBytesOrError, kArrayBufferOffset, kLastWriteWasAsync,
    };
  } catch {
    loaded = null;
  }
  return loaded;
}

/** An errno-style error as node:net gives (code ENOENT, ECONNREFUSED, ...). */
export function uvError(syscall: string, status: number, path: string): NodeJS.ErrnoException {
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
