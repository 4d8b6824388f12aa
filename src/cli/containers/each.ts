// Commands over several containers (stop, kill, rm, pause, ...): act on each in turn, print the
// name on success, collect the errors and end with exit code 1 if any, as Docker does.
import { ApiError } from '../client.js';
import { CliExit, type CliContext } from '../context.js';

export function errorText(err: unknown): string {
  return err instanceof ApiError ? `Error response from daemon: ${err.message}` : (err as Error).message;
}

export async function forEachContainer(ctx: CliContext, names: string[], act: (name: string) => Promise<unknown>, print = true): Promise<void> {
  const errors: string[] = [];
  for (const name of names) {
    try {
      await act(name);
      if (print) ctx.stdout.write(`${name}\n`);
    } catch (err) {
      errors.push(errorText(err));
    }
  }
  if (errors.length) throw new CliExit(1, errors.join('\n'));
}

export const enc = encodeURIComponent;
