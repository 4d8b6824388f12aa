// Docker's build progress messages ({"stream": ...}, {"aux": ...}, {"errorDetail": ...}) as
// the legacy builder writes them; the API route turns them into JSON lines.

export interface BuildMessage {
  stream?: string;
  aux?: unknown;
  error?: string;
  errorDetail?: { code?: number; message: string };
}

export interface Progress {
  /** Step output ("Step 1/3 : FROM busybox\n", RUN output...). */
  stream(text: string): void;
  aux(value: unknown): void;
}

/** A Progress that hands every message to `send`; with `quiet`, step output is held back. */
export class MessageProgress implements Progress {
  private held: string[] = [];
  constructor(private readonly send: (m: BuildMessage) => void, private readonly quiet = false) {}
  stream(text: string): void {
    if (this.quiet) this.held.push(text);
    else this.send({ stream: text });
  }
  aux(value: unknown): void { this.send({ aux: value }); }
  /** Quiet builds show their output only when they fail. */
  releaseHeld(): void {
    for (const t of this.held) this.send({ stream: t });
    this.held = [];
  }
}

/** Docker's error message of a failed build (`code` is the failed command's exit code). */
export function errorMessage(message: string, code?: number): BuildMessage {
  return { errorDetail: { ...(code ? { code } : {}), message }, error: message };
}
