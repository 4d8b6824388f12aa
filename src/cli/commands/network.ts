// wharf network create/ls/rm/connect/disconnect/prune (inspect lives with the other inspects).
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliExit } from '../context.js';
import { renderFormat } from '../format/formatter.js';
import { NETWORK_HEADER, NETWORK_TABLE, NetworkRow, type NetworkSummary } from '../format/objects.js';
import { pruneNetworks } from './system.js';
import { objectError, collect, configDir, confirm, filterOption, filtersJson, formatOption, group, keyValues, naturalCompare, readConfig, withTemplateErrors, write } from './listing-common.js';

interface CreateOptions {
  driver?: string; opt?: string[]; label?: string[]; subnet?: string[]; gateway?: string[]; ipRange?: string[];
  auxAddress?: string[]; ipamDriver?: string; ipamOpt?: string[]; internal?: boolean; attachable?: boolean; ipv6?: boolean;
  scope?: string;
}

/** Pairs --subnet with the --gateway/--ip-range that fall in it, as docker's consolidateIpam. */
function ipamConfig(o: CreateOptions): Record<string, unknown>[] {
  const subnets = o.subnet ?? [];
  if (!subnets.length && (o.gateway?.length || o.ipRange?.length || o.auxAddress?.length)) {
    throw new CliExit(1, 'every ip-range or gateway must have a corresponding subnet');
  }
  if ((o.gateway?.length ?? 0) > subnets.length || (o.ipRange?.length ?? 0) > subnets.length) {
    throw new CliExit(1, 'every ip-range or gateway must have a corresponding subnet');
  }
  const aux = keyValues(o.auxAddress);
  return subnets.map((subnet, i) => ({
    Subnet: subnet,
    ...(o.ipRange?.[i] ? { IPRange: o.ipRange[i] } : {}),
    ...(o.gateway?.[i] ? { Gateway: o.gateway[i] } : {}),
    ...(i === 0 && Object.keys(aux).length ? { AuxiliaryAddresses: aux } : {}),
  }));
}

async function runCreate(c: CliContext, name: string, o: CreateOptions): Promise<void> {
  const r = await c.api.post<{ Id: string; Warning?: string }>('/networks/create', {
    Name: name,
    CheckDuplicate: true,
    Driver: o.driver ?? 'bridge',
    Options: keyValues(o.opt),
    IPAM: { Driver: o.ipamDriver ?? 'default', Config: ipamConfig(o), Options: keyValues(o.ipamOpt) },
    Internal: Boolean(o.internal),
    EnableIPv6: Boolean(o.ipv6),
    Attachable: Boolean(o.attachable),
    Labels: keyValues(o.label),
    ...(o.scope ? { Scope: o.scope } : {}),
  });
  if (r.Warning) c.stderr.write(`WARNING: ${r.Warning}\n`);
  c.stdout.write(`${r.Id}\n`);
}

async function runLs(c: CliContext, cmd: Command, o: { quiet?: boolean; filter?: string[]; format?: string; trunc?: boolean }): Promise<void> {
  let format = o.format || (readConfig(configDir(cmd)).networksFormat as string | undefined) || 'table';
  if (format === 'table') format = o.quiet ? '{{.ID}}' : NETWORK_TABLE;
  const list = await c.api.get<NetworkSummary[]>('/networks', { filters: filtersJson(o.filter) });
  const nets = [...list].sort((a, b) => naturalCompare(a.Name, b.Name));
  write(c, renderFormat(format, nets.map((n) => new NetworkRow(n, o.trunc !== false)), NETWORK_HEADER));
}

async function eachName(c: CliContext, names: string[], fn: (n: string) => Promise<void>): Promise<void> {
  void c;
  const errors: string[] = [];
  for (const n of names) {
    try {
      await fn(n);
    } catch (err) {
      errors.push(objectError(err, 'network', n));
    }
  }
  if (errors.length) throw new CliExit(1, errors.join('\n'));
}

export function register(program: Command, ctx: () => CliContext): void {
  const network = group(program, 'network', 'Manage networks');
  network.command('create').description('Create a network').argument('<NETWORK>')
    .option('-d, --driver <string>', 'Driver to manage the Network', 'bridge')
    .option('-o, --opt <map>', 'Set driver specific options', collect)
    .option('--label <list>', 'Set metadata on a network', collect)
    .option('--subnet <strings>', 'Subnet in CIDR format that represents a network segment', collect)
    .option('--gateway <strings>', 'IPv4 or IPv6 Gateway for the master subnet', collect)
    .option('--ip-range <strings>', 'Allocate container ip from a sub-range', collect)
    .option('--aux-address <map>', 'Auxiliary IPv4 or IPv6 addresses used by Network driver', collect)
    .option('--ipam-driver <string>', 'IP Address Management Driver', 'default')
    .option('--ipam-opt <map>', 'Set IPAM driver specific options', collect)
    .option('--internal', 'Restrict external access to the network')
    .option('--attachable', 'Enable manual container attachment')
    .option('--ipv6', 'Enable IPv6 networking')
    .option('--scope <string>', "Control the network's scope")
    .action(async (name: string, o: CreateOptions) => runCreate(ctx(), name, o));
  const ls = network.command('ls').aliases(['list']).description('List networks')
    .option('-q, --quiet', 'Only display network IDs')
    .addOption(filterOption())
    .addOption(formatOption())
    .option('--no-trunc', 'Do not truncate the output');
  ls.action(async (o: { quiet?: boolean; filter?: string[]; format?: string; trunc?: boolean }) => withTemplateErrors('listing', () => runLs(ctx(), ls, o)));
  network.command('rm').aliases(['remove']).description('Remove one or more networks').argument('<NETWORK...>')
    .action(async (names: string[]) => {
      const c = ctx();
      await eachName(c, names, async (n) => {
        await c.api.delete(`/networks/${encodeURIComponent(n)}`);
        c.stdout.write(`${n}\n`);
      });
    });
  network.command('connect').description('Connect a container to a network').argument('<NETWORK>').argument('<CONTAINER>')
    .option('--alias <strings>', 'Add network-scoped alias for the container', collect)
    .option('--ip <string>', 'IPv4 address (e.g., 172.30.100.104)')
    .option('--ip6 <string>', 'IPv6 address (e.g., 2001:db8::33)')
    .option('--link <list>', 'Add link to another container', collect)
    .option('--link-local-ip <strings>', 'Add a link-local address for the container', collect)
    .option('--driver-opt <strings>', 'driver options for the network', collect)
    .action(async (net: string, container: string, o: { alias?: string[]; ip?: string; ip6?: string; link?: string[]; linkLocalIp?: string[]; driverOpt?: string[] }) => {
      await ctx().api.post(`/networks/${encodeURIComponent(net)}/connect`, {
        Container: container,
        EndpointConfig: {
          IPAMConfig: { IPv4Address: o.ip ?? '', IPv6Address: o.ip6 ?? '', LinkLocalIPs: o.linkLocalIp ?? [] },
          Links: o.link ?? [],
          Aliases: o.alias ?? [],
          DriverOpts: keyValues(o.driverOpt),
        },
      });
    });
  network.command('disconnect').description('Disconnect a container from a network').argument('<NETWORK>').argument('<CONTAINER>')
    .option('-f, --force', 'Force the container to disconnect from a network')
    .action(async (net: string, container: string, o: { force?: boolean }) => {
      await ctx().api.post(`/networks/${encodeURIComponent(net)}/disconnect`, { Container: container, Force: Boolean(o.force) });
    });
  network.command('prune').description('Remove all unused networks')
    .option('-f, --force', 'Do not prompt for confirmation')
    .addOption(filterOption(false))
    .action(async (o: { force?: boolean; filter?: string[] }) => {
      const c = ctx();
      if (!o.force && !(await confirm(c, 'WARNING! This will remove all custom networks not used by at least one container.'))) return;
      const r = await pruneNetworks(c, o.filter);
      if (r.text) c.stdout.write(r.text);
    });
}
