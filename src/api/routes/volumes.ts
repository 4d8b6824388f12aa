// /volumes/*: thin HTTP wrappers around the volume service (list, create, inspect, remove, prune).
import type { FastifyInstance } from 'fastify';
import { InvalidParameterError } from '../../engine/errors.js';
import { parseFilters } from '../../engine/filters.js';
import type { CreateVolumeBody, VolumeService } from '../../volume/index.js';
import type { RouteRegistrar } from '../engine.js';
import { jsonBody, queryBool, queryString } from '../request.js';

type NameParams = { Params: { name: string } };

export function volumeRoutes(volumes: VolumeService): RouteRegistrar {
  return (app: FastifyInstance) => {
    app.get('/volumes', async (request) => volumes.list(parseFilters(queryString(request, 'filters'))));

    app.post('/volumes/create', async (request, reply) => {
      const body = jsonBody<CreateVolumeBody>(request) ?? {};
      if (typeof body !== 'object' || Array.isArray(body)) throw new InvalidParameterError('volume create: the body must be a JSON object');
      return reply.code(201).send(await volumes.create(body));
    });

    app.post('/volumes/prune', async (request) => volumes.prune(parseFilters(queryString(request, 'filters')), request.apiVersion));

    app.get<NameParams>('/volumes/:name', async (request) => volumes.inspect(request.params.name));

    app.delete<NameParams>('/volumes/:name', async (request, reply) => {
      await volumes.remove(request.params.name, queryBool(request, 'force'));
      return reply.code(204).send();
    });
  };
}
