// Docker's detach keys ("ctrl-p,ctrl-q" by default), shared by the daemon's attach streams and the
// CLI's terminal (term.ToBytes and term.EscapeProxy): parsing, and a scanner that holds back a
// partial match and reports a full one. A leaf module: it imports nothing.

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

const CTRL_SPECIAL: Record<string, number> = { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, '_': 31 };

/** "ctrl-p,ctrl-q" -> [16, 17]; single characters stand for themselves. */
export function parseDetachKeys(keys: string): number[] {
  const out: number[] = [];
  for (const key of keys.split(',')) {
    if (key.length === 1) { out.push(key.charCodeAt(0)); continue; }
    const k = key.toLowerCase();
    const c = k.slice(5);
    if (k.length === 6 && k.startsWith('ctrl-') && c >= 'a' && c <= 'z') out.push(c.charCodeAt(0) - 96);
    else if (k.length === 6 && k.startsWith('ctrl-') && c in CTRL_SPECIAL) out.push(CTRL_SPECIAL[c]!);
    else throw new Error(`Invalid detach keys (${keys}) provided: unknown character '${key}'`);
  }
  return out;
}

export class DetachScanner {
  private matched = 0;

  constructor(private readonly keys: number[]) {}

  /** The bytes to send now, and whether the sequence completed. */
  push(chunk: Buffer): { data: Buffer; detach: boolean } {
    if (this.keys.length === 0) return { data: chunk, detach: false };
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.matched]) {
        if (++this.matched === this.keys.length) return { data: Buffer.from(out), detach: true };
        continue;
      }
      for (let i = 0; i < this.matched; i++) out.push(this.keys[i]!);
      this.matched = 0;
      if (b === this.keys[0]) { this.matched = 1; continue; }
      out.push(b);
    }
    return { data: Buffer.from(out), detach: false };
  }
}
