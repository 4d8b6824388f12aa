// wharf start [-a] [-i] [--detach-keys] CONTAINER...: with -a/-i, attached to one container
// whose exit code becomes the CLI's.
import type { Command } from 'commander';
import { checkTty, runAttached } from '../containers/attached.js';
import { enc, errorText } from '../containers/each.js';
import { CliExit, type CliContext } from '../context.js';
import { addFlags } from '../options/flags.js';

interface Inspect { Id: string; Config: { Tty: boolean; OpenStdin: boolean }; HostConfig: { AutoRemove?: boolean } }

export function register(program: Command, ctx: () => CliContext): void {
  const cmd = program.command('start').description('Start one or more stopped containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]').argument('<containers...>');
  addFlags(cmd, [
    { names: '-a, --attach', kind: 'bool', desc: 'Attach STDOUT/STDERR and forward signals' },
    { names: '--detach-keys', kind: 'string', desc: 'Override the key sequence for detaching a container' },
    { names: '-i, --interactive', kind: 'bool', desc: "Attach container's STDIN" },
  ]);
  cmd.action(async (names: string[], o: { attach?: boolean; interactive?: boolean; detachKeys?: string }) => {
    const c = ctx();
    if (o.attach || o.interactive) {
      if (names.length > 1) throw new CliExit(1, 'you cannot start and attach multiple containers at once');
      const info = await c.api.get<Inspect>(`/containers/${enc(names[0]!)}/json`);
      const stdin = !!o.interactive && info.Config.OpenStdin;
      checkTty(c, stdin, info.Config.Tty);
      const code = await runAttached(c, {
        id: info.Id, tty: info.Config.Tty, stdin, stdout: true, stderr: true, detachKeys: o.detachKeys,
        sigProxy: true, condition: info.HostConfig.AutoRemove ? 'removed' : 'next-exit',
      }, async () => { await c.api.post(`/containers/${info.Id}/start`, undefined, { detachKeys: o.detachKeys }); });
      if (code !== 0) throw new CliExit(code);
      return;
    }
    const failed: string[] = [];
    for (const n of names) {
      try {
        await c.api.post(`/containers/${enc(n)}/start`);
        c.stdout.write(`${n}\n`);
      } catch (err) {
        c.stderr.write(`${errorText(err)}\n`);
        failed.push(n);
      }
    }
    if (failed.length) throw new CliExit(1, `Error: failed to start containers: ${failed.join(', ')}`);
  });
}
