// Bridge devices on the host: created with their gateway address (one `ip -batch`), removed when
// the daemon created them, and the host's routes read to avoid subnets already in use.
import * as fs from 'node:fs';
import { formatIp, type Cidr } from './cidr.js';
import { run } from './exec.js';

export function linkExists(name: string): boolean {
  return fs.existsSync(`/sys/class/net/${name}`);
}

/** Creates (or completes) the bridge; returns true when it did not exist before. */
export async function ensureBridge(name: string, gateway: string, prefix: number, mtu: number): Promise<boolean> {
  const created = !linkExists(name);
  const lines = [
    ...(created ? [`link add ${name} mtu ${mtu} type bridge`] : []),
    `addr replace ${gateway}/${prefix} brd + dev ${name}`,
    `link set ${name} up`,
  ];
  await run('ip', ['-batch', '-'], lines.join('\n') + '\n');
  return created;
}

export async function removeBridge(name: string): Promise<void> {
  if (linkExists(name)) await run('ip', ['link', 'del', name]).catch(() => {});
}

/** IPv4 routes of the main table as subnets, with their device (from /proc/net/route). */
export function hostRoutes(): { dev: string; subnet: Cidr }[] {
  let text = '';
  try { text = fs.readFileSync('/proc/net/route', 'utf8'); } catch { return []; }
  const out: { dev: string; subnet: Cidr }[] = [];
  for (const line of text.trim().split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const dest = swap(parseInt(f[1]!, 16));
    const mask = swap(parseInt(f[7]!, 16));
    if (mask === 0) continue; // default route: overlaps everything by definition
    const prefix = 32 - Math.log2((~mask >>> 0) + 1);
    out.push({ dev: f[0]!, subnet: { network: dest, prefix, address: dest } });
  }
  return out;
}

/** /proc/net/route prints addresses in host (little-endian) byte order. */
function swap(n: number): number {
  return (((n & 0xff) << 24) | (((n >>> 8) & 0xff) << 16) | (((n >>> 16) & 0xff) << 8) | (n >>> 24)) >>> 0;
}

export const describeRoute = (r: { dev: string; subnet: Cidr }): string => `${formatIp(r.subnet.network)}/${r.subnet.prefix} on ${r.dev}`;
