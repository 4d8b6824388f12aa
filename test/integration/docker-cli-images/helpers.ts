// Helpers for driving a test wharfd with the real docker CLIs: run a command, get its output and
// exit code, and a rootfs tar for `docker import` taken from the busybox fixture.
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { FIXTURES } from '../../helpers/fixtures.js';
import type { Wharfd } from '../../helpers/wharfd.js';

const run = promisify(execFile);

export const OLD_CLI = '/usr/bin/docker';
export const NEW_CLI = '/usr/local/bin/docker';
export const CLIS = [OLD_CLI, NEW_CLI].filter((p) => fs.existsSync(p));
export const fixture = (name: string): string => path.join(FIXTURES, name);

export interface Result {
  stdout: string;
  stderr: string;
  code: number;
}

export async function docker(d: Wharfd, cli: string, args: string[], opts: { input?: string } = {}): Promise<Result> {
  try {
    const r = opts.input !== undefined
      ? await run('bash', ['-c', `${cli} ${args.map(shellQuote).join(' ')} < ${shellQuote(opts.input)}`], { env: d.env, timeout: 30_000, maxBuffer: 64 << 20 })
      : await run(cli, args, { env: d.env, timeout: 30_000, maxBuffer: 64 << 20 });
    return { stdout: r.stdout, stderr: r.stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : -1 };
  }
}

/** Runs and expects success; returns trimmed stdout. */
export async function ok(d: Wharfd, cli: string, args: string[], opts: { input?: string } = {}): Promise<string> {
  const r = await docker(d, cli, args, opts);
  if (r.code !== 0) throw new Error(`${cli} ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The busybox fixture's only layer: a plain root filesystem tar, written into `dir`. */
export function busyboxRootfsTar(dir: string): string {
  const archive = fixture('busybox-docker-save.tar');
  const layer = execFileSync('tar', ['-tf', archive], { encoding: 'utf8' }).split('\n').find((n) => n.endsWith('/layer.tar'));
  if (!layer) throw new Error(`${archive} has no layer.tar`);
  const out = path.join(dir, 'rootfs.tar');
  fs.writeFileSync(out, execFileSync('tar', ['-xOf', archive, layer], { maxBuffer: 64 << 20 }));
  return out;
}
