// What the network layer is told about a container (from its record), so the hooks in
// create/start/exit/remove and network connect/disconnect stay one-liners.
import type { ContainerNetInfo, NetHostConfig } from '../../network/types.js';
import type { Rec } from './inspect.js';

export function netInfo(rec: Pick<Rec, 'id' | 'name' | 'config'>): ContainerNetInfo {
  const spec = rec.config;
  const c = spec.Config as typeof spec.Config & { MacAddress?: string };
  return {
    id: rec.id,
    name: rec.name,
    hostname: c.Hostname ?? rec.id.slice(0, 12),
    domainname: c.Domainname || undefined,
    macAddress: c.MacAddress || undefined,
    exposedPorts: c.ExposedPorts ?? null,
    host: spec.HostConfig as NetHostConfig,
    files: { hosts: spec.HostsPath, resolvConf: spec.ResolvConfPath },
  };
}
