// Container resource routes: stats (one-shot or a stream of JSON lines every second), top and
// update (live limits).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidParameterError } from '../../engine/errors.js';
import type { ResourceService } from '../../engine/resources/service.js';
import type { UpdateBody } from '../../engine/resources/update.js';
import type { RouteRegistrar } from '../engine.js';
import { jsonBody, queryBool, queryString } from '../request.js';

type IdParams = { Params: { id: string } };

async function statsRoute(resources: ResourceService, request: FastifyRequest<IdParams>, reply: FastifyReply): Promise<void> {
  const stream = queryBool(request, 'stream', true);
  const oneShot = queryBool(request, 'one-shot');
  if (oneShot && stream) throw new InvalidParameterError('cannot have stream=true and one-shot=true');
  const abort = new AbortController();
  const frames = resources.stats(request.params.id, { stream, oneShot, signal: abort.signal });
  // The first frame (or the lookup error) comes before the headers, so errors are HTTP errors.
  const first = await frames.next();
  reply.hijack();
  const res = reply.raw;
  res.on('close', () => abort.abort());
  res.writeHead(200, { 'Content-Type': 'application/json' });
  try {
    for (let f = first; !f.done && !res.destroyed; f = await frames.next()) {
      res.write(JSON.stringify(f.value) + '\n');
    }
  } finally {
    await frames.return(undefined);
    res.end();
  }
}

export function containerResourceRoutes(resources: ResourceService): RouteRegistrar {
  return (app: FastifyInstance) => {
    app.get<IdParams>('/containers/:id/stats', (request, reply) => statsRoute(resources, request, reply));

    app.get<IdParams>('/containers/:id/top', async (request) => resources.top(request.params.id, queryString(request, 'ps_args')));

    app.post<IdParams>('/containers/:id/update', async (request) => {
      const body = jsonBody<UpdateBody>(request);
      if (!body || typeof body !== 'object') throw new InvalidParameterError('update: a JSON body with the new resources is required');
      return resources.update(request.params.id, body);
    });
  };
}
