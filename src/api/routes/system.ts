// System routes: /_ping, /version, /info, /events.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ApiEngine, RouteRegistrar } from '../engine.js';
import { infoResponse, versionResponse } from '../system-info.js';
import { MAX_API_VERSION } from '../version.js';
import { streamEvents } from './events.js';

function pingHeaders(reply: FastifyReply): FastifyReply {
  return reply.headers({
    'Api-Version': MAX_API_VERSION,
    'Builder-Version': '1',
    'Swarm': 'inactive',
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    'Pragma': 'no-cache',
  });
}

export function systemRoutes(engine: ApiEngine): RouteRegistrar {
  return (app: FastifyInstance) => {
    app.get('/_ping', { exposeHeadRoute: false }, async (_request, reply) => {
      return pingHeaders(reply).type('text/plain; charset=utf-8').send('OK');
    });
    app.head('/_ping', async (_request, reply) => {
      return pingHeaders(reply).type('text/plain; charset=utf-8').header('Content-Length', '0').send();
    });
    app.get('/version', async () => versionResponse(engine));
    app.get('/info', async (request) => infoResponse(engine, request.apiVersion));
    app.get('/events', (request, reply) => streamEvents(engine.events, request, reply));
  };
}
