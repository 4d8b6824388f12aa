// One mapping from thrown errors to Docker's error responses: {"message": "..."} + status code.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { EngineError } from '../engine/errors.js';

export { ConflictError, InvalidParameterError, NotFoundError, NotModifiedError, SystemError } from '../engine/errors.js';

/** HTTP status for any error: engine errors carry theirs, fastify's 4xx errors keep theirs. */
export function statusOf(err: unknown): number {
  if (err instanceof EngineError) return err.statusCode;
  const code = (err as Partial<FastifyError> | null)?.statusCode;
  if (typeof code === 'number' && code >= 400 && code < 600) return code;
  return 500;
}

export function errorHandler(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const status = statusOf(err);
  if (status >= 500) request.log.error({ err, url: request.url }, 'request failed');
  else request.log.debug({ status, message: err.message, url: request.url }, 'request rejected');
  if (reply.sent || reply.raw.headersSent) {
    // A streaming answer already started: all we can do is cut the connection.
    reply.raw.destroy();
    return;
  }
  if (status === 304) {
    void reply.code(304).send();
    return;
  }
  void reply.code(status).type('application/json').send({ message: err.message || 'internal error' });
}
