// wharf port CONTAINER [PRIVATE_PORT[/PROTO]]: the published ports of a container.
import type { Command } from 'commander';
import { enc } from '../containers/each.js';
import { CliExit, type CliContext } from '../context.js';
import { naturalCompare } from './listing-common.js';

type Ports = Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null;

/** Go's net.JoinHostPort. */
const joinHostPort = (ip: string, port: string): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

export function register(program: Command, ctx: () => CliContext): void {
  program.command('port').description('List port mappings or a specific mapping for the container')
    .usage('CONTAINER [PRIVATE_PORT[/PROTO]]').argument('<container>').argument('[port]')
    .action(async (name: string, port?: string) => {
      const c = ctx();
      const info = await c.api.get<{ NetworkSettings: { Ports: Ports } }>(`/containers/${enc(name)}/json`);
      const ports = info.NetworkSettings.Ports ?? {};
      if (port !== undefined) {
        const [p, proto = 'tcp'] = port.split('/');
        if (!/^\d+$/.test(p!)) throw new CliExit(1, `Error: invalid port (${p}): strconv.ParseUint: parsing ${JSON.stringify(p)}: invalid syntax`);
        const key = `${p}/${proto}`;
        const bindings = ports[key];
        if (!bindings || bindings.length === 0) throw new CliExit(1, `Error: No public port '${port}' published for ${name}`);
        const lines = bindings.map((b) => joinHostPort(b.HostIp, b.HostPort)).sort(naturalCompare);
        c.stdout.write(lines.map((l) => `${l}\n`).join(''));
        return;
      }
      const out: string[] = [];
      for (const [from, bindings] of Object.entries(ports)) {
        for (const b of bindings ?? []) out.push(`${from} -> ${joinHostPort(b.HostIp, b.HostPort)}`);
      }
      out.sort(naturalCompare);
      c.stdout.write(out.map((l) => `${l}\n`).join(''));
    });
}
