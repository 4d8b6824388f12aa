// Runs the short programs storage needs (mount, umount, getfattr, sync) through a few long-lived
// /bin/sh processes instead of spawning each from Node: a spawn forks the whole Node process,
// which costs milliseconds per 100 MB of memory with the event loop blocked; a shell is tiny and
// forks cheaply, and Node only writes a command line and reads the answer. Each shell runs its
// commands one at a time (stdin is /dev/null for them, so they never read the next command);
// idle shells do not keep Node alive and exit when Node goes (EOF on their stdin).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface ProgramResult {
  /** Exit status (128 + signal number when killed; 127 when the program is not found). */
  code: number;
  stdout: string;
  stderr: string;
}

const MAX_SHELLS = 4;

/** Single-quoted for sh: any byte but NUL is literal. */
function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

interface Pending { resolve(r: ProgramResult): void; reject(e: Error): void }

class Shell {
  private readonly child: ChildProcess;
  private readonly token = randomBytes(12).toString('hex');
  private out = '';
  private err = '';
  private outScan = 0;
  private errScan = 0;
  private readonly pending: Pending[] = [];
  dead = false;

  constructor() {
    this.child = spawn('/bin/sh', [], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => { this.out += d; this.settle(); });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => { this.err += d; this.settle(); });
    this.child.stdin!.on('error', () => {}); // a dead shell is reported by 'exit'
    this.child.on('error', (e) => this.fail(e));
    this.child.on('exit', (code, signal) => this.fail(new Error(`/bin/sh exited (${signal ?? code})`)));
    this.hold(false);
  }

  get busy(): number { return this.pending.length; }

  run(cmd: string, args: string[], cwd?: string, input?: string): Promise<ProgramResult> {
    const t = this.token;
    const argv = [cmd, ...args].map(quote).join(' ');
    // Another directory: in a subshell, so the shell's own stays Node's (as for a direct spawn).
    const command = cwd ? `(cd ${quote(cwd)} && exec ${argv})` : argv;
    // stdin: the input as a quoted here-document (no expansion), else nothing.
    const stdin = input === undefined ? ' </dev/null' : ` <<'${t}'\n${input}${input.endsWith('\n') || input === '' ? '' : '\n'}${t}\n`;
    const status = `printf '\\n${t} %d\\n' $?; printf '\\n${t}\\n' >&2\n`;
    const line = input === undefined ? `${command}${stdin}; ${status}` : `${command}${stdin}${status}`;
    return new Promise<ProgramResult>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.hold(true);
      this.child.stdin!.write(line);
    });
  }

  /** Answers the oldest command once both its stdout and stderr end markers arrived. */
  private settle(): void {
    while (this.pending.length > 0) {
      // Searched from where the last search stopped: a big output arrives in many chunks.
      const mark = `\n${this.token} `;
      const o = this.out.indexOf(mark, this.outScan);
      const oEnd = o < 0 ? -1 : this.out.indexOf('\n', o + mark.length);
      const e = this.err.indexOf(`\n${this.token}\n`, this.errScan);
      this.outScan = Math.max(0, (o < 0 ? this.out.length : o) - mark.length);
      this.errScan = Math.max(0, (e < 0 ? this.err.length : e) - mark.length);
      if (oEnd < 0 || e < 0) return;
      const result = { code: Number(this.out.slice(o + mark.length, oEnd)), stdout: this.out.slice(0, o), stderr: this.err.slice(0, e) };
      this.out = this.out.slice(oEnd + 1);
      this.err = this.err.slice(e + this.token.length + 2);
      this.outScan = this.errScan = 0;
      this.pending.shift()!.resolve(result);
    }
    this.hold(false);
  }

  /** Keeps Node alive only while a command is running. */
  private hold(on: boolean): void {
    if (this.pending.length > 0 && !on) return;
    for (const s of [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as Array<{ ref(): void; unref(): void } | null>) {
      if (on) s?.ref(); else s?.unref();
    }
  }

  private fail(e: Error): void {
    this.dead = true;
    for (const p of this.pending.splice(0)) p.reject(e);
  }
}

const shells: Shell[] = [];
let noShell = false;

/**
 * Runs `cmd args` (found on PATH) in `cwd`, with `input` as its stdin (text lines: a final newline
 * is added when missing); resolves with its status and output, never rejects on a non-zero exit.
 */
export async function runProgram(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): Promise<ProgramResult> {
  // The input travels as a here-document ended by a shell's token line (24 hex digits): an input
  // holding such a line (never seen in practice) goes to a direct spawn.
  const viaShell = opts.input === undefined || !/^[0-9a-f]{24}$/m.test(opts.input);
  if (!noShell && viaShell) {
    for (let i = shells.length - 1; i >= 0; i--) if (shells[i]!.dead) shells.splice(i, 1);
    let sh = shells.find((s) => s.busy === 0);
    if (!sh && shells.length < MAX_SHELLS) {
      try { sh = new Shell(); shells.push(sh); } catch { noShell = true; }
    }
    sh ??= shells.reduce<Shell | undefined>((a, s) => (!a || s.busy < a.busy ? s : a), undefined);
    if (sh) {
      try {
        return await sh.run(cmd, args, opts.cwd, opts.input);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') noShell = true; // no /bin/sh: spawn directly
        else throw err;
      }
    }
  }
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { cwd: opts.cwd, encoding: 'utf8', maxBuffer: 1 << 30 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? (err.code as unknown as number) : 0, stdout, stderr });
    });
    child.stdin?.on('error', () => {}); // a program that exits without reading its input
    child.stdin?.end(opts.input ?? '');
  });
}
