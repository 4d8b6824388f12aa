// The json-file log driver's writer: one JSON line per message in <id>-json.log, rotated to
// .1 .. .N-1 by size. Writes are synchronous appends of one batch per output chunk (page cache
// writes take microseconds), which keeps readers simple: at any instant the files hold every
// message written so far, and followers get later messages pushed to them.
import * as fs from 'node:fs';
import { entryToJsonLine, type LogEntry } from './entry.js';
import type { JsonFileOptions } from './options.js';

export type LogListener = (entry: LogEntry) => void;

export interface LogSnapshot {
  /** Open fds of the log files, oldest first, each with the byte count to read. Caller closes. */
  files: { fd: number; size: number }[];
  /** Later messages; call unsubscribe when done. `onEnd` fires when the writer closes. */
  unsubscribe(): void;
}

/** Paths of a log file's rotated generations, oldest first, then the file itself. */
export function logGenerations(file: string, maxFiles: number): string[] {
  const out: string[] = [];
  for (let i = maxFiles - 1; i >= 1; i--) out.push(`${file}.${i}`);
  out.push(file);
  return out;
}

export class JsonFileWriter {
  private fd: number;
  private size: number;
  private closed = false;
  private readonly listeners = new Set<{ onEntry: LogListener; onEnd: () => void }>();

  constructor(readonly file: string, readonly opts: JsonFileOptions) {
    this.fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o640);
    this.size = fs.fstatSync(this.fd).size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Appends messages (one batch); rotates first when the file is full, like Docker. */
  write(entries: LogEntry[]): void {
    if (this.closed || entries.length === 0) return;
    let batch = '';
    let batchBytes = 0;
    for (const e of entries) {
      const line = entryToJsonLine(e);
      if (this.opts.maxSize > 0 && this.size + batchBytes >= this.opts.maxSize && this.size + batchBytes > 0) {
        this.append(batch);
        batch = '';
        batchBytes = 0;
        this.rotate();
      }
      batch += line;
      batchBytes += Buffer.byteLength(line);
    }
    this.append(batch);
    for (const l of this.listeners) for (const e of entries) l.onEntry(e);
  }

  /**
   * Opens the current files (so rotation cannot move data away mid-read) and registers for
   * everything written afterwards. Nothing is lost or seen twice between the two.
   */
  snapshot(onEntry: LogListener, onEnd: () => void): LogSnapshot {
    const files = openGenerations(this.file, this.opts.maxFiles);
    const l = { onEntry, onEnd };
    if (this.closed) queueMicrotask(onEnd);
    else this.listeners.add(l);
    return { files, unsubscribe: () => { this.listeners.delete(l); } };
  }

  /** Stops writing (container exited); followers are told the stream ended. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
    for (const l of [...this.listeners]) l.onEnd();
    this.listeners.clear();
  }

  private append(text: string): void {
    if (text === '') return;
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off);
    this.size += buf.length;
  }

  private rotate(): void {
    fs.closeSync(this.fd);
    const max = this.opts.maxFiles;
    if (max > 1) {
      fs.rmSync(`${this.file}.${max - 1}`, { force: true });
      for (let i = max - 2; i >= 1; i--) {
        try { fs.renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`); } catch { /* generation not there yet */ }
      }
      fs.renameSync(this.file, `${this.file}.1`);
      this.fd = fs.openSync(this.file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o640);
    } else {
      this.fd = fs.openSync(this.file, fs.constants.O_WRONLY | fs.constants.O_TRUNC | fs.constants.O_CREAT, 0o640);
    }
    this.size = 0;
  }
}

/** Opens every existing generation, oldest first (for readers without a live writer too). */
export function openGenerations(file: string, maxFiles: number): { fd: number; size: number }[] {
  const out: { fd: number; size: number }[] = [];
  for (const p of logGenerations(file, Math.max(maxFiles, 1))) {
    try {
      const fd = fs.openSync(p, 'r');
      out.push({ fd, size: fs.fstatSync(fd).size });
    } catch { /* absent generation */ }
  }
  return out;
}
