// The daemon side of one run's stdio: output from the fifos goes to the log driver and to the
// container's StreamHub (attached clients); the hub's stdin goes to the stdin fifo.
import type { Socket } from 'node:net';
import type { LogEntry, LogStream } from '../logs/entry.js';
import { nowNano } from '../events.js';
import type { DaemonEnds } from './fifos.js';
import type { StreamHub } from './stream-hub.js';

/** Docker cuts log messages at 16 KiB (longer lines become several partial messages). */
const MAX_LINE = 16 * 1024;

export interface LogSink {
  write(entries: LogEntry[]): void;
  close(): void;
}

export class ContainerIO {
  private readonly partial: Record<LogStream, Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  private open = 0;
  private resolveDone!: () => void;
  /** Resolves when every output stream reached EOF (the container and its children closed them). */
  readonly done: Promise<void>;

  /** `ends` null: the fifos are gone (container picked up after a crash without them). */
  constructor(private readonly ends: DaemonEnds | null, private readonly log: LogSink | null, private readonly hub: StreamHub) {
    this.done = new Promise((r) => { this.resolveDone = r; });
    if (!ends) { this.onAllEnded(); return; }
    const stdin = ends.stdin;
    if (stdin) hub.setStdin({ write: (d) => { stdin.write(d); }, end: () => { stdin.end(); } });
    this.pipe(ends.stdout, 'stdout');
    if (ends.stderr) this.pipe(ends.stderr, 'stderr');
  }

  /** Drops the daemon's ends (exit handled, daemon shutdown); the container keeps its own. */
  destroy(): void {
    for (const s of [this.ends?.stdout, this.ends?.stderr, this.ends?.stdin]) s?.destroy();
  }

  private pipe(socket: Socket, stream: LogStream): void {
    this.open++;
    socket.on('data', (chunk: Buffer) => this.onData(stream, chunk));
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      this.flushPartial(stream);
      if (--this.open === 0) this.onAllEnded();
    };
    socket.on('end', finish);
    socket.on('close', finish);
  }

  private onData(stream: LogStream, chunk: Buffer): void {
    if (!this.hub.write(stream, chunk)) {
      // An attached client cannot keep up: stop reading until it drains (the pipe fills,
      // then the container waits, as with Docker).
      this.setPaused(true);
      this.hub.whenDrained(() => this.setPaused(false));
    }
    if (this.log) this.log.write(this.splitLines(stream, chunk));
  }

  private setPaused(paused: boolean): void {
    for (const s of [this.ends?.stdout, this.ends?.stderr]) {
      if (!s || s.destroyed) continue;
      if (paused) s.pause(); else s.resume();
    }
  }

  private splitLines(stream: LogStream, chunk: Buffer): LogEntry[] {
    const entries: LogEntry[] = [];
    const timeNano = nowNano();
    let buf = this.partial[stream].length ? Buffer.concat([this.partial[stream], chunk]) : chunk;
    for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a)) {
      entries.push({ stream, log: Buffer.from(buf.subarray(0, nl + 1)), timeNano });
      buf = buf.subarray(nl + 1);
    }
    while (buf.length >= MAX_LINE) {
      entries.push({ stream, log: Buffer.from(buf.subarray(0, MAX_LINE)), timeNano });
      buf = buf.subarray(MAX_LINE);
    }
    this.partial[stream] = Buffer.from(buf);
    return entries;
  }

  private flushPartial(stream: LogStream): void {
    const rest = this.partial[stream];
    if (rest.length && this.log) this.log.write([{ stream, log: rest, timeNano: nowNano() }]);
    this.partial[stream] = Buffer.alloc(0);
  }

  private onAllEnded(): void {
    this.log?.close();
    this.ends?.stdin?.destroy();
    this.hub.setStdin(null);
    this.hub.endOutput();
    this.resolveDone();
  }
}
