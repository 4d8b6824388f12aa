// Which host serves a repository and how to talk to it: Docker Hub naming, mirrors, and the
// insecure (plain HTTP allowed, TLS unverified) registries — loopback always, plus the configured ones.
import { isIP } from 'node:net';

export const DOCKER_HUB_DOMAIN = 'docker.io';
export const DOCKER_HUB_REGISTRY = 'registry-1.docker.io';
/** The key Docker uses for Hub credentials in config.json and X-Registry-Auth. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

export interface RegistryConfig {
  /** host[:port] names or CIDRs (e.g. 10.0.0.0/8) allowed over HTTP / unverified TLS. */
  insecureRegistries?: string[];
  /** Mirrors of Docker Hub (URLs), tried in order before registry-1.docker.io. */
  mirrors?: string[];
  maxConcurrentDownloads?: number;
  maxConcurrentUploads?: number;
}

/** The registry host (host[:port]) for a reference domain. */
export function registryHost(domain: string): string {
  return domain === DOCKER_HUB_DOMAIN || domain === 'index.docker.io' ? DOCKER_HUB_REGISTRY : domain;
}

function hostOnly(hostPort: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(hostPort);
  if (m) return m[1]!;
  const i = hostPort.lastIndexOf(':');
  return i > 0 && hostPort.indexOf(':') === i ? hostPort.slice(0, i) : hostPort;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, p) => (n << 8) + Number(p), 0) >>> 0;
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (isIP(ip) !== 4 || isIP(net!) !== 4 || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ipv4ToInt(ip) & mask) === (ipv4ToInt(net!) & mask);
}

/** True when `hostPort` may be used over plain HTTP (Docker's rules: loopback + insecure-registries). */
export function isInsecureRegistry(hostPort: string, cfg: RegistryConfig = {}): boolean {
  const host = hostOnly(hostPort);
  if (host === 'localhost' || host === '::1' || inCidr(host, '127.0.0.0/8')) return true;
  for (const entry of cfg.insecureRegistries ?? []) {
    const e = entry.replace(/^https?:\/\//, '').replace(/\/$/, '');
    if (e === hostPort || e === host) return true;
    if (e.includes('/') && inCidr(host, e)) return true;
  }
  return false;
}

/** Checks insecure-registries / registry-mirrors values; throws naming the bad entry. */
export function validateRegistryConfig(cfg: RegistryConfig): void {
  for (const e of cfg.insecureRegistries ?? []) {
    if (!e || /\s/.test(e)) throw new Error(`insecure-registries: invalid entry ${JSON.stringify(e)}`);
    if (e.includes('/') && !/^https?:\/\//.test(e) && !/^[0-9.]+\/\d{1,2}$/.test(e)) throw new Error(`insecure-registries: invalid CIDR ${JSON.stringify(e)}`);
  }
  for (const m of cfg.mirrors ?? []) {
    let u: URL;
    try { u = new URL(m); } catch { throw new Error(`registry-mirrors: invalid URL ${JSON.stringify(m)}`); }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`registry-mirrors: ${m} must be an http(s) URL`);
  }
  for (const [k, v] of [['max-concurrent-downloads', cfg.maxConcurrentDownloads], ['max-concurrent-uploads', cfg.maxConcurrentUploads]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new Error(`${k}: must be a positive integer, got ${v}`);
  }
}

/** Endpoints to try for a domain: Hub mirrors first, then the registry itself. */
export function endpointsFor(domain: string, cfg: RegistryConfig = {}): Array<{ host: string; scheme?: 'http' | 'https'; mirror: boolean }> {
  const out: Array<{ host: string; scheme?: 'http' | 'https'; mirror: boolean }> = [];
  if (registryHost(domain) === DOCKER_HUB_REGISTRY) {
    for (const m of cfg.mirrors ?? []) {
      const u = new URL(m);
      out.push({ host: u.host, scheme: u.protocol === 'http:' ? 'http' : 'https', mirror: true });
    }
  }
  out.push({ host: registryHost(domain), mirror: false });
  return out;
}
