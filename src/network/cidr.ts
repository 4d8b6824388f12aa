// IPv4 addresses and subnets as 32-bit numbers: parsing with field-named errors, containment,
// overlap. IPv6 is not handled (networks are IPv4 only).
import { invalid } from './errors.js';

export interface Cidr {
  /** Network address (host bits cleared). */
  network: number;
  prefix: number;
  /** The address as written (a gateway written as a CIDR keeps its host bits here). */
  address: number;
}

export function parseIp(text: string, field = 'address'): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (!m) throw invalid(`invalid ${field} "${text}": expected an IPv4 address`);
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) throw invalid(`invalid ${field} "${text}": expected an IPv4 address`);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function parseCidr(text: string, field = 'subnet'): Cidr {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) throw invalid(`invalid ${field} "${text}": expected CIDR notation such as 172.20.0.0/16`);
  const prefix = Number(m[2]);
  if (prefix > 32) throw invalid(`invalid ${field} "${text}": prefix length must be 0-32`);
  const address = parseIp(m[1]!, field);
  return { network: (address & maskOf(prefix)) >>> 0, prefix, address };
}

export function formatCidr(c: Pick<Cidr, 'network' | 'prefix'>): string {
  return `${formatIp(c.network)}/${c.prefix}`;
}

/** Number of addresses in the subnet. */
export function sizeOf(c: Pick<Cidr, 'prefix'>): number {
  return 2 ** (32 - c.prefix);
}

export function contains(c: Pick<Cidr, 'network' | 'prefix'>, ip: number): boolean {
  return ((ip & maskOf(c.prefix)) >>> 0) === c.network;
}

export function overlaps(a: Pick<Cidr, 'network' | 'prefix'>, b: Pick<Cidr, 'network' | 'prefix'>): boolean {
  return contains(a, b.network) || contains(b, a.network);
}
