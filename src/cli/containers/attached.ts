// The attached part of run / start -a / attach: hijack the attach stream, register the wait,
// start (when asked), forward the terminal size and signals, and return the exit code (or 0 when
// the user detached with the detach keys).
import { CliExit, type CliContext } from '../context.js';
import { startSession } from '../tty/session.js';
import { forwardResize, makeRaw } from '../tty/terminal.js';

export interface AttachSpec {
  id: string;
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  detachKeys?: string;
  /** Forward signals the CLI receives to the container (non-TTY only, as Docker). */
  sigProxy: boolean;
  /** wait condition: next-exit (run, start), removed (--rm), '' (attach). */
  condition: string;
}

const PROXIED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

function proxySignals(ctx: CliContext, id: string): () => void {
  const handlers = PROXIED.map((sig) => {
    const h = (): void => { ctx.api.post(`/containers/${id}/kill`, undefined, { signal: sig }).catch(() => {}); };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => { for (const [sig, h] of handlers) process.off(sig, h); };
}

/** "the input device is not a TTY" when -t with stdin attached but stdin is not a terminal. */
export function checkTty(ctx: CliContext, attachStdin: boolean, tty: boolean): void {
  if (attachStdin && tty && !ctx.stdin.isTTY) throw new CliExit(1, 'the input device is not a TTY');
}

export async function runAttached(ctx: CliContext, spec: AttachSpec, start?: () => Promise<void>): Promise<number> {
  const { api } = ctx;
  const conn = await api.hijack('POST', `/containers/${spec.id}/attach`, {
    query: { stream: true, stdin: spec.stdin, stdout: spec.stdout, stderr: spec.stderr, detachKeys: spec.detachKeys },
  });
  const waitReq = await api.late<{ StatusCode: number; Error?: { Message?: string } | null }>('POST', `/containers/${spec.id}/wait`, { query: { condition: spec.condition || undefined } });
  const waited = waitReq.body;
  waited.catch(() => {});
  const restore = spec.tty && spec.stdin ? makeRaw(ctx.stdin) : () => {};
  const session = startSession(conn, {
    tty: spec.tty, stdin: spec.stdin ? ctx.stdin : undefined, detachKeys: spec.detachKeys, stdout: ctx.stdout, stderr: ctx.stderr,
  });
  let stopResize = (): void => {};
  let stopSignals = (): void => {};
  try {
    if (start) await start();
    session.openStdin();
    stopResize = spec.tty ? forwardResize(api, `/containers/${spec.id}/resize`, ctx.stdout) : () => {};
    stopSignals = spec.sigProxy && !spec.tty ? proxySignals(ctx, spec.id) : () => {};
    const first = await Promise.race([session.done, waited.then(() => null, () => null)]);
    if (first?.detached) {
      waitReq.cancel();
      return 0;
    }
    const status = await waited;
    // The exit is known: give the output a moment to drain, then stop.
    await Promise.race([session.done, new Promise((r) => setTimeout(r, 2000).unref())]);
    if (status.Error?.Message) throw new CliExit(125, `wharf: ${status.Error.Message}`);
    return status.StatusCode;
  } finally {
    stopResize();
    stopSignals();
    restore();
    session.close();
    waitReq.cancel();
  }
}
