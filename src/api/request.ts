// Small helpers for reading Docker-style query parameters and bodies.
import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { InvalidParameterError } from '../engine/errors.js';

type Query = Record<string, string | string[] | undefined>;

/** The last value of a query parameter (clients sometimes repeat them). */
export function queryString(request: FastifyRequest, key: string): string | undefined {
  const v = (request.query as Query)[key];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** Docker's boolean query parameters: "1", "true", "True" are true; absent gives `def`. */
export function queryBool(request: FastifyRequest, key: string, def = false): boolean {
  const v = queryString(request, key);
  if (v === undefined || v === '') return def;
  const s = v.toLowerCase();
  if (s === '1' || s === 'true') return true;
  if (s === '0' || s === 'false') return false;
  throw new InvalidParameterError(`invalid boolean value for query parameter "${key}": ${v}`);
}

/** An integer query parameter; absent gives `def`. */
export function queryInt(request: FastifyRequest, key: string, def?: number): number | undefined {
  const v = queryString(request, key);
  if (v === undefined || v === '') return def;
  if (!/^-?[0-9]+$/.test(v)) throw new InvalidParameterError(`invalid integer value for query parameter "${key}": ${v}`);
  return Number.parseInt(v, 10);
}

/**
 * The parsed JSON body (undefined when the body is empty). Like Docker's CheckForJSON, a body
 * with another content type is rejected.
 */
export function jsonBody<T>(request: FastifyRequest): T | undefined {
  if (request.body instanceof Readable) {
    throw new InvalidParameterError(`unsupported Content-Type header (${request.headers['content-type'] ?? ''}): must be 'application/json'`);
  }
  return request.body as T | undefined;
}

/** The raw request body stream (tar archives, image loads), untouched by any parser. */
export function bodyStream(request: FastifyRequest): Readable {
  return request.body instanceof Readable ? request.body : request.raw;
}

/** Reads and discards what is left of a request body, so an early answer does not break the upload. */
export function drain(body: Readable): Promise<void> {
  if (body.readableEnded || body.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    body.once('end', resolve);
    body.once('close', resolve);
    body.once('error', () => resolve());
    body.resume();
  });
}
