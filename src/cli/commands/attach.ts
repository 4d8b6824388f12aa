// wharf attach [--detach-keys] [--no-stdin] [--sig-proxy] CONTAINER
import type { Command } from 'commander';
import { checkTty, runAttached } from '../containers/attached.js';
import { enc } from '../containers/each.js';
import { CliExit, type CliContext } from '../context.js';
import { addFlags } from '../options/flags.js';

interface Inspect { Id: string; State: { Running: boolean; Paused: boolean; Restarting: boolean }; Config: { Tty: boolean; OpenStdin: boolean } }

export function register(program: Command, ctx: () => CliContext): void {
  const cmd = program.command('attach').description("Attach local standard input, output, and error streams to a running container")
    .usage('[OPTIONS] CONTAINER').argument('<container>');
  addFlags(cmd, [
    { names: '--detach-keys', kind: 'string', desc: 'Override the key sequence for detaching a container' },
    { names: '--no-stdin', kind: 'bool', desc: 'Do not attach STDIN' },
    { names: '--sig-proxy', kind: 'bool', desc: 'Proxy all received signals to the process', default: true },
  ]);
  cmd.action(async (name: string, o: { detachKeys?: string; stdin?: boolean; sigProxy?: boolean }) => {
    const c = ctx();
    const info = await c.api.get<Inspect>(`/containers/${enc(name)}/json`);
    if (!info.State.Running) throw new CliExit(1, 'You cannot attach to a stopped container, start it first');
    if (info.State.Paused) throw new CliExit(1, 'You cannot attach to a paused container, unpause it first');
    if (info.State.Restarting) throw new CliExit(1, 'You cannot attach to a restarting container, wait until it is running');
    const stdin = o.stdin !== false && info.Config.OpenStdin;
    checkTty(c, stdin, info.Config.Tty);
    const code = await runAttached(c, {
      id: info.Id, tty: info.Config.Tty, stdin, stdout: true, stderr: true, detachKeys: o.detachKeys,
      sigProxy: o.sigProxy !== false, condition: '',
    });
    if (code !== 0) throw new CliExit(code);
  });
}
