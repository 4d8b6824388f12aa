// Address management for one network: the pool (subnet, gateway, optional range) and picking
// addresses. Pure functions: the caller passes the addresses in use and persists the result.
import { contains, formatCidr, formatIp, maskOf, parseCidr, parseIp, sizeOf, type Cidr } from './cidr.js';
import { conflict, invalid } from './errors.js';

/** Docker's IPAM config entry (network create --subnet/--gateway/--ip-range). */
export interface IpamConfig { Subnet?: string; Gateway?: string; IPRange?: string }

export interface Pool {
  subnet: Cidr;
  gateway: number;
  /** Where container addresses are taken from (the whole subnet by default). */
  range: Cidr;
}

/** Checks a user's IPAM config; the gateway defaults to the first address of the subnet. */
export function makePool(cfg: IpamConfig): Pool {
  if (!cfg.Subnet) throw invalid('invalid IPAM config: a subnet is required');
  const subnet = parseCidr(cfg.Subnet, 'subnet');
  if (subnet.address !== subnet.network) throw invalid(`invalid subnet ${cfg.Subnet}: it has host bits set (did you mean ${formatCidr(subnet)}?)`);
  if (subnet.prefix > 30) throw invalid(`invalid subnet ${cfg.Subnet}: too small for a network (the prefix must be /30 or larger)`);
  const gateway = cfg.Gateway ? parseIp(cfg.Gateway.replace(/\/\d+$/, ''), 'gateway') : subnet.network + 1;
  if (!contains(subnet, gateway)) throw invalid(`no matching subnet for gateway ${cfg.Gateway}`);
  if (!usable(subnet, gateway)) throw invalid(`invalid gateway ${cfg.Gateway}: it is the network or broadcast address of ${cfg.Subnet}`);
  let range = subnet;
  if (cfg.IPRange) {
    range = parseCidr(cfg.IPRange, 'ip-range');
    if (range.address !== range.network) throw invalid(`invalid ip-range ${cfg.IPRange}: it has host bits set`);
    if (!contains(subnet, range.network) || range.prefix < subnet.prefix) throw invalid(`no matching subnet for range ${cfg.IPRange}`);
  }
  return { subnet, gateway, range };
}

/** The config as Docker shows it in network inspect. */
export function poolConfig(p: Pool): IpamConfig {
  const out: IpamConfig = { Subnet: formatCidr(p.subnet), Gateway: formatIp(p.gateway) };
  if (p.range.prefix !== p.subnet.prefix) out.IPRange = formatCidr(p.range);
  return out;
}

function usable(subnet: Cidr, ip: number): boolean {
  const broadcast = (subnet.network | (~maskOf(subnet.prefix) >>> 0)) >>> 0;
  return ip !== subnet.network && ip !== broadcast;
}

/**
 * Picks an address: the requested one (checked: in the subnet, not reserved, free) or the first
 * free one of the range. `used` holds the addresses taken (the gateway is always taken).
 */
export function allocate(pool: Pool, used: ReadonlySet<string>, requested?: string): string {
  if (requested) {
    const ip = parseIp(requested, 'IPv4 address');
    if (!contains(pool.subnet, ip)) throw invalid(`invalid address ${requested}: it does not belong to the network's subnet ${formatCidr(pool.subnet)}`);
    if (!usable(pool.subnet, ip) || ip === pool.gateway) throw invalid(`invalid address ${requested}: it is reserved in ${formatCidr(pool.subnet)}`);
    if (used.has(requested)) throw conflict(`Address already in use: ${requested}`);
    return requested;
  }
  const n = sizeOf(pool.range);
  for (let i = 0; i < n; i++) {
    const ip = (pool.range.network + i) >>> 0;
    if (!usable(pool.subnet, ip) || ip === pool.gateway) continue;
    const text = formatIp(ip);
    if (!used.has(text)) return text;
  }
  throw conflict(`no available IPv4 addresses on this network's address pools (${formatCidr(pool.range)})`);
}

/** Docker's MAC for an address: 02:42 followed by the four address bytes. */
export function macFor(ip: string): string {
  const n = parseIp(ip);
  return ['02', '42', ...[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

export function parseMac(text: string, field = 'mac-address'): string {
  const m = /^([0-9a-f]{2})([:-][0-9a-f]{2}){5}$/i.exec(text.trim());
  if (!m) throw invalid(`invalid ${field} "${text}": expected six hex bytes such as 02:42:ac:11:00:02`);
  const mac = text.trim().toLowerCase().replace(/-/g, ':');
  if (parseInt(mac.slice(0, 2), 16) & 1) throw invalid(`invalid ${field} "${text}": a multicast address cannot be used`);
  return mac;
}

/**
 * The first /prefix block of the candidate pools overlapping nothing in `taken` (subnets of
 * other networks and of the host's routes). Docker's default pools for user networks.
 */
export function pickSubnet(taken: Cidr[], pools: { base: string; size: number }[] = DEFAULT_POOLS): string {
  for (const pool of pools) {
    const base = parseCidr(pool.base);
    const step = 2 ** (32 - pool.size);
    for (let net = base.network; contains(base, net); net = (net + step) >>> 0) {
      const cand = { network: net, prefix: pool.size };
      if (!taken.some((t) => contains(t, cand.network) || contains(cand, t.network))) return formatCidr(cand);
      if (net + step > 0xffffffff) break;
    }
  }
  throw conflict('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
}

export const DEFAULT_POOLS = [
  { base: '172.18.0.0/15', size: 16 }, { base: '172.20.0.0/14', size: 16 }, { base: '172.24.0.0/14', size: 16 },
  { base: '172.28.0.0/15', size: 16 }, { base: '192.168.0.0/16', size: 20 },
];
