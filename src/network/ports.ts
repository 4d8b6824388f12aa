// Published ports: Docker's PortBindings / ExposedPorts / PublishAllPorts turned into concrete
// mappings, the `-p` spec syntax, and the views Docker shows (NetworkSettings.Ports, ps Ports).
import { parseIp } from './cidr.js';
import { invalid } from './errors.js';

export type Proto = 'tcp' | 'udp';
export interface PortBinding { HostIp?: string; HostPort?: string }
export type PortMap = Record<string, PortBinding[] | null>;

/** One container port published on the host. hostPort 0 = any free port; a range = first free of it. */
export interface PortRequest { proto: Proto; containerPort: number; hostIp: string; hostPort: number; hostPortEnd: number }
/** A request once a host port is bound. */
export interface PortMapping { proto: Proto; containerPort: number; hostIp: string; hostPort: number }

function portNumber(text: string, field: string, allowZero = false): number {
  if (!/^\d+$/.test(text)) throw invalid(`invalid ${field} "${text}": expected a port number`);
  const n = Number(text);
  if (n > 65535 || (n === 0 && !allowZero)) throw invalid(`invalid ${field} "${text}": port numbers are 1-65535`);
  return n;
}

function portRange(text: string, field: string, allowZero = false): [number, number] {
  const [a, b] = text.split('-');
  const start = portNumber(a!, field, allowZero);
  const end = b === undefined ? start : portNumber(b, field);
  if (end < start) throw invalid(`invalid ${field} "${text}": the range end is before its start`);
  return [start, end];
}

/** "80/tcp" → port and protocol (tcp when omitted). */
export function parsePortKey(key: string): { port: number; proto: Proto } {
  const [p, proto = 'tcp'] = key.split('/');
  if (proto !== 'tcp' && proto !== 'udp') throw invalid(`invalid port "${key}": protocol must be tcp or udp (sctp is not supported)`);
  return { port: portNumber(p!, 'container port'), proto };
}

/**
 * The CLI's `-p [ip:][hostPort[-end]:]containerPort[-end][/proto]` as PortBindings entries (ranges
 * expanded pairwise, as docker does). Exposed in case wharf's own CLI wants it.
 */
export function parsePublishSpec(spec: string): PortMap {
  let rest = spec.trim();
  let proto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) { proto = rest.slice(slash + 1); rest = rest.slice(0, slash); }
  if (proto !== 'tcp' && proto !== 'udp') throw invalid(`invalid publish spec "${spec}": protocol must be tcp or udp`);
  const parts = rest.split(':');
  if (parts.length > 3) throw invalid(`invalid publish spec "${spec}": expected [ip:][hostPort:]containerPort[/proto]`);
  const containerText = parts.pop()!;
  const hostText = parts.pop() ?? '';
  const ip = parts.pop() ?? '';
  if (ip) parseIp(ip, `host IP in "${spec}"`);
  const [cStart, cEnd] = portRange(containerText, 'container port');
  const host = hostText === '' ? null : portRange(hostText, 'host port');
  const count = cEnd - cStart + 1;
  if (host && host[1] - host[0] + 1 !== count && !(count === 1)) {
    throw invalid(`invalid publish spec "${spec}": host and container port ranges must be the same size`);
  }
  const out: PortMap = {};
  for (let i = 0; i < count; i++) {
    let hostPort = '';
    if (host) hostPort = count === 1 && host[1] !== host[0] ? `${host[0]}-${host[1]}` : String(host[0] + i);
    (out[`${cStart + i}/${proto}`] ??= []).push({ HostIp: ip, HostPort: hostPort });
  }
  return out;
}

/**
 * What to publish for a container: its PortBindings, plus every exposed port with an ephemeral
 * host port under PublishAllPorts. `defaultIp` is the daemon's --ip.
 */
export function planPorts(bindings: PortMap | null | undefined, exposed: Record<string, unknown> | null | undefined, publishAll: boolean, defaultIp: string): PortRequest[] {
  const out: PortRequest[] = [];
  const keys = new Set(Object.keys(bindings ?? {}));
  for (const [key, list] of Object.entries(bindings ?? {})) {
    const { port, proto } = parsePortKey(key);
    const entries = list && list.length ? list : [{}];
    for (const b of entries) {
      const hostIp = b.HostIp || defaultIp;
      parseIp(hostIp, `host IP of port ${key}`);
      const [start, end] = b.HostPort ? portRange(b.HostPort, `host port of ${key}`, true) : [0, 0];
      out.push({ proto, containerPort: port, hostIp, hostPort: start, hostPortEnd: end });
    }
  }
  if (publishAll) {
    for (const key of Object.keys(exposed ?? {})) {
      if (keys.has(key)) continue;
      const { port, proto } = parsePortKey(key);
      out.push({ proto, containerPort: port, hostIp: defaultIp, hostPort: 0, hostPortEnd: 0 });
    }
  }
  return out;
}

/** NetworkSettings.Ports: bound ports, and exposed ones without a binding as null. */
export function portsView(mappings: PortMapping[], exposed: Record<string, unknown> | null | undefined): PortMap {
  const out: PortMap = {};
  for (const key of Object.keys(exposed ?? {})) out[key] = null;
  for (const m of mappings) {
    (out[`${m.containerPort}/${m.proto}`] ??= []).push({ HostIp: m.hostIp, HostPort: String(m.hostPort) });
  }
  return out;
}

/** The Ports column of GET /containers/json. */
export function psPorts(mappings: PortMapping[], exposed: Record<string, unknown> | null | undefined): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = mappings.map((m) => ({ IP: m.hostIp, PrivatePort: m.containerPort, PublicPort: m.hostPort, Type: m.proto }));
  for (const key of Object.keys(exposed ?? {})) {
    const [p, proto = 'tcp'] = key.split('/');
    if (!mappings.some((m) => `${m.containerPort}/${m.proto}` === `${p}/${proto}`)) out.push({ PrivatePort: Number(p), Type: proto });
  }
  return out;
}
