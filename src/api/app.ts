// The fastify application: Docker's URL versioning, standard headers, body parsing and errors.
// Listening is done by server.ts so one app can serve several sockets.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { InvalidParameterError } from '../engine/errors.js';
import type { ApiEngine, RouteRegistrar } from './engine.js';
import { errorHandler } from './errors.js';
import { MAX_API_VERSION, splitVersion } from './version.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API version the client asked for (the maximum for unversioned paths). */
    apiVersion: string;
  }
  interface FastifyInstance {
    /** Connections taken over by hijack(); closed on shutdown. */
    hijackedSockets: Set<Socket>;
  }
}

const VERSION_INFO = Symbol('wharf.apiVersion');
type VersionedRequest = IncomingMessage & { [VERSION_INFO]?: { version: string; error?: string } };

export interface BuildAppOptions {
  engine: ApiEngine;
  logger: Logger;
  routes: RouteRegistrar[];
  /** Limit for parsed (JSON) bodies; streamed bodies are not limited here. */
  bodyLimit?: number;
}

/** Headers Docker sends on every response. */
export function standardHeaders(engine: ApiEngine): Record<string, string> {
  return {
    'Api-Version': MAX_API_VERSION,
    'Docker-Experimental': String(engine.settings.experimental),
    'Ostype': 'linux',
    'Server': `Wharf/${engine.settings.version} (linux)`,
  };
}

export function buildApp(opts: BuildAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 16 * 1024 * 1024,
    routerOptions: { maxParamLength: 1024, ignoreTrailingSlash: true },
    // Strip "/vX.YY" before routing; the version check itself answers in onRequest.
    rewriteUrl(req) {
      const v = splitVersion(req.url ?? '/');
      (req as VersionedRequest)[VERSION_INFO] = { version: v.version, error: v.error };
      return v.url;
    },
  }) as unknown as FastifyInstance;

  app.decorate('hijackedSockets', new Set<Socket>());
  app.decorateRequest('apiVersion', '');
  const headers = Object.entries(standardHeaders(opts.engine));

  app.addHook('onRequest', async (request, reply) => {
    for (const [k, v] of headers) reply.raw.setHeader(k, v);
    const info = (request.raw as VersionedRequest)[VERSION_INFO];
    request.apiVersion = info?.version ?? MAX_API_VERSION;
    if (info?.error) throw new InvalidParameterError(info.error);
  });
  // Docker clients only decode {"message"} errors when the type is exactly application/json.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.getHeader('content-type') === 'application/json; charset=utf-8') reply.header('content-type', 'application/json');
    return payload;
  });
  if (opts.logger.isLevelEnabled('debug')) {
    app.addHook('onResponse', async (request, reply) => {
      request.log.debug({ method: request.method, url: request.raw.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    });
  }

  // Docker clients send JSON (sometimes an empty body with a JSON content type) or raw streams
  // (tar archives for cp/load/build/import). Everything that is not JSON stays an untouched stream.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = (body as string).trim();
    if (text === '') { done(null, undefined); return; }
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new InvalidParameterError(`invalid JSON in request body: ${(err as Error).message}`), undefined);
    }
  });
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(async (_request, reply) => {
    await reply.code(404).type('application/json').send({ message: 'page not found' });
  });
  for (const register of opts.routes) register(app);
  return app;
}
