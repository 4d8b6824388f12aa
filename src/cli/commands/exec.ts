// wharf exec [-d] [-i] [-t] [-u] [-e] [--env-file] [-w] [--privileged] CONTAINER COMMAND [ARG...]:
// exit code of the command as the CLI's (126/127 when it cannot be run).
import type { Command } from 'commander';
import { checkTty } from '../containers/attached.js';
import { enc } from '../containers/each.js';
import { CliExit, type CliContext } from '../context.js';
import { addFlags, OptionError } from '../options/flags.js';
import { parseKeyValueFile, validateEnv } from '../options/values.js';
import { startSession } from '../tty/session.js';
import { forwardResize, makeRaw } from '../tty/terminal.js';

interface ExecOptions {
  detach?: boolean; interactive?: boolean; tty?: boolean; user?: string; env?: string[]; envFile?: string[];
  workdir?: string; privileged?: boolean; detachKeys?: string;
}

export function register(program: Command, ctx: () => CliContext): void {
  const cmd = program.command('exec').description('Execute a command in a running container')
    .usage('[OPTIONS] CONTAINER COMMAND [ARG...]')
    .argument('<container>').argument('<command...>').passThroughOptions();
  addFlags(cmd, [
    { names: '-d, --detach', kind: 'bool', desc: 'Detached mode: run command in the background' },
    { names: '--detach-keys', kind: 'string', desc: 'Override the key sequence for detaching a container' },
    { names: '-e, --env', kind: 'list', desc: 'Set environment variables', check: (v) => validateEnv(v) },
    { names: '--env-file', kind: 'list', desc: 'Read in a file of environment variables' },
    { names: '-i, --interactive', kind: 'bool', desc: 'Keep STDIN open even if not attached' },
    { names: '--privileged', kind: 'bool', desc: 'Give extended privileges to the command' },
    { names: '-t, --tty', kind: 'bool', desc: 'Allocate a pseudo-TTY' },
    { names: '-u, --user', kind: 'string', desc: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
    { names: '-w, --workdir', kind: 'string', desc: 'Working directory inside the container' },
  ]);
  cmd.action(async (container: string, command: string[], o: ExecOptions) => {
    const c = ctx();
    let env: string[];
    try {
      env = [...(o.envFile ?? []).flatMap((f) => parseKeyValueFile(f, (k) => process.env[k])), ...(o.env ?? [])];
    } catch (err) {
      throw new OptionError((err as Error).message);
    }
    const tty = !!o.tty;
    const stdin = !!o.interactive && !o.detach;
    if (!o.detach) checkTty(c, stdin, tty);
    const created = await c.api.call<{ Id: string }>('POST', `/containers/${enc(container)}/exec`, {
      body: {
        User: o.user ?? '', Privileged: !!o.privileged, Tty: tty, AttachStdin: stdin, AttachStdout: !o.detach,
        AttachStderr: !o.detach, DetachKeys: o.detachKeys ?? '', Env: env.length ? env : null,
        WorkingDir: o.workdir ?? '', Cmd: command,
      },
    });
    const id = created.body.Id;
    if (o.detach) {
      await c.api.post(`/exec/${id}/start`, { Detach: true, Tty: tty });
      return;
    }
    const conn = await c.api.hijack('POST', `/exec/${id}/start`, { body: { Detach: false, Tty: tty } });
    const restore = tty && stdin ? makeRaw(c.stdin) : () => {};
    const session = startSession(conn, { tty, stdin: stdin ? c.stdin : undefined, detachKeys: o.detachKeys, stdout: c.stdout, stderr: c.stderr });
    session.openStdin();
    const stopResize = tty ? forwardResize(c.api, `/exec/${id}/resize`, c.stdout) : () => {};
    let detached: boolean;
    try {
      ({ detached } = await session.done);
    } finally {
      stopResize();
      restore();
      session.close();
    }
    if (detached) return;
    const info = await c.api.get<{ ExitCode: number | null; Running: boolean }>(`/exec/${id}/json`);
    const code = info.ExitCode ?? 0;
    if (code !== 0) throw new CliExit(code);
  });
}
