// Parsing of -H/--host and daemon.json "hosts" values.
import type { ListenAddress } from '../api/server.js';

export const DEFAULT_SOCKET = '/run/wharf/wharf.sock';

/**
 * "unix:///path" | "unix://" (default socket) | "tcp://host:port" | "tcp://:port" | "tcp://host".
 * tcp without a port gets Docker's defaults: 2376 with TLS, 2375 without.
 */
export function parseHost(value: string, tls: boolean): ListenAddress {
  const v = value.trim();
  if (v.startsWith('unix://')) {
    const p = v.slice('unix://'.length) || DEFAULT_SOCKET;
    if (!p.startsWith('/')) throw new Error(`invalid host "${value}": unix socket path must be absolute`);
    return { proto: 'unix', path: p };
  }
  if (v.startsWith('tcp://')) {
    let rest = v.slice('tcp://'.length).replace(/\/+$/, '');
    if (rest.includes('/')) throw new Error(`invalid host "${value}": no path expected after host:port`);
    let host: string;
    let portText: string | undefined;
    const v6 = /^\[([^\]]+)\](?::(\d*))?$/.exec(rest);
    if (v6) {
      host = v6[1];
      portText = v6[2];
    } else {
      const colon = rest.lastIndexOf(':');
      host = colon >= 0 ? rest.slice(0, colon) : rest;
      portText = colon >= 0 ? rest.slice(colon + 1) : undefined;
    }
    rest = portText ?? '';
    const port = rest === '' ? (tls ? 2376 : 2375) : Number(rest);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid host "${value}": invalid port "${rest}"`);
    return { proto: 'tcp', host: host || '0.0.0.0', port };
  }
  if (v.startsWith('fd://')) throw new Error(`invalid host "${value}": socket activation (fd://) is not supported`);
  throw new Error(`invalid host "${value}": expected unix:///path/to/socket or tcp://host:port`);
}
