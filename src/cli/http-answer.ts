// Reading the daemon's HTTP/1.1 answers by hand (plain-request.ts, pipe-stream.ts): the head, and
// chunked bodies.

/** Splits an answer head (status line and headers, without the blank line). Header names in lower case; repeats joined with ", ". */
export function parseHead(text: string): { status: number; headers: Record<string, string> } {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!);
  if (!m) throw new Error(`malformed HTTP response from the daemon: ${JSON.stringify(lines[0]!.slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { status: Number(m[1]), headers };
}

/**
 * Decodes a chunked body (RFC 9112 7.1; chunk extensions and trailers dropped). `partial`: null
 * while the last chunk has not arrived yet, instead of an error.
 */
export function dechunk(data: Buffer, partial = false): Buffer | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) {
      if (partial) return null;
      throw new Error('malformed chunked response from the daemon');
    }
    const size = parseInt(data.toString('latin1', at, eol).split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size) || size < 0) throw new Error('malformed chunked response from the daemon');
    if (size === 0) break;
    const start = eol + 2;
    if (start + size > data.length) {
      if (partial) return null;
      throw new Error('truncated chunked response from the daemon');
    }
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
  return Buffer.concat(parts);
}

export interface AnswerHead {
  status: number;
  headers: Record<string, string>;
  /** The bytes after the head. */
  rest: Buffer;
}

/** The answer's head in `data`, past any 1xx answer but 101 (100 Continue); null while it is incomplete. */
export function splitHead(data: Buffer): AnswerHead | null {
  for (;;) {
    const end = data.indexOf('\r\n\r\n');
    if (end < 0) return null;
    const head = parseHead(data.toString('latin1', 0, end));
    data = data.subarray(end + 4);
    if (head.status < 100 || head.status >= 200 || head.status === 101) return { ...head, rest: data };
  }
}

/**
 * The body in `data` (what followed the head) once it is complete: Content-Length bytes, a chunked
 * body to its last chunk, or everything when the connection ended (`atEnd`); null while more is to
 * come. `bodyless`: an answer to HEAD, which has none (nor have 204 and 304).
 */
export function answerBody(data: Buffer, head: { status: number; headers: Record<string, string> }, bodyless: boolean, atEnd: boolean): Buffer | null {
  if (bodyless || head.status === 204 || head.status === 304) return Buffer.alloc(0);
  if (/\bchunked\b/i.test(head.headers['transfer-encoding'] ?? '')) return dechunk(data, !atEnd);
  const length = head.headers['content-length'];
  if (length !== undefined && data.length >= Number(length)) return data.subarray(0, Number(length));
  return atEnd ? data : null;
}
