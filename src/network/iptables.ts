// The daemon's own iptables chains, named with a per-daemon tag so daemons never touch each
// other's rules (nor Docker's): a filter chain hooked first in FORWARD, a nat chain hooked in
// POSTROUTING. Their contents are regenerated from the network list in one iptables-restore
// --noflush (declaring a chain flushes only that chain); shutdown removes exactly the hooks and
// chains. Works with the nft and legacy backends alike.
import { run } from './exec.js';

export interface RuleNetwork { bridge: string; subnet: string; internal: boolean }

export class Chains {
  readonly forward: string;
  readonly postrouting: string;
  private hooked = false;

  constructor(tag: string) {
    this.forward = `WHARF-FWD-${tag}`;
    this.postrouting = `WHARF-POST-${tag}`;
  }

  /** Rules for the networks, hooks added when missing (looked up once per daemon run). */
  async sync(networks: RuleNetwork[]): Promise<void> {
    const hooks = this.hooked ? [] : await this.missingHooks();
    await restore(this.rules(networks, hooks));
    this.hooked = true;
  }

  /** iptables-restore input for the networks (exported for tests). */
  rules(networks: RuleNetwork[], hooks: string[] = []): string {
    const f = this.forward;
    const filter = [`*filter`, `:${f} - [0:0]`];
    const bridges = networks.map((n) => n.bridge);
    for (const n of networks) {
      // Other bridges of this daemon: networks are isolated from each other.
      for (const other of bridges) if (other !== n.bridge) filter.push(`-A ${f} -i ${n.bridge} -o ${other} -j DROP`);
      if (n.internal) {
        filter.push(`-A ${f} -i ${n.bridge} ! -o ${n.bridge} -j DROP`, `-A ${f} -o ${n.bridge} ! -i ${n.bridge} -j DROP`, `-A ${f} -i ${n.bridge} -o ${n.bridge} -j ACCEPT`);
      } else {
        filter.push(`-A ${f} -o ${n.bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`, `-A ${f} -i ${n.bridge} -j ACCEPT`);
      }
    }
    const nat = [`*nat`, `:${this.postrouting} - [0:0]`];
    for (const n of networks) if (!n.internal) nat.push(`-A ${this.postrouting} -s ${n.subnet} ! -o ${n.bridge} -j MASQUERADE`);
    if (hooks.includes('FORWARD')) filter.push(`-I FORWARD 1 -j ${f}`);
    if (hooks.includes('POSTROUTING')) nat.push(`-I POSTROUTING 1 -j ${this.postrouting}`);
    return [...filter, 'COMMIT', ...nat, 'COMMIT', ''].join('\n');
  }

  private async missingHooks(): Promise<string[]> {
    const [filter, nat] = await Promise.all([
      run('iptables-save', ['-t', 'filter']).then((r) => r.stdout, () => ''),
      run('iptables-save', ['-t', 'nat']).then((r) => r.stdout, () => ''),
    ]);
    const out: string[] = [];
    if (!filter.includes(`-A FORWARD -j ${this.forward}`)) out.push('FORWARD');
    if (!nat.includes(`-A POSTROUTING -j ${this.postrouting}`)) out.push('POSTROUTING');
    return out;
  }

  /** Removes the hooks and the chains (nothing else). */
  async remove(): Promise<void> {
    const [filter, nat] = await Promise.all([
      run('iptables-save', ['-t', 'filter']).then((r) => r.stdout, () => ''),
      run('iptables-save', ['-t', 'nat']).then((r) => r.stdout, () => ''),
    ]);
    const hookCount = (text: string, chain: string, builtin: string): number => text.split('\n').filter((l) => l === `-A ${builtin} -j ${chain}`).length;
    const lines = ['*filter'];
    for (let i = hookCount(filter, this.forward, 'FORWARD'); i > 0; i--) lines.push(`-D FORWARD -j ${this.forward}`);
    if (filter.includes(`:${this.forward} `)) lines.push(`-F ${this.forward}`, `-X ${this.forward}`);
    lines.push('COMMIT', '*nat');
    for (let i = hookCount(nat, this.postrouting, 'POSTROUTING'); i > 0; i--) lines.push(`-D POSTROUTING -j ${this.postrouting}`);
    if (nat.includes(`:${this.postrouting} `)) lines.push(`-F ${this.postrouting}`, `-X ${this.postrouting}`);
    lines.push('COMMIT', '');
    if (lines.length > 5) await restore(lines.join('\n'));
    this.hooked = false;
  }
}

/** iptables-restore without flushing the tables; retried once (parallel writers on nft). */
async function restore(input: string): Promise<void> {
  try {
    await run('iptables-restore', ['--noflush', '-w'], input);
  } catch {
    await new Promise((r) => setTimeout(r, 50));
    await run('iptables-restore', ['--noflush', '-w'], input);
  }
}

/** Forwarding must be on for NAT (Docker turns it on too). Returns true when it changed it. */
export async function enableIpForward(): Promise<boolean> {
  const { readFile, writeFile } = await import('node:fs/promises');
  const file = '/proc/sys/net/ipv4/ip_forward';
  if ((await readFile(file, 'utf8')).trim() === '1') return false;
  await writeFile(file, '1\n');
  return true;
}
