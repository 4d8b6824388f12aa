// Reading json-file logs: the last N lines (read backwards), then forward with since/until.
import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { promisify } from 'node:util';
import { parseJsonLine, type LogEntry } from './entry.js';

const read = promisify(fs.read);
const CHUNK = 64 * 1024;

export interface LogFile { fd: number; size: number }

export interface ReadOptions {
  /** ns; entries before are skipped. */
  since?: bigint;
  /** ns; reading stops at the first entry after it. */
  until?: bigint;
  /** Last N lines only; undefined or negative = all. */
  tail?: number;
}

interface Position { file: number; offset: number }

/** Where the last `n` lines start (scanning backwards from the end of the newest file). */
export async function tailStart(files: LogFile[], n: number): Promise<Position> {
  if (n === 0) return { file: files.length, offset: 0 };
  let seen = 0;
  for (let f = files.length - 1; f >= 0; f--) {
    const { fd, size } = files[f]!;
    let end = size;
    // A complete file ends with '\n'; that newline terminates its last line, it does not start one.
    let skipFinal = true;
    while (end > 0) {
      const start = Math.max(0, end - CHUNK);
      const buf = Buffer.alloc(end - start);
      await read(fd, buf, 0, buf.length, start);
      for (let i = buf.length - 1; i >= 0; i--) {
        if (buf[i] !== 0x0a) continue;
        if (skipFinal && start + i === size - 1) continue;
        if (++seen === n) return { file: f, offset: start + i + 1 };
      }
      skipFinal = false;
      end = start;
    }
    if (size > 0) seen++; // the file's first line has no newline before it
    if (seen >= n) return { file: f, offset: 0 };
  }
  return { file: 0, offset: 0 };
}

/**
 * Yields batches of entries from `files` in order, honouring tail, since and until. Returns
 * true when it stopped because an entry was after `until`.
 */
export async function* readEntries(files: LogFile[], opts: ReadOptions): AsyncGenerator<LogEntry[], boolean> {
  const from = opts.tail !== undefined && opts.tail >= 0 ? await tailStart(files, opts.tail) : { file: 0, offset: 0 };
  for (let f = from.file; f < files.length; f++) {
    const { fd, size } = files[f]!;
    let pos = f === from.file ? from.offset : 0;
    let rest = '';
    const decoder = new StringDecoder('utf8'); // a chunk may end inside a multi-byte character
    while (pos < size) {
      const buf = Buffer.alloc(Math.min(CHUNK, size - pos));
      const { bytesRead } = await read(fd, buf, 0, buf.length, pos);
      if (bytesRead <= 0) break;
      pos += bytesRead;
      const text = rest + decoder.write(buf.subarray(0, bytesRead));
      const lines = text.split('\n');
      rest = lines.pop()!;
      const batch: LogEntry[] = [];
      for (const line of lines) {
        const e = line ? parseJsonLine(line) : null;
        if (!e) continue;
        if (opts.since !== undefined && e.timeNano < opts.since) continue;
        if (opts.until !== undefined && e.timeNano > opts.until) {
          if (batch.length) yield batch;
          return true;
        }
        batch.push(e);
      }
      if (batch.length) yield batch;
    }
  }
  return false;
}

export function closeFiles(files: LogFile[]): void {
  for (const f of files) {
    try { fs.closeSync(f.fd); } catch { /* already closed */ }
  }
}
