#!/usr/bin/env node
// wharf-runtime: an OCI runtime command line, with runc's verbs and flags, over the runtime library.
import { Command, Option } from 'commander';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Launched } from '../launch.js';
import { Runtime } from '../runtime.js';
import type { Process } from '../spec/types.js';
import { parseSignal } from './signals.js';

const program = new Command('wharf-runtime')
  .description('OCI runtime of wharf (runc-compatible command line)')
  .option('--root <dir>', 'directory for container state', '/run/wharf-runtime')
  .option('--log <file>', 'log file (errors are appended there too)')
  .option('--log-format <format>', 'text or json', 'text')
  .addOption(new Option('--systemd-cgroup', 'not supported; accepted for compatibility').hideHelp())
  .addOption(new Option('--debug').hideHelp())
  .enablePositionalOptions()
  .showHelpAfterError();

const runtime = () => new Runtime({ root: program.opts().root as string });

function fail(err: unknown): never {
  const msg = err instanceof Error ? err.message : String(err);
  const { log, logFormat } = program.opts() as { log?: string; logFormat?: string };
  if (log) {
    const line = logFormat === 'json'
      ? JSON.stringify({ level: 'error', msg, time: new Date().toISOString() })
      : `time="${new Date().toISOString()}" level=error msg="${msg}"`;
    try { appendFileSync(log, line + '\n'); } catch { /* log dir gone */ }
  }
  process.stderr.write(`wharf-runtime: ${msg}\n`);
  process.exit(1);
}

function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void) {
  return async (...args: A) => {
    try { await fn(...args); } catch (err) { fail(err); }
  };
}

program.command('create <id>').description('create a container (it waits for start)')
  .option('-b, --bundle <dir>', 'bundle directory', '.')
  .option('--pid-file <file>', 'write the init pid there')
  .option('--console-socket <path>', 'unix socket that receives the pty master')
  .option('--no-pivot', 'accepted for compatibility')
  .action(action(async (id: string, o: { bundle: string; pidFile?: string; consoleSocket?: string }) => {
    if (!o.consoleSocket && wantsTerminal(o.bundle)) {
      throw new Error('process.terminal is true: create needs --console-socket to hand over the pty master');
    }
    const c = await runtime().create(id, {
      bundle: o.bundle, consoleSocket: o.consoleSocket, startMode: 'fifo', io: { detached: true },
    });
    if (o.pidFile) writeFileSync(resolve(o.pidFile), String(c.pid));
    c.detach();
  }));

program.command('start <id>').description('start a created container')
  .action(action(async (id: string) => { await runtime().get(id).start(); }));

program.command('run <id>').description('create and start a container, then wait for it')
  .option('-b, --bundle <dir>', 'bundle directory', '.')
  .option('--pid-file <file>', 'write the init pid there')
  .option('--console-socket <path>', 'unix socket that receives the pty master')
  .option('-d, --detach', 'do not wait for the container')
  .action(action(async (id: string, o: { bundle: string; pidFile?: string; consoleSocket?: string; detach?: boolean }) => {
    const rt = runtime();
    const c = await rt.create(id, {
      bundle: o.bundle, consoleSocket: o.consoleSocket, startMode: 'message', io: { detached: o.detach === true },
    });
    if (o.pidFile) writeFileSync(resolve(o.pidFile), String(c.pid));
    forwardSignals(c.pid);
    const relayed = o.detach ? Promise.resolve() : relayTerminal(c.io);
    await c.start();
    if (o.detach) { c.detach(); return; }
    const exit = await c.wait();
    await relayed;
    await c.delete(true);
    process.exit(exit.code ?? 128 + signalNumber(exit.signal));
  }));

program.command('state <id>').description('print the state as JSON')
  .action(action((id: string) => { console.log(JSON.stringify(runtime().get(id).state(), null, 2)); }));

program.command('kill <id> [signal]').description('send a signal (default SIGTERM)')
  .option('-a, --all', 'signal every process of the container')
  .action(action((id: string, signal: string | undefined, o: { all?: boolean }) => {
    runtime().get(id).kill(parseSignal(signal ?? 'SIGTERM'), o.all === true);
  }));

program.command('delete <id>').description('delete a container')
  .option('-f, --force', 'kill it first if running')
  .action(action(async (id: string, o: { force?: boolean }) => {
    const rt = runtime();
    if (o.force && !rt.states.read(id)) return;
    await rt.get(id).delete(o.force === true);
  }));

program.command('pause <id>').description('freeze every process')
  .action(action((id: string) => runtime().get(id).pause()));
program.command('resume <id>').description('thaw a paused container')
  .action(action((id: string) => runtime().get(id).resume()));

program.command('ps <id>').description('list the processes of a container')
  .option('-f, --format <format>', 'table or json', 'table')
  .action(action((id: string, o: { format: string }) => {
    const pids = runtime().get(id).processes();
    if (o.format === 'json') { console.log(JSON.stringify(pids)); return; }
    console.log('PID\tCMD');
    for (const pid of pids) {
      let cmd = '';
      try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim(); } catch { /* exited */ }
      console.log(`${pid}\t${cmd}`);
    }
  }));

program.command('list').alias('ls').description('list containers')
  .option('-f, --format <format>', 'table or json', 'table')
  .option('-q, --quiet', 'ids only')
  .action(action((o: { format: string; quiet?: boolean }) => {
    const states = runtime().list();
    if (o.quiet) { for (const s of states) console.log(s.id); return; }
    if (o.format === 'json') { console.log(JSON.stringify(states)); return; }
    console.log('ID\tPID\tSTATUS\tBUNDLE');
    for (const s of states) console.log(`${s.id}\t${s.pid ?? 0}\t${s.status}\t${s.bundle}`);
  }));

program.command('exec <id> [command...]').description('run a process in a running container')
  .passThroughOptions()
  .option('-p, --process <file>', 'process.json (OCI process) to run')
  .option('-t, --tty', 'allocate a pty')
  .option('--console-socket <path>', 'unix socket that receives the pty master')
  .option('--cwd <dir>', 'working directory')
  .option('-e, --env <var>', 'environment variable (repeatable)', (v: string, a: string[]) => [...a, v], [] as string[])
  .option('-u, --user <uid[:gid]>', 'user id')
  .option('-d, --detach', 'do not wait for the process')
  .option('--pid-file <file>', 'write the process pid there')
  .action(action(async (id: string, command: string[], o: ExecFlags) => {
    const c = runtime().get(id);
    const proc = execProcess(c.spec.process, command, o);
    const launched = await c.exec(proc, { detached: o.detach === true }, o.consoleSocket);
    if (o.pidFile) writeFileSync(resolve(o.pidFile), String(launched.pid));
    if (o.detach) { launched.detach(); return; }
    const relayed = relayTerminal(launched.io);
    const exit = await launched.exited;
    await relayed;
    process.exit(exit.code ?? 128 + signalNumber(exit.signal));
  }));

program.command('features').description('print the features this runtime supports')
  .action(action(async () => {
    const { features } = await import('./features.js');
    console.log(JSON.stringify(features(), null, 2));
  }));

program.command('spec').description('write a default config.json in the bundle')
  .option('-b, --bundle <dir>', 'bundle directory', '.')
  .action(action(async (o: { bundle: string }) => {
    const { defaultSpec } = await import('../spec/defaults.js');
    writeFileSync(resolve(o.bundle, 'config.json'), JSON.stringify(defaultSpec('rootfs', ['sh']), null, 2) + '\n', { flag: 'wx' });
  }));

/** A peek at the bundle's config (the runtime reads and validates it properly). */
function wantsTerminal(bundle: string): boolean {
  try {
    return (JSON.parse(readFileSync(resolve(bundle, 'config.json'), 'utf8')) as { process?: { terminal?: unknown } }).process?.terminal === true;
  } catch {
    return false;
  }
}

interface ExecFlags { process?: string; tty?: boolean; consoleSocket?: string; cwd?: string; env: string[]; user?: string; detach?: boolean; pidFile?: string }

function execProcess(base: Process | undefined, command: string[], o: ExecFlags): Process {
  if (o.process) return JSON.parse(readFileSync(o.process, 'utf8')) as Process;
  if (command.length === 0) throw new Error('exec: a command or --process is required');
  const [uid, gid] = (o.user ?? '').split(':');
  return {
    ...(base ?? { cwd: '/' }),
    args: command,
    terminal: o.tty === true,
    cwd: o.cwd ?? base?.cwd ?? '/',
    env: [...(base?.env ?? []), ...o.env],
    user: o.user ? { uid: Number(uid), gid: Number(gid ?? 0) } : (base?.user ?? { uid: 0, gid: 0 }),
  } as Process;
}

function signalNumber(name: string | null): number {
  return name ? (parseSignal(name) as number) : 0;
}

/** With process.terminal and no console socket the pty is relayed over pipes: connect them to
 *  our stdio (raw mode and window size when we run on a terminal ourselves). */
function relayTerminal(io: Launched['io'] | undefined): Promise<void> {
  if (!io?.stdout) return Promise.resolve();
  const drained = new Promise<void>((res) => { io.stdout!.once('end', res).once('error', () => res()); });
  io.stdout.pipe(process.stdout);
  if (!io.stdin) return drained;
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  process.stdin.pipe(io.stdin);
  const size = () => { if (process.stdout.isTTY) io.resize(process.stdout.rows, process.stdout.columns); };
  size();
  process.stdout.on('resize', size);
  return drained;
}

function forwardSignals(pid: number): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const) {
    process.on(sig, () => { try { process.kill(pid, sig); } catch { /* exited */ } });
  }
}

await program.parseAsync(process.argv);
