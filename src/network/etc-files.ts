// The container's /etc/hosts and /etc/resolv.conf as Docker writes them for its networks:
// --add-host entries (host-gateway too), its own address and hostname, --dns, --dns-search,
// --dns-option, and the embedded DNS server's address on user networks.
import * as fs from 'node:fs';
import { parseIp } from './cidr.js';
import { invalid } from './errors.js';

/** The fixed lines of every container's /etc/hosts, as Docker writes them. */
export const HOSTS_BASE = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/** "name:ip" (or "name=ip") entries; host-gateway is the default bridge's gateway. */
export function parseExtraHosts(entries: string[] | null | undefined, hostGateway: string | undefined): { name: string; ip: string }[] {
  return (entries ?? []).map((e) => {
    const i = e.search(/[:=]/);
    if (i <= 0) throw invalid(`invalid extra host "${e}": expected host:ip`);
    const name = e.slice(0, i);
    let ip = e.slice(i + 1).replace(/^\[|\]$/g, '');
    if (ip === 'host-gateway') {
      if (!hostGateway) throw invalid(`invalid extra host "${e}": host-gateway needs the default bridge (it has no address here)`);
      ip = hostGateway;
    } else if (!ip.includes(':')) {
      parseIp(ip, `address of extra host "${e}"`);
    }
    return { name, ip };
  });
}

export function hostsFile(opts: { hostname: string; domainname?: string; ips: string[]; extra: { name: string; ip: string }[] }): string {
  const lines = [...HOSTS_BASE];
  for (const e of opts.extra) lines.push(`${e.ip}\t${e.name}`);
  const names = opts.domainname ? `${opts.hostname}.${opts.domainname} ${opts.hostname}` : opts.hostname;
  for (const ip of opts.ips) lines.push(`${ip}\t${names}`);
  return lines.join('\n') + '\n';
}

export interface ResolvOptions {
  /** --dns: replaces the name servers. */
  dns?: string[] | null;
  dnsSearch?: string[] | null;
  dnsOptions?: string[] | null;
  /** The embedded server's address (user networks), used when no --dns is given. */
  embedded?: string;
}

/** The host's resolv.conf adapted for a container namespace (loopback servers cannot be reached). */
export function resolvConf(opts: ResolvOptions, hostText = readHostResolv()): string {
  const lines = hostText.split('\n');
  const hostServers = lines.map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((s): s is string => !!s && !/^(127\.|::1$|0\.0\.0\.0)/.test(s));
  let search = lines.map((l) => /^\s*(?:search|domain)\s+(.*)$/.exec(l)?.[1]?.trim()).filter((s): s is string => !!s).join(' ');
  let options = lines.map((l) => /^\s*options\s+(.*)$/.exec(l)?.[1]?.trim()).filter((s): s is string => !!s).join(' ');
  for (const s of opts.dns ?? []) if (!s.includes(':')) parseIp(s, 'dns server');
  let servers: string[];
  if (opts.dns?.length) servers = opts.dns;
  else if (opts.embedded) { servers = [opts.embedded]; options = [options, 'ndots:0'].filter(Boolean).join(' '); }
  else servers = hostServers.length ? hostServers : ['8.8.8.8', '8.8.4.4'];
  if (opts.dnsSearch?.length) search = opts.dnsSearch.filter((s) => s !== '.').join(' ');
  if (opts.dnsOptions?.length) options = opts.dnsOptions.join(' ');
  const out = servers.map((s) => `nameserver ${s}`);
  if (search) out.push(`search ${search}`);
  if (options) out.push(`options ${options}`);
  return out.join('\n') + '\n';
}

function readHostResolv(): string {
  try { return fs.readFileSync('/etc/resolv.conf', 'utf8'); } catch { return ''; }
}
