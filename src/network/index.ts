// The network layer's entry point for the engine.
import { ContainerNetworks } from './sandboxes.js';
import { NetworkService, type NetworkOptions } from './service.js';

export { NetworkService, type NetworkOptions } from './service.js';
export { ContainerNetworks } from './sandboxes.js';
export type { ContainerNetworking } from './types.js';

export interface Networking { networks: NetworkService; sandboxes: ContainerNetworks }

/** Loads networks and endpoints; `nameOf` gives a container's current name (for DNS). */
export async function openNetworking(opts: NetworkOptions, nameOf: (id: string) => string | undefined): Promise<Networking> {
  const networks = new NetworkService(opts);
  await networks.open();
  return { networks, sandboxes: new ContainerNetworks(networks, nameOf) };
}
