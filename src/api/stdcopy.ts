// Docker's multiplexed stream framing (attach/logs/exec without a TTY): each frame is an
// 8-byte header [stream type, 0, 0, 0, u32 big-endian payload size] followed by the payload.
import { Transform, type TransformCallback } from 'node:stream';

export enum StdStream {
  Stdin = 0,
  Stdout = 1,
  Stderr = 2,
  /** Daemon-side error written into the stream (Docker's Systemerr). */
  Systemerr = 3,
}

export const HEADER_SIZE = 8;
const MAX_FRAME = 0xffffffff;

export function frameHeader(stream: StdStream, size: number): Buffer {
  const h = Buffer.alloc(HEADER_SIZE);
  h[0] = stream;
  h.writeUInt32BE(size, 4);
  return h;
}

/** One frame holding `payload` (which must fit in a u32 size). */
export function encodeFrame(stream: StdStream, payload: Uint8Array | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (data.length > MAX_FRAME) throw new RangeError(`frame payload of ${data.length} bytes exceeds the 4 GiB limit`);
  return Buffer.concat([frameHeader(stream, data.length), data]);
}

export interface Frame {
  stream: StdStream;
  data: Buffer;
}

/** Incremental decoder: feed arbitrary chunks, get back every complete frame. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Frame[] {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const frames: Frame[] = [];
    let off = 0;
    while (this.buf.length - off >= HEADER_SIZE) {
      const stream = this.buf[off];
      if (stream > StdStream.Systemerr || this.buf[off + 1] !== 0 || this.buf[off + 2] !== 0 || this.buf[off + 3] !== 0) {
        throw new Error(`invalid stream frame header at byte ${off}: unknown stream type ${stream}`);
      }
      const size = this.buf.readUInt32BE(off + 4);
      if (this.buf.length - off - HEADER_SIZE < size) break;
      frames.push({ stream, data: this.buf.subarray(off + HEADER_SIZE, off + HEADER_SIZE + size) });
      off += HEADER_SIZE + size;
    }
    this.buf = this.buf.subarray(off);
    return frames;
  }

  /** Bytes of an incomplete frame still waiting for more input. */
  get pending(): number {
    return this.buf.length;
  }
}

/** Decodes a whole multiplexed buffer; throws if it ends inside a frame. */
export function demultiplex(data: Uint8Array): Frame[] {
  const d = new FrameDecoder();
  const frames = d.push(data);
  if (d.pending !== 0) throw new Error(`truncated stream: ${d.pending} bytes of an incomplete frame`);
  return frames;
}

/** A Transform that wraps every chunk written to it into a frame of `stream`. */
export class FrameEncoder extends Transform {
  constructor(private readonly stream: StdStream) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (chunk.length === 0) { cb(); return; }
    this.push(frameHeader(this.stream, chunk.length));
    cb(null, chunk);
  }
}
