// Docker's JSON progress messages (pkg/jsonmessage) as /images/create and /images/{name}/push
// stream them: {"status":"Downloading","progressDetail":{"current":N,"total":T},"progress":"[=> ]","id":"a1b2c3d4e5f6"}.

export interface ProgressMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  aux?: Record<string, unknown>;
  error?: string;
  errorDetail?: { message: string };
}

export type ProgressSink = (m: ProgressMessage) => void;

/** Docker's units.HumanSize: 3 significant digits, decimal units. */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${Number(n.toPrecision(3))}${units[i]}`;
}

/** The text bar Docker puts in "progress": [=====>       ]  1.2MB/3.4MB. */
export function progressBar(current: number, total: number): string {
  if (total <= 0) return humanSize(current);
  const width = 50;
  const bars = Math.min(width, Math.floor((current / total) * width));
  const head = bars < width ? '>' : '';
  return `[${'='.repeat(bars)}${head}${' '.repeat(Math.max(0, width - bars - head.length))}] ${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

/** Docker's short layer ID in progress lines: the first 12 hex digits of the digest. */
export const shortId = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);

/** Sends status lines for one layer, rate-limiting byte counters to ~10 updates a second. */
export class LayerProgress {
  private last = 0;
  constructor(private readonly sink: ProgressSink, readonly id: string) {}

  status(status: string): void {
    this.sink({ status, progressDetail: {}, id: this.id });
  }

  bytes(status: string, current: number, total: number, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    this.sink({ status, progressDetail: { current, total }, progress: progressBar(current, total), id: this.id });
  }
}
