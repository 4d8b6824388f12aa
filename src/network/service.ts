// Networks: the predefined ones (bridge, host, none) and user-defined bridge networks, their
// host side brought up lazily (bridge device, iptables chains, embedded DNS) the first time a
// container needs them, and removed at daemon shutdown. Container hooks are in sandboxes.ts.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeRoute, ensureBridge, hostRoutes, removeBridge } from './bridge.js';
import { formatCidr, overlaps, parseCidr, type Cidr } from './cidr.js';
import { DnsServer, type Lookup } from './dns.js';
import { conflict, forbidden, invalid, notFound } from './errors.js';
import { Chains, enableIpForward } from './iptables.js';
import { makePool, pickSubnet, poolConfig, type IpamConfig, type Pool } from './ipam.js';
import { NetworkStore } from './store.js';
import type { NetworkRecord } from './types.js';

export interface NetLogger { info(o: object, msg?: string): void; warn(o: object, msg?: string): void }

export interface NetworkOptions {
  dataRoot: string;
  execRoot: string;
  logger: NetLogger;
  /** Device of the default bridge network (default wharf0); "none" disables it. */
  bridge?: string;
  /** Gateway address and prefix of the default bridge (default 172.31.0.1/16). */
  bip?: string;
  /** Manage iptables chains for NAT and isolation (default true). */
  iptables?: boolean;
  /** Default host address of published ports (default 0.0.0.0). */
  ip?: string;
  mtu?: number;
}

export interface CreateRequest {
  Name?: string;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
  IPAM?: { Driver?: string; Config?: IpamConfig[] | null; Options?: Record<string, string> | null } | null;
}

export const DEFAULT_BRIDGE = 'wharf0';
export const DEFAULT_BIP = '172.31.0.1/16';
const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';

export class NetworkService {
  readonly store: NetworkStore;
  /** Per-daemon suffix of chain and veth names. */
  readonly tag: string;
  readonly chains: Chains | null;
  readonly defaultIp: string;
  readonly netnsDir: string;
  private readonly ups = new Map<string, Promise<void>>();
  private readonly dns = new Map<string, DnsServer>();
  private readonly pools = new Map<string, Pool>();
  /** Sandboxes of exited containers being unpinned in the background, by netns path. */
  readonly draining = new Map<string, { done: Promise<void>; ifaces: { network: string; ip: string }[] }>();
  /** Resolves container names for DNS (set by the sandboxes). */
  lookup: Lookup = () => null;

  constructor(readonly opts: NetworkOptions) {
    this.store = new NetworkStore(path.join(opts.dataRoot, 'network'));
    this.tag = createHash('sha256').update(path.resolve(opts.dataRoot)).digest('hex').slice(0, 6);
    this.chains = opts.iptables === false ? null : new Chains(this.tag);
    this.defaultIp = opts.ip ?? '0.0.0.0';
    this.netnsDir = path.join(opts.execRoot, 'netns');
  }

  /** Loads the records and makes sure the predefined networks exist with the configured bridge. */
  async open(): Promise<void> {
    this.store.load();
    const nets = this.store.networks;
    for (const [name, driver] of [['host', 'host'], ['none', 'null']] as const) {
      if (!nets.some((n) => n.Name === name)) nets.push(this.record({ Name: name, Driver: driver }, '', [], true));
    }
    const dev = this.opts.bridge ?? DEFAULT_BRIDGE;
    const existing = nets.find((n) => n.Name === 'bridge');
    if (dev === 'none') {
      if (existing) nets.splice(nets.indexOf(existing), 1);
    } else {
      if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/.test(dev)) throw invalid(`invalid bridge name "${dev}": up to 15 characters of [a-zA-Z0-9_.-]`);
      const bip = parseCidr(this.opts.bip ?? DEFAULT_BIP, 'bip');
      const ipam = { Subnet: formatCidr(bip), Gateway: ipOf(this.opts.bip ?? DEFAULT_BIP) };
      makePool(ipam);
      if (existing) {
        if (existing.bridge !== dev && existing.ownsBridge) {
          // Configured to another device: the one made for the old setting goes.
          await removeBridge(existing.bridge);
          existing.ownsBridge = false;
        }
        existing.bridge = dev;
        existing.IPAM.Config = [ipam];
        existing.Options[BRIDGE_NAME_OPTION] = dev;
        existing.mtu = this.opts.mtu ?? 1500;
      } else {
        nets.unshift(this.record({ Name: 'bridge', Driver: 'bridge', Options: { [BRIDGE_NAME_OPTION]: dev, 'com.docker.network.bridge.default_bridge': 'true' } }, dev, [ipam], true));
      }
    }
    await this.store.save();
  }

  private record(req: CreateRequest, bridge: string, config: IpamConfig[], predefined: boolean): NetworkRecord {
    return {
      Id: randomBytes(32).toString('hex'), Name: req.Name ?? '', Driver: req.Driver ?? 'bridge', Created: new Date().toISOString(),
      Internal: req.Internal === true, Attachable: req.Attachable === true, Labels: { ...(req.Labels ?? {}) },
      Options: { ...(req.Options ?? {}) }, IPAM: { Driver: 'default', Options: req.IPAM?.Options ?? null, Config: config },
      bridge, mtu: Number(req.Options?.['com.docker.network.driver.mtu'] ?? this.opts.mtu ?? 1500), predefined,
    };
  }

  list(): NetworkRecord[] { return this.store.networks; }

  /** By full name, full ID or unique ID prefix (Docker's order). */
  resolve(ref: string): NetworkRecord {
    const nets = this.store.networks;
    const hit = nets.find((n) => n.Name === ref) ?? nets.find((n) => n.Id === ref);
    if (hit) return hit;
    const byPrefix = ref ? nets.filter((n) => n.Id.startsWith(ref)) : [];
    if (byPrefix.length === 1) return byPrefix[0]!;
    if (byPrefix.length > 1) throw invalid(`network ${ref} is ambiguous (${byPrefix.length} matches found based on ID prefix)`);
    throw notFound(`network ${ref} not found`);
  }

  find(ref: string): NetworkRecord | undefined {
    try { return this.resolve(ref); } catch { return undefined; }
  }

  pool(net: NetworkRecord): Pool {
    let p = this.pools.get(net.Id);
    if (!p) this.pools.set(net.Id, (p = makePool(net.IPAM.Config[0]!)));
    return p;
  }

  /** A bridge-driver network containers get interfaces on. */
  isBridge(net: NetworkRecord): boolean { return net.Driver === 'bridge' && !!net.bridge; }

  async create(req: CreateRequest): Promise<{ Id: string; Warning: string }> {
    const name = req.Name ?? '';
    if (!name) throw invalid('network name is required (Name)');
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw invalid(`invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    if (this.store.networks.some((n) => n.Name === name)) throw conflict(`network with name ${name} already exists`);
    const driver = req.Driver || 'bridge';
    if (driver !== 'bridge') throw invalid(`network driver "${driver}" is not supported (bridge only)`);
    if (req.EnableIPv6) throw invalid('IPv6 networks are not supported (EnableIPv6)');
    const configs = req.IPAM?.Config ?? [];
    if (configs.length > 1) throw invalid('only one IPAM config (--subnet) per network is supported');
    const taken = this.takenSubnets();
    let cfg: IpamConfig;
    if (configs[0]?.Subnet) {
      cfg = { ...configs[0] };
      const sub = parseCidr(cfg.Subnet!, 'subnet');
      const mine = this.store.networks.find((n) => n.IPAM.Config[0]?.Subnet && overlaps(parseCidr(n.IPAM.Config[0].Subnet), sub));
      if (mine) throw forbidden(`Pool overlaps with other one on this address space (network ${mine.Name})`);
      const route = hostRoutes().find((r) => overlaps(r.subnet, sub) && !this.ownsDevice(r.dev));
      if (route) throw forbidden(`Pool overlaps with other one on this address space (host route ${describeRoute(route)})`);
    } else {
      if (configs[0]?.Gateway || configs[0]?.IPRange) throw invalid('--gateway and --ip-range need --subnet');
      cfg = { Subnet: pickSubnet(taken) };
    }
    const pool = makePool(cfg);
    const id = randomBytes(32).toString('hex');
    const bridge = req.Options?.[BRIDGE_NAME_OPTION] || `br-${id.slice(0, 12)}`;
    if (bridge.length > 15) throw invalid(`bridge name "${bridge}" is longer than 15 characters`);
    if (this.store.networks.some((n) => n.bridge === bridge)) throw conflict(`bridge ${bridge} is already used by another network`);
    const rec = this.record({ ...req, Driver: driver }, bridge, [poolConfig(pool)], false);
    rec.Id = id;
    this.store.networks.push(rec);
    await this.store.save();
    if (this.chains && this.ups.size > 0) await this.syncRules();
    return { Id: id, Warning: '' };
  }

  private ownsDevice(dev: string): boolean { return this.store.networks.some((n) => n.bridge === dev); }

  private takenSubnets(): Cidr[] {
    const own = this.store.networks.flatMap((n) => (n.IPAM.Config[0]?.Subnet ? [parseCidr(n.IPAM.Config[0].Subnet)] : []));
    return [...own, ...hostRoutes().map((r) => r.subnet)];
  }

  /** Removes a user network; `inUse` says whether containers still run on it. */
  async remove(ref: string, inUse: (id: string) => boolean): Promise<NetworkRecord> {
    const net = this.resolve(ref);
    if (net.predefined) throw forbidden(`${net.Name} is a pre-defined network and cannot be removed`);
    if (inUse(net.Id)) throw forbidden(`error while removing network: network ${net.Name} id ${net.Id} has active endpoints`);
    await this.down(net);
    this.store.networks = this.store.networks.filter((n) => n !== net);
    this.pools.delete(net.Id);
    await this.store.save();
    if (this.chains && this.ups.size > 0) await this.syncRules();
    return net;
  }

  /** Host side of a network: bridge, rules, DNS. Done once per daemon run. */
  up(net: NetworkRecord): Promise<void> {
    let p = this.ups.get(net.Id);
    if (!p) {
      p = this.bringUp(net);
      this.ups.set(net.Id, p);
      p.catch(() => this.ups.delete(net.Id));
    }
    return p;
  }

  private async bringUp(net: NetworkRecord): Promise<void> {
    const pool = this.pool(net);
    const clash = hostRoutes().find((r) => r.dev !== net.bridge && overlaps(r.subnet, pool.subnet));
    if (clash) throw conflict(`network ${net.Name}: subnet ${formatCidr(pool.subnet)} overlaps host route ${describeRoute(clash)} (choose another subnet${net.Name === 'bridge' ? ' with --bip' : ''})`);
    const created = await ensureBridge(net.bridge, net.IPAM.Config[0]!.Gateway!, pool.subnet.prefix, net.mtu);
    if (created && !net.ownsBridge) {
      net.ownsBridge = true;
      await this.store.save();
    }
    if (this.chains) {
      if (await enableIpForward()) this.opts.logger.info({}, 'enabled net.ipv4.ip_forward for NAT');
      await this.syncRules();
    }
    if (!net.predefined && !this.dns.has(net.Id)) {
      try {
        this.dns.set(net.Id, await DnsServer.listen(net.IPAM.Config[0]!.Gateway!, (n, from) => this.lookup(n, from)));
      } catch (err) {
        this.opts.logger.warn({ err, network: net.Name }, 'embedded DNS server could not listen');
      }
    }
  }

  /** Marks that chains exist (a crashed daemon's are removed at the next shutdown). */
  private get chainsMarker(): string { return path.join(this.store.dir, 'iptables-chains'); }

  private syncRules(): Promise<void> {
    const nets = this.store.networks.filter((n) => this.isBridge(n));
    fs.writeFileSync(this.chainsMarker, `${this.chains!.forward} ${this.chains!.postrouting}\n`);
    return this.chains!.sync(nets.map((n) => ({ bridge: n.bridge, subnet: n.IPAM.Config[0]!.Subnet!, internal: n.Internal })));
  }

  private async down(net: NetworkRecord): Promise<void> {
    this.dns.get(net.Id)?.close();
    this.dns.delete(net.Id);
    this.ups.delete(net.Id);
    if (net.ownsBridge) await removeBridge(net.bridge);
  }

  /** Daemon shutdown (containers already stopped): DNS servers, bridges and chains removed. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.ups.values(), ...[...this.draining.values()].map((d) => d.done)].map((p) => p.catch(() => {})));
    for (const net of this.store.networks) if (this.isBridge(net)) await this.down(net);
    if (this.chains && fs.existsSync(this.chainsMarker)) {
      await this.chains.remove().then(() => fs.rmSync(this.chainsMarker, { force: true }), (err) => this.opts.logger.warn({ err }, 'removing iptables chains failed'));
    }
    await this.store.save();
  }
}

function ipOf(cidr: string): string { return cidr.split('/')[0]!; }
