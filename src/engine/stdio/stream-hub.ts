// Per-container attach point that outlives single runs (Docker's StreamConfig): clients attach
// before start (docker run) or while running; each run's ContainerIO feeds it output and takes
// stdin from it. Output ends for all clients when a run's output ends.
import type { LogStream } from '../logs/entry.js';

/** An attached client's output side. write() false = back-pressure until onDrain fires. */
export interface OutputSink {
  write(stream: LogStream, chunk: Buffer): boolean;
  onDrain(cb: () => void): void;
  /** The container's output ended. */
  end(): void;
}

export interface StdinTarget {
  write(data: Buffer): void;
  end(): void;
}

export class StreamHub {
  private readonly sinks = new Set<OutputSink>();
  private readonly blocked = new Set<OutputSink>();
  private readonly stdinWaiters = new Set<() => void>();
  private stdin: StdinTarget | null = null;
  private drained: (() => void) | null = null;

  get attachedCount(): number {
    return this.sinks.size;
  }

  /** Adds an output client; returns the function that removes it. */
  addSink(sink: OutputSink): () => void {
    this.sinks.add(sink);
    return () => {
      this.sinks.delete(sink);
      if (this.blocked.delete(sink)) this.maybeDrained();
    };
  }

  /** Output of the current run. False when some client is full: pause until `whenDrained`. */
  write(stream: LogStream, chunk: Buffer): boolean {
    for (const sink of this.sinks) {
      if (!sink.write(stream, chunk) && !this.blocked.has(sink)) {
        this.blocked.add(sink);
        sink.onDrain(() => { if (this.blocked.delete(sink)) this.maybeDrained(); });
      }
    }
    return this.blocked.size === 0;
  }

  whenDrained(cb: () => void): void {
    this.drained = cb;
    this.maybeDrained();
  }

  /** The run's output ended: every attached client is done. */
  endOutput(): void {
    const sinks = [...this.sinks];
    this.sinks.clear();
    this.blocked.clear();
    this.maybeDrained();
    for (const s of sinks) s.end();
  }

  // ---- stdin ----

  setStdin(target: StdinTarget | null): void {
    this.stdin = target;
    if (!target) return;
    const waiters = [...this.stdinWaiters];
    this.stdinWaiters.clear();
    for (const w of waiters) w();
  }

  get hasStdin(): boolean {
    return this.stdin !== null;
  }

  /** Runs `cb` once a run with stdin is wired (now if it already is); returns a canceller. */
  whenStdin(cb: () => void): () => void {
    if (this.stdin) { cb(); return () => {}; }
    this.stdinWaiters.add(cb);
    return () => { this.stdinWaiters.delete(cb); };
  }

  writeStdin(data: Buffer): void {
    if (data.length) this.stdin?.write(data);
  }

  /** EOF on the container's stdin (StdinOnce). */
  closeStdin(): void {
    this.stdin?.end();
    this.stdin = null;
  }

  private maybeDrained(): void {
    if (this.blocked.size === 0 && this.drained) {
      const cb = this.drained;
      this.drained = null;
      cb();
    }
  }
}
