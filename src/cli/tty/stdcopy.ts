// Docker's multiplexed stream (attach/logs/exec without a TTY): 8-byte headers [stream, 0, 0, 0,
// u32 size] before each payload. The CLI splits it back into stdout and stderr.

export type FrameSink = (stream: number, data: Buffer) => void;

/** Incremental demultiplexer: push arbitrary chunks, `sink` gets each complete frame. */
export class StdDemuxer {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly sink: FrameSink) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let off = 0;
    while (this.buf.length - off >= 8) {
      const size = this.buf.readUInt32BE(off + 4);
      if (this.buf.length - off - 8 < size) break;
      this.sink(this.buf[off]!, this.buf.subarray(off + 8, off + 8 + size));
      off += 8 + size;
    }
    this.buf = this.buf.subarray(off);
  }
}

/** Where output bytes go: a stream, or the CLI's stdout (output.ts). */
export interface ByteSink {
  write(data: Uint8Array): unknown;
}

/** A sink writing stdout frames to `out` and stderr (and daemon error) frames to `err`. */
export function splitTo(out: ByteSink, err: ByteSink): FrameSink {
  return (stream, data) => {
    if (stream === 1 || stream === 0) out.write(data);
    else err.write(data);
  };
}
