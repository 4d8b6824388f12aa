// A long-lived `wharf-exec spawner` that forks monitors for us. Spawning the executor from Node
// forks the whole Node process (page tables of tens of MB) and blocks the event loop until the
// exec: 3-10 ms per container start. Forking the ~100 kB spawner costs microseconds, and Node
// only writes a request and accepts a connection. The monitor it forks connects back to our unix
// socket; that connection is its control channel (the protocol of fd 3, unchanged).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { Duplex, Readable, Writable } from 'node:stream';
import { executorPath } from './path.js';

/** What the monitor's fds 0-2 become: one of our fds (reopened through /proc) or /dev/null. */
export type SpawnerStdio = number | 'ignore';

/** The monitor process as spawnExecutor drives it, however it was started. */
export interface MonitorProcess {
  ctl: Duplex;
  monitorPid: number;
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  onError(cb: (e: Error) => void): void;
  /** Lets Node exit while the monitor runs on. */
  unref(): void;
}

/** The stdio slots in the form the spawner takes, or undefined when it cannot provide them. */
export function spawnerStdio(std: readonly (string | number)[]): [SpawnerStdio, SpawnerStdio, SpawnerStdio] | undefined {
  return std.length === 3 && std.every((s) => typeof s === 'number' || s === 'ignore') ? std as [SpawnerStdio, SpawnerStdio, SpawnerStdio] : undefined;
}

export async function monitorFromSpawner(spawner: ExecutorSpawner, stdio: [SpawnerStdio, SpawnerStdio, SpawnerStdio], detached: boolean): Promise<MonitorProcess> {
  const m = await spawner.spawn(stdio, { detached });
  return { ctl: m.ctl, monitorPid: m.monitorPid, stdin: null, stdout: null, stderr: null, onError: () => {}, unref: () => {} };
}

/**
 * Asks the spawner for a monitor now, so it is forked while the caller still prepares the
 * container and compiles the plan (spawnExecutor's `monitor` option). Undefined when these stdio
 * slots need a spawn from Node. One that never gets a plan exits once released (discardMonitor).
 */
export function requestMonitor(spawner: ExecutorSpawner, stdio: string | number | readonly (string | number)[], detached: boolean): Promise<MonitorProcess> | undefined {
  const slots = spawnerStdio(Array.isArray(stdio) ? stdio : [stdio, stdio, stdio] as (string | number)[]);
  if (!slots) return undefined;
  const m = monitorFromSpawner(spawner, slots, detached);
  m.catch(() => {}); // reported by spawnExecutor, or irrelevant once released
  return m;
}

/** Lets a requested monitor go without a plan: it reads EOF on its control channel and exits. */
export function discardMonitor(m: Promise<MonitorProcess> | undefined): void {
  void m?.then((p) => p.ctl.destroy(), () => {});
}

export interface SpawnedMonitor {
  ctl: net.Socket;
  monitorPid: number;
}

const HELLO_TIMEOUT_MS = 10_000;
const SETSID = 1;

interface Pending {
  resolve(m: SpawnedMonitor): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32LE(b.length);
  return Buffer.concat([head, b, Buffer.alloc(1)]);
}

function u32s(values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32LE(v >>> 0, 4 * i));
  return b;
}

export class ExecutorSpawner {
  private proc?: ChildProcess;
  private requests?: Duplex;
  private server?: net.Server;
  private listening?: Promise<void>;
  private readonly pending = new Map<string, Pending>();

  /** @param socketPath where monitors connect back (in a root-only directory). */
  constructor(readonly socketPath: string) {}

  /** Forks a monitor whose stdio are `stdio`; resolves with its control connection. */
  async spawn(stdio: [SpawnerStdio, SpawnerStdio, SpawnerStdio], opts: { detached?: boolean } = {}): Promise<SpawnedMonitor> {
    await this.ensure();
    const token = randomBytes(12).toString('hex');
    const io = stdio.flatMap((s) => (s === 'ignore' ? [0, 0, 0] : [1, process.pid, s]));
    const body = Buffer.concat([str(token), str(this.socketPath), u32s([opts.detached ? SETSID : 0, ...io])]);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.length);
    return new Promise<SpawnedMonitor>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error('executor spawner: the monitor did not connect back in time'));
      }, HELLO_TIMEOUT_MS);
      this.pending.set(token, { resolve, reject, timer });
      this.requests!.write(Buffer.concat([head, body]));
    });
  }

  /** Stops the spawner (running monitors are not affected) and the socket. */
  close(): void {
    this.requests?.destroy();
    this.proc?.kill('SIGTERM');
    this.server?.close();
    this.proc = this.requests = this.server = this.listening = undefined;
    try { fs.unlinkSync(this.socketPath); } catch { /* not there */ }
  }

  private ensure(): Promise<void> {
    if (!this.listening) this.listening = this.listen();
    if (!this.proc) this.startProcess();
    return this.listening;
  }

  private listen(): Promise<void> {
    try { fs.unlinkSync(this.socketPath); } catch { /* not there */ }
    const server = net.createServer((socket) => this.onConnection(socket));
    this.server = server;
    server.unref();
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socketPath, () => { server.off('error', reject); resolve(); });
    });
  }

  private startProcess(): void {
    const proc = spawn(executorPath(), ['spawner'], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
    const requests = proc.stdio[3] as net.Socket;
    this.proc = proc;
    this.requests = requests;
    let text = '';
    requests.setEncoding('utf8');
    requests.on('data', (chunk: string) => {
      text += chunk;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
        this.onFailure(text.slice(0, nl));
        text = text.slice(nl + 1);
      }
    });
    requests.on('error', () => {});
    const gone = (why: string) => {
      if (this.proc !== proc) return;
      this.proc = this.requests = undefined;
      this.failAll(new Error(`executor spawner ${why}`));
    };
    proc.on('exit', (code, signal) => gone(`exited (${signal ?? code})`));
    proc.on('error', (e) => gone(`failed: ${e.message}`));
    proc.unref();
    requests.unref();
  }

  /** "failed <token> <errno> <what>": the forked child could not become a monitor. */
  private onFailure(line: string): void {
    const [kind, token, errno, what] = line.split(' ');
    const p = token ? this.pending.get(token) : undefined;
    if (kind !== 'failed' || !p) return;
    this.pending.delete(token!);
    clearTimeout(p.timer);
    const code = Number(errno);
    p.reject(Object.assign(new Error(`executor spawner: ${what}: errno ${code}`), { errno: code }));
  }

  private onConnection(socket: net.Socket): void {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(10);
      if (nl < 0) {
        if (head.length > 256) socket.destroy();
        return;
      }
      socket.off('data', onData);
      socket.pause();
      const [word, token, pid] = head.subarray(0, nl).toString('utf8').split(' ');
      const p = token ? this.pending.get(token) : undefined;
      if (word !== 'hello' || !p) return void socket.destroy();
      this.pending.delete(token!);
      clearTimeout(p.timer);
      if (nl + 1 < head.length) socket.unshift(head.subarray(nl + 1));
      p.resolve({ ctl: socket, monitorPid: Number(pid) });
    };
    socket.on('data', onData);
    socket.on('error', () => {});
  }

  private failAll(e: Error): void {
    for (const [token, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(e);
      this.pending.delete(token);
    }
  }
}
