// Records of the network layer (persisted under <data-root>/network) and the contract with the
// engine: the hooks container create/start/exit/remove call. Field names follow Docker's where
// they are shown by the API.
import type { IpamConfig } from './ipam.js';
import type { PortMap, PortMapping } from './ports.js';

export interface NetworkRecord {
  Id: string;
  Name: string;
  Driver: string;
  Created: string;
  Internal: boolean;
  Attachable: boolean;
  Labels: Record<string, string>;
  Options: Record<string, string>;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: IpamConfig[] };
  /** Host bridge device (empty for the host/none pseudo networks). */
  bridge: string;
  mtu: number;
  /** bridge/host/none: cannot be removed. */
  predefined: boolean;
  /** The daemon created the bridge device, so it removes it. */
  ownsBridge?: boolean;
}

/** What a container asked for on one network (NetworkingConfig / network connect). */
export interface EndpointRequest { Aliases?: string[] | null; IPv4Address?: string; MacAddress?: string }

/** One interface of a running container. */
export interface Attachment {
  network: string;
  endpointId: string;
  ifname: string;
  hostVeth: string;
  ip: string;
  prefix: number;
  gateway: string;
  mac: string;
  aliases: string[];
}

export interface Sandbox { netns: string; ifaces: Attachment[]; ports: PortMapping[] }

/** Per container: requested networks (by network ID) and, while it runs, its sandbox. */
export interface ContainerEntry { desired: Record<string, EndpointRequest>; sandbox?: Sandbox }

/** The HostConfig fields networking reads (Docker's names). */
export interface NetHostConfig {
  NetworkMode?: string;
  PortBindings?: PortMap | null;
  PublishAllPorts?: boolean;
  Dns?: string[] | null;
  DnsSearch?: string[] | null;
  DnsOptions?: string[] | null;
  ExtraHosts?: string[] | null;
}

/** What the network layer needs to know of a container. */
export interface ContainerNetInfo {
  id: string;
  name: string;
  hostname: string;
  domainname?: string;
  /** Config.MacAddress (API < 1.44 puts --mac-address there). */
  macAddress?: string;
  exposedPorts?: Record<string, unknown> | null;
  host: NetHostConfig;
  /** The container's generated files, rewritten at start. */
  files: { hosts: string; resolvConf: string };
}

/** Docker's NetworkingConfig (create body). */
export interface NetworkingConfig {
  EndpointsConfig?: Record<string, { Aliases?: string[] | null; IPAMConfig?: { IPv4Address?: string } | null; MacAddress?: string } | null> | null;
}

/** The hooks the container service calls. */
export interface ContainerNetworking {
  /** Create: checks mode, endpoints, ports, DNS and host entries; records the requested networks. */
  register(c: ContainerNetInfo, networking: NetworkingConfig | null | undefined): Promise<void>;
  /** Start: sandbox, addresses, published ports, /etc files. Returns the netns to join, if any. */
  attach(c: ContainerNetInfo): Promise<{ netnsPath?: string }>;
  /** After exit or a failed start: sandbox, veths, ports and leases released. */
  release(id: string): Promise<void>;
  /** Remove: forgets the container. */
  forget(id: string): Promise<void>;
  /** Daemon start: sandboxes of running containers served again, everything else released. */
  sweep(existing: Set<string>, running: Set<string>): Promise<void>;
  /** NetworkSettings for inspect, and the Ports/Networks of the list summary. */
  view(id: string, mode: string | undefined, exposed: Record<string, unknown> | null | undefined): {
    settings: Record<string, unknown>; ports: Record<string, unknown>[]; networks: Record<string, unknown>;
  };
}
