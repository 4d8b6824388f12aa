// The CLI's stdout. Text is written straight to fd 1: creating process.stdout loads node:tty and
// node:net on a terminal (~7 ms) or node:stream on a file, which most commands never need. The
// real stream is created only when asked for (pipes, terminal sessions, window size); once it
// exists everything goes through it, so output keeps its order.
import { writeSync } from 'node:fs';
import { quietBinding } from './pipe-bindings.js';

export interface CliOutput {
  write(chunk: string | Uint8Array): boolean;
  /** Whether fd 1 is a terminal. */
  readonly isTTY: boolean;
  /** The terminal's width, when it is one. */
  readonly columns: number | undefined;
  /** The real stream, for piping into and for terminal sessions. */
  readonly stream: NodeJS.WriteStream;
}

let ttyWrap: { isTTY(fd: number): boolean } | null | undefined;

/** isatty(fd) without loading node:tty (which loads node:net). */
function isatty(fd: number): boolean | undefined {
  if (ttyWrap === undefined) {
    const b = quietBinding('tty_wrap');
    ttyWrap = typeof b?.isTTY === 'function' ? (b as unknown as { isTTY(fd: number): boolean }) : null;
  }
  return ttyWrap ? ttyWrap.isTTY(fd) : undefined;
}

export class FdOutput implements CliOutput {
  private real?: NodeJS.WriteStream;
  /** The reader went away (EPIPE): the rest of the output has nowhere to go. */
  private closed = false;

  constructor(private readonly fd: number, private readonly open: () => NodeJS.WriteStream) {}

  get stream(): NodeJS.WriteStream {
    return (this.real ??= this.open());
  }

  get isTTY(): boolean {
    return this.real ? this.real.isTTY === true : isatty(this.fd) ?? this.stream.isTTY === true;
  }

  get columns(): number | undefined {
    return this.isTTY ? this.stream.columns : undefined;
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.real) return this.real.write(chunk);
    if (this.closed) return false;
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    while (bytes.length > 0) {
      try {
        bytes = bytes.subarray(writeSync(this.fd, bytes));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // A non-blocking fd that is full: the stream waits for it instead of spinning here.
        if (code === 'EAGAIN') return this.stream.write(bytes);
        if (code === 'EPIPE') {
          this.closed = true;
          return false;
        }
        throw err;
      }
    }
    return true;
  }
}
