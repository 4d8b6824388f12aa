// Docker-shaped views: a network (GET /networks, /networks/{id}) and a container's
// NetworkSettings / EndpointSettings.
import { createHash } from 'node:crypto';
import type { NetworkService } from './service.js';
import type { Attachment, ContainerEntry, EndpointRequest, NetworkRecord } from './types.js';

export function networkView(net: NetworkRecord, containers?: Record<string, unknown>): Record<string, unknown> {
  return {
    Name: net.Name, Id: net.Id, Created: net.Created, Scope: 'local', Driver: net.Driver, EnableIPv6: false,
    IPAM: net.IPAM, Internal: net.Internal, Attachable: net.Attachable, Ingress: false,
    ConfigFrom: { Network: '' }, ConfigOnly: false, Containers: containers ?? {}, Options: net.Options, Labels: net.Labels,
  };
}

/** Network inspect's Containers: the running containers with an interface on it. */
export function networkContainers(net: NetworkRecord, entries: Record<string, ContainerEntry>, nameOf: (id: string) => string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, e] of Object.entries(entries)) {
    const a = e.sandbox?.ifaces.find((i) => i.network === net.Id);
    if (a) out[id] = { Name: nameOf(id) ?? '', EndpointID: a.endpointId, MacAddress: a.mac, IPv4Address: `${a.ip}/${a.prefix}`, IPv6Address: '' };
  }
  return out;
}

export function endpointView(net: NetworkRecord | undefined, req: EndpointRequest | undefined, a: Attachment | undefined): Record<string, unknown> {
  return {
    IPAMConfig: req?.IPv4Address ? { IPv4Address: req.IPv4Address } : null,
    Links: null,
    Aliases: req?.Aliases?.length ? req.Aliases : null,
    NetworkID: net?.Id ?? '',
    EndpointID: a?.endpointId ?? '',
    Gateway: a?.gateway ?? '',
    IPAddress: a?.ip ?? '',
    IPPrefixLen: a?.prefix ?? 0,
    IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
    MacAddress: a?.mac ?? '',
    DriverOpts: null,
  };
}

/** Networks map of a container: its sandbox's interfaces, else the networks it asked for. */
export function endpointsOf(nets: NetworkService, entry: ContainerEntry | undefined, pseudo: string | null): Record<string, unknown> {
  if (pseudo) {
    const net = nets.find(pseudo);
    return { [pseudo]: endpointView(net, undefined, undefined) };
  }
  const out: Record<string, unknown> = {};
  for (const [netId, req] of Object.entries(entry?.desired ?? {})) {
    const net = nets.store.networks.find((n) => n.Id === netId);
    if (!net) continue;
    out[net.Name] = endpointView(net, req, entry?.sandbox?.ifaces.find((i) => i.network === netId));
  }
  return out;
}

/** Top-level NetworkSettings fields: those of the default bridge's interface (as Docker). */
export function sandboxSummary(nets: NetworkService, entry: ContainerEntry | undefined): Record<string, unknown> {
  const sb = entry?.sandbox;
  const bridge = nets.find('bridge');
  const a = sb?.ifaces.find((i) => i.network === bridge?.Id);
  return {
    Bridge: '', SandboxID: sb ? createHash('sha256').update(sb.netns).digest('hex') : '', HairpinMode: false,
    LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0, SandboxKey: sb?.netns ?? '',
    SecondaryIPAddresses: null, SecondaryIPv6Addresses: null, EndpointID: a?.endpointId ?? '', Gateway: a?.gateway ?? '',
    GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, IPAddress: a?.ip ?? '', IPPrefixLen: a?.prefix ?? 0, IPv6Gateway: '',
    MacAddress: a?.mac ?? '',
  };
}
