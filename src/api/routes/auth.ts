// POST /auth (credentials checked against the registry) and the streaming of pull/push progress
// as Docker's JSON message stream.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PassThrough } from 'node:stream';
import type { ImageService } from '../../engine/images.js';
import { InvalidParameterError } from '../../engine/errors.js';
import type { RouteRegistrar } from '../engine.js';
import { jsonBody } from '../request.js';
import type { AuthConfig } from '../../registry/client/auth.js';
import type { ProgressMessage, ProgressSink } from '../../registry/client/progress.js';

export { decodeRegistryAuthHeader } from '../../registry/client/auth.js';

/**
 * Runs a pull/push, streaming its progress. Errors before the first message become the HTTP
 * answer (404, 401...); later ones end the stream with an error message, as Docker does.
 */
export async function streamProgress(reply: FastifyReply, run: (progress: ProgressSink) => Promise<unknown>): Promise<FastifyReply> {
  const out = new PassThrough();
  let started = false;
  let onStart!: () => void;
  const startedP = new Promise<void>((r) => { onStart = r; });
  const progress = (m: ProgressMessage) => {
    if (out.writableEnded) return;
    out.write(JSON.stringify(m) + '\r\n');
    if (!started) { started = true; onStart(); }
  };
  const done = run(progress).then(() => { out.end(); }, (err: Error) => {
    if (!started) throw err;
    reply.log.warn({ err: { message: err.message } }, 'registry operation failed');
    progress({ errorDetail: { message: err.message }, error: err.message });
    out.end();
  });
  await Promise.race([startedP, done]);
  done.catch(() => {});
  return reply.type('application/json').send(out);
}

export function authRoutes(images: ImageService): RouteRegistrar {
  return (app: FastifyInstance) => {
    app.post('/auth', async (request) => {
      const body = jsonBody<AuthConfig>(request);
      if (!body || typeof body !== 'object') throw new InvalidParameterError('auth: the request body must be a JSON AuthConfig');
      if (!body.username && !body.identitytoken && !body.registrytoken) throw new InvalidParameterError('auth: username is required');
      return images.login(body);
    });
  };
}
