// Running the wharf CLI (compiled, dist/src/cli/main.js) against a test daemon, like a user would.
import { runProgram, type RunResult } from '../docker-cli/helpers.js';
import { fileURLToPath } from 'node:url';

/** The compiled CLI entry point (this file lives in dist/test/integration/cli/). */
export const WHARF_MAIN = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

export interface WharfRunOptions {
  input?: string;
  timeoutMs?: number;
  /** Run this file instead of the compiled main (e.g. the bundle). */
  entry?: string;
  extraEnv?: NodeJS.ProcessEnv;
}

/**
 * Runs `wharf args...` with the daemon's DOCKER_HOST and autostart disabled. `node -- script`:
 * Node 20 otherwise reads a `--env-file` meant for the CLI as its own option (as the bin does).
 */
export function runWharf(env: NodeJS.ProcessEnv, args: string[], opts: WharfRunOptions = {}): Promise<RunResult> {
  return runProgram(process.execPath, ['--', opts.entry ?? WHARF_MAIN, ...args], { ...env, WHARF_NO_AUTOSTART: '1', ...opts.extraEnv }, opts);
}

/** wharf ... expecting exit 0; returns trimmed stdout. */
export async function wharfOk(env: NodeJS.ProcessEnv, args: string[], opts?: WharfRunOptions): Promise<string> {
  const r = await runWharf(env, args, opts);
  if (r.code !== 0) throw new Error(`wharf ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
}

export const rand = (): string => Math.random().toString(36).slice(2, 8);
