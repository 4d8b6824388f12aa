// The local terminal during `run -it`, `attach` and `exec -it`: raw mode (restored however we
// leave), the window size and its changes (SIGWINCH) forwarded to the daemon.
import type { ApiClient } from '../client.js';
import type { CliOutput } from '../output.js';

/** Puts stdin in raw mode when it is a TTY; returns the function that restores it. */
export function makeRaw(stdin: NodeJS.ReadStream): () => void {
  if (!stdin.isTTY) return () => {};
  stdin.setRawMode(true);
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    try { stdin.setRawMode(false); } catch { /* stdin already closed */ }
  };
  process.once('exit', restore);
  return restore;
}

export function terminalSize(output: CliOutput): [number, number] | undefined {
  if (!output.isTTY) return undefined;
  const out = output.stream;
  if (!out.rows || !out.columns) return undefined;
  return [out.rows, out.columns];
}

/**
 * Sends the terminal size to `resizePath` (/containers/{id}/resize or /exec/{id}/resize) now and
 * on every SIGWINCH; returns the function that stops watching.
 */
export function forwardResize(api: ApiClient, resizePath: string, output: CliOutput): () => void {
  if (!output.isTTY) return () => {};
  const out = output.stream;
  const send = (): void => {
    const size = terminalSize(output);
    if (!size) return;
    api.post(resizePath, undefined, { h: size[0], w: size[1] }).catch(() => { /* gone already */ });
  };
  send();
  // Docker retries the first resize: a container that is only just starting may refuse it.
  const retry = setTimeout(send, 100);
  retry.unref();
  out.on('resize', send);
  return () => { clearTimeout(retry); out.off('resize', send); };
}
