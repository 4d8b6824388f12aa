// Docker's jsonmessage: renders the JSON progress streams of pull/push/load/import/build. On a
// terminal each layer id keeps its own line, rewritten in place with a bar; otherwise progress
// updates are dropped and only status lines printed. {"stream"} text is written as is, aux
// messages go to a callback, {"error"} ends the rendering with that message.
import { humanSize } from './units.js';

export interface JsonProgress { current?: number; total?: number; start?: number; units?: string; hidecounts?: boolean }

export interface JsonMessage {
  stream?: string;
  status?: string;
  progress?: string;
  progressDetail?: JsonProgress;
  id?: string;
  from?: string;
  time?: number;
  timeNano?: number;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: unknown;
}

export class JsonMessageError extends Error {
  constructor(message: string, readonly code?: number) {
    super(message);
  }
}

export interface DisplayOptions {
  isTerminal: boolean;
  /** Terminal columns (the bar needs > 110); 200 when not a terminal, as docker. */
  columns?: number;
  onAux?: (m: JsonMessage) => void;
  now?: () => number;
}

/** JSONProgress.String(): "[=====>    ]  1.2MB/3.4MB 2s" (bar only on wide terminals). */
export function progressString(p: JsonProgress, columns: number, nowMs = Date.now()): string {
  const current = p.current ?? 0;
  const total = p.total ?? 0;
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return p.units ? `${current} ${p.units}` : humanSize(current).padStart(8);
  let percentage = Math.trunc(Math.trunc((current / total) * 100) / 2);
  if (percentage > 50) percentage = 50;
  let bar = '';
  if (columns > 110) bar = `[${'='.repeat(percentage)}>${' '.repeat(Math.max(0, 50 - percentage))}] `;
  let numbers = '';
  if (!p.hidecounts) {
    if (!p.units) numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
    else numbers = current > total ? `${current} ${p.units}` : `${current}/${total} ${p.units}`;
  }
  let left = '';
  if (current > 0 && (p.start ?? 0) > 0 && percentage < 50 && columns > 50) {
    const fromStartMs = nowMs - p.start! * 1000;
    const secs = Math.trunc(((total - current) * (fromStartMs / current)) / 1000);
    left = ` ${goDuration(secs)}`;
  }
  return bar + numbers + left;
}

/** Go's time.Duration.String() for whole seconds ("1m5s", "0s"). */
function goDuration(secs: number): string {
  if (secs <= 0) return '0s';
  const h = Math.trunc(secs / 3600);
  const m = Math.trunc((secs % 3600) / 60);
  const s = secs % 60;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

/**
 * Splits a byte stream into the JSON values it carries (newline-separated or not); `prepare` may
 * rewrite each value's text first (e.g. to keep 19-digit integers exact as strings).
 */
export async function* jsonValues(input: AsyncIterable<Buffer | string>, prepare?: (text: string) => string): AsyncGenerator<unknown> {
  let buf = '';
  for await (const chunk of input) {
    buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let depth = 0;
    let inStr = false;
    let start = -1;
    let consumed = 0;
    for (let i = 0; i < buf.length; i++) {
      const c = buf[i];
      if (inStr) {
        if (c === '\\') i++;
        else if (c === '"') inStr = false;
        continue;
      }
      if (c === '"') inStr = true;
      else if (c === '{' || c === '[') { if (depth++ === 0) start = i; }
      else if (c === '}' || c === ']') {
        if (--depth === 0) {
          const text = buf.slice(start, i + 1);
          yield JSON.parse(prepare ? prepare(text) : text);
          consumed = i + 1;
        }
      }
    }
    buf = buf.slice(consumed);
  }
  if (buf.trim()) throw new Error(`unexpected end of JSON input: ${buf.trim().slice(0, 80)}`);
}

const clearLine = '\x1b[2K';
const up = (n: number): string => `\x1b[${n}A`;
const down = (n: number): string => `\x1b[${n}B`;

function display(m: JsonMessage, out: (s: string) => void, o: DisplayOptions, columns: number): void {
  if (m.errorDetail || m.error) {
    const code = m.errorDetail?.code;
    if (code === 401) throw new JsonMessageError('authentication is required', 401);
    throw new JsonMessageError(m.errorDetail?.message ?? m.error ?? '', code);
  }
  let endl = '';
  const bar = m.progressDetail ? progressString(m.progressDetail, columns, o.now?.()) : '';
  if (o.isTerminal && !m.stream && m.progressDetail) {
    endl = '\r';
    out(`${clearLine}\r`);
  } else if (m.progressDetail && bar !== '') {
    return; // no progress bars off a terminal
  }
  if (m.id) out(`${m.id}: `);
  if (m.from) out(`(from ${m.from}) `);
  if (m.progressDetail && o.isTerminal) out(`${m.status ?? ''} ${bar}${endl}`);
  else if (m.progress) out(`${m.status ?? ''} ${m.progress}${endl}`);
  else if (m.stream) out(`${m.stream}${endl}`);
  else out(`${m.status ?? ''}${endl}\n`);
}

/** DisplayJSONMessagesStream: renders every message; throws JsonMessageError on {"error"}. */
export async function displayJsonMessages(input: AsyncIterable<Buffer | string>, write: (s: string) => void, o: DisplayOptions): Promise<void> {
  const columns = o.isTerminal ? o.columns ?? 80 : 200;
  let ids = new Map<string, number>();
  for await (const value of jsonValues(input)) {
    const m = value as JsonMessage;
    if (m.aux !== undefined) {
      o.onAux?.(m);
      continue;
    }
    let diff = 0;
    if (m.id && (m.progressDetail || m.progress)) {
      let line = ids.get(m.id);
      if (line === undefined) {
        line = ids.size;
        ids.set(m.id, line);
        if (o.isTerminal) write('\n');
      }
      diff = ids.size - line;
      if (o.isTerminal) write(up(diff));
    } else {
      // A line without an id ends the in-place block (e.g. the next tag of pull -a).
      ids = new Map();
    }
    try {
      display(m, write, o, columns);
    } finally {
      if (m.id && o.isTerminal && diff > 0) write(down(diff));
    }
  }
}
