// A long-lived /bin/sh that runs the per-container network tools (unshare/nsenter + ip, umount)
// for the daemon. A Node spawn forks the whole daemon (its page tables copied while the event
// loop waits: 3-10 ms); forking this small shell instead costs the daemon one pipe write.
// Commands run one at a time in order; the shell exits on EOF, so it dies with the daemon.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { system } from './errors.js';

const END = '\x1e'; // ends each reply: "<exit code>\n<stdout+stderr>\x1e"

interface Pending { label: string; resolve(out: string): void; reject(err: Error): void }

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export class ToolShell {
  private child?: ChildProcess;
  private buf = '';
  private readonly queue: Pending[] = [];

  /** Runs `cmd args` (stdin: `input`), resolves with its merged output, rejects on non-zero exit. */
  run(cmd: string, args: string[], input?: string): Promise<string> {
    const words = [cmd, ...args].map(quote).join(' ');
    let script: string;
    if (input === undefined) script = `r=$(${words} 2>&1 </dev/null); c=$?\n`;
    else {
      const tag = `__WHARF_${randomBytes(6).toString('hex')}`;
      script = `r=$(${words} 2>&1 <<'${tag}'\n${input}${input.endsWith('\n') ? '' : '\n'}${tag}\n); c=$?\n`;
    }
    script += `printf '%s\\n%s\\036' "$c" "$r"\n`;
    return new Promise((resolve, reject) => {
      const child = this.ensure();
      this.queue.push({ label: `${cmd} ${args.join(' ')}`, resolve, reject });
      this.setRef(true);
      child.stdin!.write(script);
    });
  }

  /** Ends the shell (it also ends by itself when the daemon's end of the pipe closes). */
  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }

  private ensure(): ChildProcess {
    if (this.child) return this.child;
    const child = spawn('/bin/sh', [], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child = child;
    this.buf = '';
    child.stdin!.on('error', () => {});
    child.stdout!.setEncoding('utf8').on('data', (d: string) => this.onData(d));
    const gone = (why: string): void => {
      if (this.child === child) this.child = undefined;
      for (const p of this.queue.splice(0)) p.reject(system(`${p.label}: tool shell ${why}`));
      this.setRef(false, child);
    };
    child.on('error', (err) => gone(err.message));
    child.on('close', (code, signal) => gone(`exited (${code ?? signal})`));
    child.unref();
    return child;
  }

  private onData(d: string): void {
    this.buf += d;
    let i: number;
    while ((i = this.buf.indexOf(END)) >= 0) {
      const msg = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      const nl = msg.indexOf('\n');
      const code = Number(msg.slice(0, nl));
      const out = msg.slice(nl + 1);
      const p = this.queue.shift();
      if (!p) continue;
      if (code === 0) p.resolve(out);
      else p.reject(system(`${p.label} failed (${code}): ${out.trim()}`));
    }
    if (this.queue.length === 0) this.setRef(false);
  }

  /** The pipes keep the process alive only while a command is pending. */
  private setRef(on: boolean, child = this.child): void {
    for (const s of [child?.stdin, child?.stdout] as ({ ref?(): void; unref?(): void } | null | undefined)[]) {
      if (on) s?.ref?.(); else s?.unref?.();
    }
  }
}
