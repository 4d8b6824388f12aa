// /containers/*: thin HTTP wrappers around the engine's ContainerService. Streaming routes
// (attach, logs, wait) are in containers-streams.ts.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ContainerService, CreateBody } from '../../engine/containers/service.js';
import { InvalidParameterError } from '../../engine/errors.js';
import { parseFilters } from '../../engine/filters.js';
import type { RouteRegistrar } from '../engine.js';
import { jsonBody, queryBool, queryInt, queryString } from '../request.js';
import { containerStreamRoutes } from './containers-streams.js';

type IdParams = { Params: { id: string } };

const idOf = (request: FastifyRequest): string => (request.params as { id: string }).id;

/** Docker's optional stop timeout `t` (absent = the container's StopTimeout). */
function timeoutParam(request: FastifyRequest): number | undefined {
  return queryInt(request, 't') ?? queryInt(request, 'timeout');
}

export function containerRoutes(containers: ContainerService): RouteRegistrar {
  return (app: FastifyInstance) => {
    app.post('/containers/create', async (request, reply) => {
      const body = jsonBody<CreateBody>(request);
      if (!body) throw new InvalidParameterError('config cannot be empty in order to create a container');
      const created = await containers.create(queryString(request, 'name'), body);
      return reply.code(201).send(created);
    });

    app.get('/containers/json', async (request) => containers.list({
      all: queryBool(request, 'all'),
      limit: queryInt(request, 'limit', -1) ?? -1,
      size: queryBool(request, 'size'),
      filters: parseFilters(queryString(request, 'filters')),
    }));

    app.get<IdParams>('/containers/:id/json', async (request) => containers.inspect(idOf(request), queryBool(request, 'size')));

    app.post<IdParams>('/containers/:id/start', async (request, reply) => {
      await containers.start(idOf(request));
      return reply.code(204).send();
    });

    app.post<IdParams>('/containers/:id/stop', async (request, reply) => {
      await containers.stop(idOf(request), timeoutParam(request), queryString(request, 'signal'));
      return reply.code(204).send();
    });

    app.post<IdParams>('/containers/:id/restart', async (request, reply) => {
      await containers.restart(idOf(request), timeoutParam(request), queryString(request, 'signal'));
      return reply.code(204).send();
    });

    app.post<IdParams>('/containers/:id/kill', async (request, reply) => {
      await containers.kill(idOf(request), queryString(request, 'signal'));
      return reply.code(204).send();
    });

    app.post<IdParams>('/containers/:id/pause', async (request, reply) => {
      await containers.pause(idOf(request));
      return reply.code(204).send();
    });

    app.post<IdParams>('/containers/:id/unpause', async (request, reply) => {
      await containers.unpause(idOf(request));
      return reply.code(204).send();
    });

    app.post<IdParams>('/containers/:id/rename', async (request, reply) => {
      await containers.rename(idOf(request), queryString(request, 'name') ?? '');
      return reply.code(204).send();
    });

    app.delete<IdParams>('/containers/:id', async (request, reply) => {
      if (queryBool(request, 'link')) throw new InvalidParameterError('legacy links are not supported');
      await containers.remove(idOf(request), { force: queryBool(request, 'force'), removeVolumes: queryBool(request, 'v') });
      return reply.code(204).send();
    });

    app.post('/containers/prune', async (request) => containers.prune(parseFilters(queryString(request, 'filters'))));

    app.post<IdParams>('/containers/:id/resize', async (request, reply) => {
      const h = queryInt(request, 'h', 0) ?? 0;
      const w = queryInt(request, 'w', 0) ?? 0;
      if (h < 0 || w < 0 || h > 0xffff || w > 0xffff) throw new InvalidParameterError('resize: h and w must be between 0 and 65535');
      await containers.resize(idOf(request), h, w);
      return reply.code(200).type('text/plain; charset=utf-8').send('');
    });

    containerStreamRoutes(containers)(app);
  };
}
