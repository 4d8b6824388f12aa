// Starts a real wharfd process (dist/src/daemon/main.js) on a temporary socket and data root,
// for integration tests that drive it with the docker CLI or SDKs.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WHARFD_NODE_ENV, WHARFD_NODE_FLAGS } from '../../src/daemon/node-flags.js';

/** The compiled daemon entry point (this file lives in dist/test/helpers/). */
export const WHARFD_MAIN = fileURLToPath(new URL('../../src/daemon/main.js', import.meta.url));

export interface WharfdOptions {
  /** Extra command-line flags. */
  args?: string[];
  /** Written to <dir>/daemon.json and passed with --config-file. */
  daemonJson?: Record<string, unknown>;
  /** Use this directory instead of a fresh temp dir (it is then not removed by stop()). */
  dir?: string;
  /** Pass -H/--data-root/--exec-root (default true); false leaves them to args/daemon.json. */
  defaultPaths?: boolean;
  /** Socket to listen on and to ping (default <dir>/wharf.sock); with defaultPaths false, only pinged. */
  socket?: string;
  /** Milliseconds to wait for /_ping (default 20 s). */
  timeoutMs?: number;
}

export interface Wharfd {
  pid: number;
  dir: string;
  socket: string;
  dataRoot: string;
  execRoot: string;
  /** Environment for docker CLIs / SDKs: DOCKER_HOST plus a private DOCKER_CONFIG. */
  env: NodeJS.ProcessEnv;
  /** Milliseconds from spawn to the first successful /_ping. */
  startupMs: number;
  /** Everything the daemon wrote to stderr so far. */
  logs(): string;
  /** Resident memory of the daemon process in KiB (includes node's shared binary pages). */
  rssKb(): number;
  /** RSS, proportional set size and private (anonymous, dirty) memory in KiB. */
  memory(): { rssKb: number; pssKb: number; privateKb: number };
  /** SIGTERM (SIGKILL after 10 s), wait for exit, remove the temp dir if we made it. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Memory of a process from /proc/<pid>/smaps_rollup, in KiB. */
export function processMemory(pid: number): { rssKb: number; pssKb: number; privateKb: number } {
  const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { rssKb: field('Rss'), pssKb: field('Pss'), privateKb: field('Private_Dirty') + field('Private_Clean') };
}

export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-d-'));
}

function spawnDaemon(dir: string, opts: WharfdOptions): { child: ChildProcess; socket: string; dataRoot: string; execRoot: string; out: { text: string } } {
  const socket = opts.socket ?? path.join(dir, 'wharf.sock');
  const dataRoot = path.join(dir, 'root');
  const execRoot = path.join(dir, 'exec');
  const configFile = path.join(dir, 'daemon.json');
  fs.writeFileSync(configFile, JSON.stringify(opts.daemonJson ?? {}));
  const args = [...WHARFD_NODE_FLAGS, WHARFD_MAIN, '--config-file', configFile];
  if (opts.defaultPaths !== false) args.push('-H', `unix://${socket}`, '--data-root', dataRoot, '--exec-root', execRoot);
  if (opts.defaultPaths !== false) args.push(...uniqueBridgeArgs(dir, opts));
  args.push(...(opts.args ?? []));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...WHARFD_NODE_ENV } });
  const out = { text: '' };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out.text += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { out.text += d; });
  return { child, socket, dataRoot, execRoot, out };
}

/**
 * A default bridge of its own per test daemon directory (device and /24 subnet derived from the
 * directory, so a restarted daemon gets the same), so daemons running in parallel never share
 * a bridge, unless the test chose them itself.
 */
function uniqueBridgeArgs(dir: string, opts: WharfdOptions): string[] {
  const given = (opts.args ?? []).some((a) => /^(-b|--bridge|--bip)(=|$)/.test(a)) || ['bridge', 'bip'].some((k) => k in (opts.daemonJson ?? {}));
  if (given) return [];
  const h = createHash('sha256').update(dir).digest();
  return ['--bridge', `wht${h.toString('hex', 0, 4)}`, '--bip', `10.${200 + (h[4]! % 50)}.${h[5]}.1/24`];
}

/** Runs wharfd expecting it to exit (a refused start): its exit code and output. */
export async function runWharfdToExit(opts: WharfdOptions = {}, timeoutMs = 20_000): Promise<{ code: number | null; output: string }> {
  const own = opts.dir === undefined;
  const dir = opts.dir ?? makeTempDir();
  const d = spawnDaemon(dir, opts);
  const timer = setTimeout(() => d.child.kill('SIGKILL'), timeoutMs);
  try {
    const { code } = await exited(d.child);
    return { code, output: d.out.text };
  } finally {
    clearTimeout(timer);
    if (own) fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function startWharfd(opts: WharfdOptions = {}): Promise<Wharfd> {
  const own = opts.dir === undefined;
  const dir = opts.dir ?? makeTempDir();
  const t0 = performance.now();
  const d = spawnDaemon(dir, opts);
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let ready = false;
  while (!ready && Date.now() < deadline && d.child.exitCode === null && d.child.signalCode === null) {
    ready = await ping(d.socket);
    if (!ready) await new Promise((r) => setTimeout(r, 10));
  }
  const startupMs = performance.now() - t0;
  let stopped: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  const stop = (signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> => {
    stopped ??= (async () => {
      if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill(signal);
      const timer = setTimeout(() => d.child.kill('SIGKILL'), 10_000);
      const result = await exited(d.child);
      clearTimeout(timer);
      if (own) fs.rmSync(dir, { recursive: true, force: true });
      return result;
    })();
    return stopped;
  };
  if (!ready) {
    await stop('SIGKILL');
    throw new Error(`wharfd did not become ready (exit ${d.child.exitCode ?? d.child.signalCode}):\n${d.out.text}`);
  }
  const dockerConfig = path.join(dir, 'docker-config');
  fs.mkdirSync(dockerConfig, { recursive: true });
  return {
    pid: d.child.pid!,
    dir,
    socket: d.socket,
    dataRoot: d.dataRoot,
    execRoot: d.execRoot,
    env: { ...process.env, DOCKER_HOST: `unix://${d.socket}`, DOCKER_CONFIG: dockerConfig, DOCKER_CLI_HINTS: 'false' },
    startupMs,
    logs: () => d.out.text,
    rssKb: () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${d.child.pid}/status`, 'utf8'))?.[1] ?? 0),
    memory: () => processMemory(d.child.pid!),
    stop,
  };
}
