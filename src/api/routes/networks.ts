// /networks/*: list, inspect, create, remove, connect, disconnect, prune (Docker Engine API).
import type { FastifyInstance } from 'fastify';
import { InvalidParameterError } from '../../engine/errors.js';
import { exactMatch, fuzzyMatch, matchKeyValueList, parseFilters, validateFilterKeys, type FilterArgs } from '../../engine/filters.js';
import type { ContainerNetworks } from '../../network/sandboxes.js';
import type { CreateRequest, NetworkService } from '../../network/service.js';
import type { ContainerNetInfo, NetworkRecord } from '../../network/types.js';
import { networkContainers, networkView } from '../../network/views.js';
import type { RouteRegistrar } from '../engine.js';
import { jsonBody, queryString } from '../request.js';
import type { ContainerService } from '../../engine/containers/service.js';
import { netInfo } from '../../engine/containers/network-info.js';
import type { EventBus } from '../../engine/events.js';
import type { Networking } from '../../network/index.js';

export interface NetworkBackend {
  networks: NetworkService;
  sandboxes: ContainerNetworks;
  /** A container by name/ID (404 otherwise), whether it runs, and a lock around the change. */
  container(ref: string): { info: ContainerNetInfo; running: boolean };
  nameOf(id: string): string | undefined;
  withLock<T>(id: string, fn: () => Promise<T>): Promise<T>;
  emit(action: string, net: NetworkRecord, extra?: Record<string, string>): void;
}

type IdParams = { Params: { id: string } };

function matches(net: NetworkRecord, f: FilterArgs, inUse: boolean): boolean {
  const type = net.predefined ? 'builtin' : 'custom';
  if (f.get('dangling')?.size) {
    const want = [...f.get('dangling')!][0] === 'true' || [...f.get('dangling')!][0] === '1';
    if (net.predefined || inUse === want) return false;
  }
  return fuzzyMatch(f, 'name', net.Name) && fuzzyMatch(f, 'id', net.Id) && exactMatch(f, 'driver', net.Driver)
    && exactMatch(f, 'type', type) && exactMatch(f, 'scope', 'local') && matchKeyValueList(f, 'label', net.Labels);
}

export function networkRoutes(b: NetworkBackend): RouteRegistrar {
  const { networks, sandboxes } = b;
  const view = (net: NetworkRecord, withContainers: boolean) =>
    networkView(net, withContainers ? networkContainers(net, networks.store.entries, (id) => b.nameOf(id)) : undefined);

  return (app: FastifyInstance) => {
    app.get('/networks', async (request) => {
      const f = parseFilters(queryString(request, 'filters'));
      validateFilterKeys(f, ['name', 'id', 'driver', 'label', 'type', 'scope', 'dangling']);
      return networks.list().filter((n) => matches(n, f, sandboxes.inUse(n.Id))).map((n) => view(n, false));
    });

    app.get<IdParams>('/networks/:id', async (request) => view(networks.resolve(request.params.id), true));

    app.post('/networks/create', async (request, reply) => {
      const body = jsonBody<CreateRequest>(request);
      if (!body || typeof body !== 'object') throw new InvalidParameterError('network create: a JSON body with Name is required');
      const out = await networks.create(body);
      b.emit('create', networks.resolve(out.Id), { type: body.Driver || 'bridge' });
      return reply.code(201).send(out);
    });

    app.delete<IdParams>('/networks/:id', async (request, reply) => {
      const net = await networks.remove(request.params.id, (id) => sandboxes.inUse(id));
      await sandboxes.dropNetwork(net.Id);
      b.emit('destroy', net, { type: net.Driver });
      return reply.code(204).send();
    });

    app.post<IdParams>('/networks/:id/connect', async (request, reply) => {
      const body = jsonBody<{ Container?: string; EndpointConfig?: Parameters<ContainerNetworks['connect']>[3] }>(request) ?? {};
      if (!body.Container) throw new InvalidParameterError('network connect: Container is required');
      const { info } = b.container(body.Container);
      const net = networks.resolve(request.params.id);
      await b.withLock(info.id, () => sandboxes.connect(info, b.container(info.id).running, net.Id, body.EndpointConfig ?? {}));
      b.emit('connect', net, { container: info.id });
      return reply.code(200).send();
    });

    app.post<IdParams>('/networks/:id/disconnect', async (request, reply) => {
      const body = jsonBody<{ Container?: string; Force?: boolean }>(request) ?? {};
      if (!body.Container) throw new InvalidParameterError('network disconnect: Container is required');
      const { info } = b.container(body.Container);
      const net = networks.resolve(request.params.id);
      await b.withLock(info.id, () => sandboxes.disconnect(info, net.Id));
      b.emit('disconnect', net, { container: info.id });
      return reply.code(200).send();
    });

    app.post('/networks/prune', async (request) => {
      const f = parseFilters(queryString(request, 'filters'));
      validateFilterKeys(f, ['label', 'label!', 'until']);
      const until = f.get('until')?.size ? [...f.get('until')!][0]! : undefined;
      const untilMs = until === undefined ? undefined : (/^\d+(\.\d+)?$/.test(until) ? Number(until) * 1000 : Date.parse(until));
      const deleted: string[] = [];
      for (const net of [...networks.list()]) {
        if (net.predefined || sandboxes.inUse(net.Id) || !matchKeyValueList(f, 'label', net.Labels)) continue;
        if (f.get('label!')?.size && [...f.get('label!')!].some((l) => matchKeyValueList(new Map([['label', new Set([l])]]), 'label', net.Labels))) continue;
        if (untilMs !== undefined && Date.parse(net.Created) >= untilMs) continue;
        await networks.remove(net.Id, () => false);
        await sandboxes.dropNetwork(net.Id);
        b.emit('destroy', net, { type: net.Driver });
        deleted.push(net.Name);
      }
      return { NetworksDeleted: deleted };
    });
  };
}

/** The backend over the engine's container service and event bus. */
export function networkBackend(net: Networking, containers: ContainerService, events: EventBus): NetworkBackend {
  return {
    ...net,
    container: (ref) => {
      const rec = containers.get(ref);
      return { info: netInfo(rec), running: rec.state.Running && !rec.state.Restarting };
    },
    nameOf: (id) => {
      try { const rec = containers.get(id); return rec.id === id ? rec.name : undefined; } catch { return undefined; }
    },
    withLock: (id, fn) => containers.ctx.withLock(id, fn),
    emit: (action, n, extra = {}) => events.emit('network', action, { ID: n.Id, Attributes: { name: n.Name, type: n.Driver, ...extra } }),
  };
}
