// Reading a container's logs as a stream of batches: history from the files (tail, since,
// until), then, when following, messages as they are written until the run ends.
import { EngineError } from '../errors.js';
import type { LogEntry } from './entry.js';
import { openGenerations, type JsonFileWriter } from './json-file.js';
import { closeFiles, readEntries, type LogFile } from './reader.js';

export interface LogsRequest {
  follow: boolean;
  /** ns */
  since?: bigint;
  /** ns */
  until?: bigint;
  tail?: number;
  stdout: boolean;
  stderr: boolean;
}

export interface LogSource {
  /** json-file path, or null when the driver keeps no logs ("none"). */
  path: string | null;
  maxFiles: number;
  /** The live writer when the container runs. */
  writer: JsonFileWriter | null;
}

export interface LogStreamHandle extends AsyncIterable<LogEntry[]> {
  /** Stops following and releases the files (client went away). */
  close(): void;
}

/** 501 like Docker for drivers that cannot be read. */
export class LogsNotSupportedError extends EngineError {
  constructor() { super('configured logging driver does not support reading', 501); }
}

export function openLogs(src: LogSource, req: LogsRequest): LogStreamHandle {
  if (!src.path) throw new LogsNotSupportedError();
  const live: LogEntry[][] = [];
  let ended = false;
  let closed = false;
  let wake: (() => void) | null = null;
  const notify = (): void => { const w = wake; wake = null; w?.(); };
  let files: LogFile[];
  let unsubscribe = (): void => {};
  if (req.follow && src.writer && !src.writer.isClosed) {
    const snap = src.writer.snapshot((e) => { live.push([e]); notify(); }, () => { ended = true; notify(); });
    files = snap.files;
    unsubscribe = snap.unsubscribe;
  } else {
    files = openGenerations(src.path, src.maxFiles);
    ended = true;
  }
  let untilTimer: NodeJS.Timeout | undefined;
  if (req.follow && req.until !== undefined) {
    const ms = Number(req.until / 1_000_000n) - Date.now();
    untilTimer = setTimeout(() => { ended = true; notify(); }, Math.max(0, ms) + 1);
    untilTimer.unref();
  }
  const wanted = (e: LogEntry): boolean =>
    ((e.stream === 'stdout' && req.stdout) || (e.stream === 'stderr' && req.stderr)) &&
    (req.since === undefined || e.timeNano >= req.since) && (req.until === undefined || e.timeNano <= req.until);
  const close = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    closeFiles(files);
    if (untilTimer) clearTimeout(untilTimer);
    notify();
  };

  async function* iterate(): AsyncGenerator<LogEntry[]> {
    try {
      const history = readEntries(files, { since: req.since, until: req.until, tail: req.tail });
      for (;;) {
        const r = await history.next();
        if (closed) return;
        if (r.done) { if (r.value) return; break; }
        const batch = r.value.filter(wanted);
        if (batch.length) yield batch;
      }
      closeFiles(files);
      files = [];
      if (!req.follow) return;
      while (!closed) {
        while (live.length) {
          const batch = live.splice(0).flat().filter(wanted);
          if (batch.length) yield batch;
          if (closed) return;
        }
        if (ended) return;
        await new Promise<void>((r) => { wake = r; });
      }
    } finally {
      close();
    }
  }
  const it = iterate();
  return { [Symbol.asyncIterator]: () => it, close };
}
