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
