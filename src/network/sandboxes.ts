// Container hooks: a sandbox (network namespace + one veth per network) made at start with its
// addresses, published ports and /etc files; released at exit; connect/disconnect while running;
// names answered for the embedded DNS; daemon-start sweep of what a crash left behind.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { contains, parseIp } from './cidr.js';
import { forbidden, invalid, notFound } from './errors.js';
import { hostsFile, parseExtraHosts, resolvConf } from './etc-files.js';
import { allocate, macFor, parseMac } from './ipam.js';
import { addInterfaces, createSandbox, listSandboxes, removeInterface, removeSandbox, type IfaceSpec } from './netns.js';
import { planPorts, portsView, psPorts } from './ports.js';
import { openProxy, type Proxy } from './proxy.js';
import type { NetworkService } from './service.js';
import type { Attachment, ContainerEntry, ContainerNetInfo, ContainerNetworking, EndpointRequest, NetworkingConfig, NetworkRecord } from './types.js';
import { endpointsOf, sandboxSummary } from './views.js';

type Mode = { kind: 'bridge'; net: NetworkRecord } | { kind: 'none' | 'host' | 'container' };

export class ContainerNetworks implements ContainerNetworking {
  private readonly proxies = new Map<string, Proxy[]>();

  constructor(private readonly nets: NetworkService, private readonly nameOf: (id: string) => string | undefined) {
    nets.lookup = (name, from) => this.lookup(name, from);
  }

  private get entries(): Record<string, ContainerEntry> { return this.nets.store.entries; }

  private mode(mode: string | undefined): Mode {
    if (!mode || mode === 'default' || mode === 'bridge') {
      const net = this.nets.find('bridge');
      return net ? { kind: 'bridge', net } : { kind: 'none' };
    }
    if (mode === 'none' || mode === 'host') return { kind: mode };
    if (mode.startsWith('container:')) return { kind: 'container' };
    const net = this.nets.resolve(mode);
    if (net.Driver === 'host') return { kind: 'host' };
    if (net.Driver === 'null') return { kind: 'none' };
    return { kind: 'bridge', net };
  }

  private hostGateway(): string | undefined {
    return this.nets.find('bridge')?.IPAM.Config[0]?.Gateway;
  }

  private endpointRequest(net: NetworkRecord, ep: NonNullable<NonNullable<NetworkingConfig['EndpointsConfig']>[string]>, field: string): EndpointRequest {
    const ip = ep.IPAMConfig?.IPv4Address || undefined;
    if (ip) {
      if (net.predefined) throw invalid(`${field}: user specified IP address is supported on user defined networks only`);
      if (!contains(this.nets.pool(net).subnet, parseIp(ip, `${field} IPv4Address`))) throw invalid(`${field}: address ${ip} is not in the subnet of network ${net.Name}`);
    }
    const aliases = (ep.Aliases ?? []).filter(Boolean);
    if (aliases.length && net.predefined) throw invalid(`${field}: network-scoped alias is supported only for containers in user defined networks`);
    const mac = ep.MacAddress ? parseMac(ep.MacAddress, `${field} MacAddress`) : undefined;
    return { ...(aliases.length ? { Aliases: aliases } : {}), ...(ip ? { IPv4Address: ip } : {}), ...(mac ? { MacAddress: mac } : {}) };
  }

  async register(c: ContainerNetInfo, networking: NetworkingConfig | null | undefined): Promise<void> {
    const mode = this.mode(c.host.NetworkMode);
    const desired: Record<string, EndpointRequest> = {};
    if (mode.kind === 'bridge') desired[mode.net.Id] = {};
    for (const [ref, ep] of Object.entries(networking?.EndpointsConfig ?? {})) {
      if (mode.kind !== 'bridge' && ref === c.host.NetworkMode) continue; // the endpoint of none/host/container:<x> itself
      // Newer CLIs key the default network's endpoint as "default".
      const net = ref === 'default' && mode.kind === 'bridge' ? mode.net : this.nets.resolve(ref);
      if (!this.nets.isBridge(net)) continue; // the host/none pseudo network of the mode itself
      if (mode.kind !== 'bridge') throw invalid(`conflicting options: network mode ${c.host.NetworkMode} cannot be combined with network ${net.Name}`);
      desired[net.Id] = this.endpointRequest(net, ep ?? {}, `NetworkingConfig.EndpointsConfig.${ref}`);
    }
    if (c.macAddress) parseMac(c.macAddress, 'MacAddress');
    planPorts(c.host.PortBindings, c.exposedPorts, c.host.PublishAllPorts === true, this.nets.defaultIp);
    parseExtraHosts(c.host.ExtraHosts, this.hostGateway());
    resolvConf({ dns: c.host.Dns, dnsSearch: c.host.DnsSearch, dnsOptions: c.host.DnsOptions }, '');
    this.entries[c.id] = { desired };
    await this.nets.store.save();
  }

  async attach(c: ContainerNetInfo): Promise<{ netnsPath?: string }> {
    const entry = (this.entries[c.id] ??= { desired: {} });
    if (entry.sandbox || this.proxies.has(c.id)) await this.release(c.id);
    // A restart reuses the path: the previous run's namespace must be unpinned first.
    await this.nets.draining.get(path.join(this.nets.netnsDir, c.id))?.done;
    const mode = this.mode(c.host.NetworkMode);
    if (mode.kind !== 'bridge') {
      if (mode.kind === 'none') await this.writeFiles(c, [], undefined);
      return {};
    }
    if (!entry.desired[mode.net.Id]) entry.desired = { [mode.net.Id]: {}, ...entry.desired };
    const networks = Object.keys(entry.desired).map((id) => {
      const net = this.nets.store.networks.find((n) => n.Id === id);
      if (!net) throw notFound(`network ${id} not found`);
      return net;
    });
    await Promise.all(networks.map((n) => this.nets.up(n)));
    // Allocation and reservation without an await in between: parallel starts see each other.
    const ifaces = networks.map((net, i) => this.newAttachment(c, net, entry.desired[net.Id]!, i, i === 0 ? c.macAddress : undefined));
    const via = networks.findIndex((n) => !n.Internal);
    const netns = path.join(this.nets.netnsDir, c.id);
    entry.sandbox = { netns, ifaces, ports: [] };
    const opened: Proxy[] = [];
    try {
      for (const req of planPorts(c.host.PortBindings, c.exposedPorts, c.host.PublishAllPorts === true, this.nets.defaultIp)) {
        opened.push(await openProxy(req, ifaces[0]!.ip));
      }
      const embedded = networks.find((n) => !n.predefined)?.IPAM.Config[0]?.Gateway;
      entry.sandbox.ports = opened.map((p) => p.mapping);
      await Promise.all([
        createSandbox(netns, ifaces.map((a, i) => this.ifaceSpec(a, networks[i]!, i === via))),
        this.writeFiles(c, [ifaces[0]!.ip], embedded),
      ]);
      this.proxies.set(c.id, opened);
      await this.nets.store.save();
    } catch (err) {
      for (const p of opened) p.close();
      this.proxies.delete(c.id);
      delete entry.sandbox;
      await removeSandbox(netns).catch(() => {});
      await this.nets.store.save();
      throw err;
    }
    return { netnsPath: netns };
  }

  private newAttachment(c: ContainerNetInfo, net: NetworkRecord, req: EndpointRequest, index: number, mac?: string): Attachment {
    const used = new Set<string>();
    for (const e of Object.values(this.entries)) for (const a of e.sandbox?.ifaces ?? []) if (a.network === net.Id) used.add(a.ip);
    // Addresses still configured in a namespace being unpinned are not handed out yet.
    for (const d of this.nets.draining.values()) for (const a of d.ifaces) if (a.network === net.Id) used.add(a.ip);
    const pool = this.nets.pool(net);
    const ip = allocate(pool, used, req.IPv4Address);
    return {
      network: net.Id, endpointId: randomBytes(32).toString('hex'), ifname: `eth${index}`,
      hostVeth: `wh${this.nets.tag.slice(0, 4)}${randomBytes(4).toString('hex')}`, ip, prefix: pool.subnet.prefix,
      gateway: net.IPAM.Config[0]!.Gateway!, mac: req.MacAddress || mac || macFor(ip), aliases: [...(req.Aliases ?? [])],
    };
  }

  private ifaceSpec(a: Attachment, net: NetworkRecord, defaultRoute: boolean): IfaceSpec {
    return { ifname: a.ifname, hostVeth: a.hostVeth, bridge: net.bridge, mtu: net.mtu, mac: a.mac, ip: a.ip, prefix: a.prefix, defaultVia: defaultRoute && !net.Internal ? a.gateway : undefined };
  }

  private async writeFiles(c: ContainerNetInfo, ips: string[], embedded: string | undefined): Promise<void> {
    const h = c.host;
    if (!ips.length && !h.ExtraHosts?.length && !h.Dns?.length && !h.DnsSearch?.length && !h.DnsOptions?.length) return;
    const extra = parseExtraHosts(h.ExtraHosts, this.hostGateway());
    await Promise.all([
      fs.writeFile(c.files.hosts, hostsFile({ hostname: c.hostname, domainname: c.domainname, ips, extra })),
      fs.writeFile(c.files.resolvConf, resolvConf({ dns: h.Dns, dnsSearch: h.DnsSearch, dnsOptions: h.DnsOptions, embedded })),
    ]);
  }

  async release(id: string): Promise<void> {
    for (const p of this.proxies.get(id) ?? []) p.close();
    this.proxies.delete(id);
    const entry = this.entries[id];
    const sb = entry?.sandbox;
    if (entry) delete entry.sandbox;
    const netns = sb?.netns ?? path.join(this.nets.netnsDir, id);
    // The unpinning (an umount) is off the exit/removal path: the daemon tracks it, a
    // restart of the container and the daemon's shutdown await it, a crash leaves it to sweep().
    if (!this.nets.draining.has(netns)) {
      const done = removeSandbox(netns)
        .catch((err) => this.nets.opts.logger.warn({ err, netns }, 'removing the network namespace failed'))
        .finally(() => this.nets.draining.delete(netns));
      this.nets.draining.set(netns, { done, ifaces: sb?.ifaces ?? [] });
    }
    if (sb) await this.nets.store.save();
  }

  async forget(id: string): Promise<void> {
    await this.release(id);
    if (!this.entries[id]) return;
    delete this.entries[id];
    await this.nets.store.save();
  }

  async sweep(existing: Set<string>, running: Set<string>): Promise<void> {
    for (const [id, e] of Object.entries(this.entries)) {
      if (!existing.has(id)) await this.forget(id);
      else if (e.sandbox && !running.has(id)) await this.release(id);
      else if (e.sandbox && !this.proxies.has(id)) await this.restore(id, e);
    }
    const owned = new Set(Object.values(this.entries).map((e) => e.sandbox?.netns));
    for (const file of listSandboxes(this.nets.netnsDir)) if (!owned.has(file) && !this.nets.draining.has(file)) await removeSandbox(file);
  }

  /** A container still running after a daemon restart: networks up again, ports served again. */
  private async restore(id: string, e: ContainerEntry): Promise<void> {
    const sb = e.sandbox!;
    for (const a of sb.ifaces) {
      const net = this.nets.store.networks.find((n) => n.Id === a.network);
      if (net) await this.nets.up(net).catch((err) => this.nets.opts.logger.warn({ err, id }, 'network restore failed'));
    }
    const opened: Proxy[] = [];
    for (const m of sb.ports) {
      try {
        opened.push(await openProxy({ ...m, hostPortEnd: m.hostPort }, sb.ifaces[0]!.ip));
      } catch (err) {
        this.nets.opts.logger.warn({ err, id, port: m.hostPort }, 'published port could not be restored');
      }
    }
    this.proxies.set(id, opened);
  }

  /** True when a running container has an interface on the network. */
  inUse(netId: string): boolean {
    return Object.values(this.entries).some((e) => e.sandbox?.ifaces.some((a) => a.network === netId));
  }

  /** network rm: requests of stopped containers for the network are dropped. */
  async dropNetwork(netId: string): Promise<void> {
    for (const e of Object.values(this.entries)) delete e.desired[netId];
    await this.nets.store.save();
  }

  async connect(c: ContainerNetInfo, running: boolean, ref: string, ep: Parameters<ContainerNetworks['endpointRequest']>[1]): Promise<void> {
    const net = this.nets.resolve(ref);
    const mode = this.mode(c.host.NetworkMode);
    if (mode.kind !== 'bridge') throw forbidden(`container sharing network namespace with another container or host cannot be connected to any other network (mode ${c.host.NetworkMode})`);
    if (!this.nets.isBridge(net)) throw forbidden(`container cannot be disconnected from host network or connected to host network`);
    const entry = (this.entries[c.id] ??= { desired: { [mode.net.Id]: {} } });
    if (entry.desired[net.Id]) throw forbidden(`endpoint with name ${c.name} already exists in network ${net.Name}`);
    const req = this.endpointRequest(net, ep ?? {}, 'EndpointConfig');
    entry.desired[net.Id] = req;
    const sb = entry.sandbox;
    if (running && sb) {
      try {
        await this.nets.up(net);
        const a = this.newAttachment(c, net, req, nextIndex(sb.ifaces), undefined);
        sb.ifaces.push(a);
        await addInterfaces(sb.netns, [this.ifaceSpec(a, net, false)]).catch((err) => { sb.ifaces.splice(sb.ifaces.indexOf(a), 1); throw err; });
      } catch (err) {
        delete entry.desired[net.Id];
        throw err;
      }
    }
    await this.nets.store.save();
  }

  async disconnect(c: ContainerNetInfo, ref: string): Promise<void> {
    const net = this.nets.resolve(ref);
    const entry = this.entries[c.id];
    if (!entry?.desired[net.Id]) throw forbidden(`container ${c.id} is not connected to network ${net.Name}`);
    const sb = entry.sandbox;
    const a = sb?.ifaces.find((i) => i.network === net.Id);
    if (sb && a) {
      await removeInterface(sb.netns, a.ifname);
      sb.ifaces.splice(sb.ifaces.indexOf(a), 1);
    }
    delete entry.desired[net.Id];
    await this.nets.store.save();
  }

  /** Embedded DNS: names of containers sharing a user network with the querier. */
  lookup(name: string, from: string): string[] | null {
    let qnets: Set<string> | undefined;
    for (const e of Object.values(this.entries)) {
      const own = e.sandbox?.ifaces.find((a) => a.ip === from);
      if (own) { qnets = new Set(e.sandbox!.ifaces.map((a) => a.network)); break; }
    }
    if (!qnets) return null;
    const userNets = new Set([...qnets].filter((id) => !this.nets.store.networks.find((n) => n.Id === id)?.predefined));
    const out: string[] = [];
    for (const [id, e] of Object.entries(this.entries)) {
      for (const a of e.sandbox?.ifaces ?? []) {
        if (!userNets.has(a.network)) continue;
        const cname = this.nameOf(id)?.toLowerCase();
        if (name === cname || a.aliases.some((x) => x.toLowerCase() === name) || (name.length >= 12 && id.startsWith(name))) out.push(a.ip);
      }
    }
    return out.length ? out : null;
  }

  view(id: string, modeText: string | undefined, exposed: Record<string, unknown> | null | undefined): ReturnType<ContainerNetworking['view']> {
    const entry = this.entries[id];
    let pseudo: string | null = null;
    let mode: Mode | undefined;
    try { mode = this.mode(modeText); } catch { /* network removed since */ }
    if (mode?.kind === 'none' || mode?.kind === 'host') pseudo = mode.kind;
    const networks = mode?.kind === 'container' ? {} : endpointsOf(this.nets, entry, pseudo);
    const sb = entry?.sandbox;
    return {
      settings: { ...sandboxSummary(this.nets, entry), Ports: sb ? portsView(sb.ports, exposed) : {}, Networks: networks },
      ports: sb ? psPorts(sb.ports, exposed) : [],
      networks,
    };
  }
}

function nextIndex(ifaces: Attachment[]): number {
  let i = 0;
  while (ifaces.some((a) => a.ifname === `eth${i}`)) i++;
  return i;
}
