// Port specs as Docker's go-connections/nat parses them: -p [ip:][hostPort:]containerPort[/proto]
// (ranges allowed on both sides), the long form target=80,published=8080,protocol=udp, and --expose.
import { isIP } from './ip.js';

export interface PortBinding { HostIp: string; HostPort: string }
export type PortMap = Record<string, PortBinding[]>;

const PROTOS = new Set(['tcp', 'udp', 'sctp']);

function parseUint16(s: string): number {
  if (!/^\d+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n > 65535) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** nat.ParsePortRange: "80" or "8000-8010". */
export function parsePortRange(ports: string): [number, number] {
  if (ports === '') throw new Error('empty string specified for ports');
  if (!ports.includes('-')) {
    const p = parseUint16(ports);
    return [p, p];
  }
  const [a = '', b = ''] = ports.split('-');
  const start = parseUint16(a);
  const end = parseUint16(b);
  if (end < start) throw new Error(`invalid range specified for port: ${ports}`);
  return [start, end];
}

function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split('/');
  if (raw === '' || parts[0] === '') return ['', ''];
  if (parts.length === 1) return ['tcp', raw];
  if (parts[1] === '') return ['tcp', parts[0]!];
  return [parts[1]!, parts[0]!];
}

function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(':');
  const n = parts.length;
  const container = parts[n - 1]!;
  if (n === 1) return ['', '', container];
  if (n === 2) return ['', parts[0]!, container];
  if (n === 3) return [parts[0]!, parts[1]!, container];
  return [parts.slice(0, n - 2).join(':'), parts[n - 2]!, container];
}

export interface PortMapping { port: string; binding: PortBinding }

/** nat.ParsePortSpec for one -p value. */
export function parsePortSpec(raw: string): PortMapping[] {
  let [ip, hostPort, containerPort] = splitParts(raw);
  let proto: string;
  [proto, containerPort] = splitProtoPort(containerPort);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (ip !== '' && isIP(ip) === 0) throw new Error(`invalid IP address: ${ip}`);
  if (containerPort === '') throw new Error(`no port specified: ${raw}<empty>`);
  let start: number, end: number;
  try {
    [start, end] = parsePortRange(containerPort);
  } catch {
    throw new Error(`invalid containerPort: ${containerPort}`);
  }
  let hostStart = 0, hostEnd = 0;
  if (hostPort !== '') {
    try {
      [hostStart, hostEnd] = parsePortRange(hostPort);
    } catch {
      throw new Error(`invalid hostPort: ${hostPort}`);
    }
    if (end - start !== hostEnd - hostStart && end !== start) {
      throw new Error(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
    }
  }
  if (!PROTOS.has(proto.toLowerCase())) throw new Error(`invalid proto: ${proto}`);
  const out: PortMapping[] = [];
  for (let i = 0; i <= end - start; i++) {
    let host = hostPort === '' ? '' : String(hostStart + i);
    // A single container port with a host range: the daemon picks a free port in the range.
    if (start === end && hostStart !== hostEnd) host = `${hostStart}-${hostEnd}`;
    out.push({ port: `${start + i}/${proto.toLowerCase()}`, binding: { HostIp: ip, HostPort: host } });
  }
  return out;
}

/** The long -p syntax (target=80,published=8080,protocol=udp,host-ip=...) to the short one. */
export function toStandardNotation(spec: string): string {
  if (!spec.includes('=')) return spec;
  const f: Record<string, string> = {};
  for (const field of spec.split(',')) {
    const i = field.indexOf('=');
    if (i < 0) throw new Error(`invalid field ${field}`);
    f[field.slice(0, i).toLowerCase()] = field.slice(i + 1);
  }
  if (!f.target) throw new Error('missing mandatory field "target"');
  const proto = f.protocol ? `/${f.protocol}` : '';
  const host = f['host-ip'] ? `${f['host-ip']}:` : '';
  return `${host}${f.published ?? ''}:${f.target}${proto}`;
}

/** All -p values: the exposed ports and the bindings (in order, duplicates kept). */
export function parsePublish(specs: string[]): { exposed: Record<string, object>; bindings: PortMap } {
  const exposed: Record<string, object> = {};
  const bindings: PortMap = {};
  for (const spec of specs) {
    for (const m of parsePortSpec(toStandardNotation(spec))) {
      exposed[m.port] = {};
      (bindings[m.port] ??= []).push(m.binding);
    }
  }
  return { exposed, bindings };
}

/** --expose 80, 8000-8010, 53/udp. */
export function parseExpose(spec: string): string[] {
  const [proto, port] = splitProtoPort(spec);
  let start: number, end: number;
  try {
    [start, end] = parsePortRange(port);
  } catch (err) {
    throw new Error(`invalid range format for --expose: ${spec}, error: ${(err as Error).message}`);
  }
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}
