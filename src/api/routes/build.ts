// POST /build: the Engine API's (legacy builder) image build. The body is the context tar
// (plain or gzip); query parameters as Docker's. Progress streams as JSON lines ({"stream"},
// {"aux"}, {"errorDetail"}); an error before the first line is a plain HTTP error, as Docker's.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidParameterError } from '../../engine/errors.js';
import type { BuildMessage, Builder, BuildOptions } from '../../build/index.js';
import type { RouteRegistrar } from '../engine.js';
import { bodyStream, drain, queryBool, queryInt, queryString } from '../request.js';

type Query = Record<string, string | string[] | undefined>;

function queryAll(request: FastifyRequest, key: string): string[] {
  const v = (request.query as Query)[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function jsonParam<T>(request: FastifyRequest, key: string, check: (v: unknown) => v is T): T | undefined {
  const text = queryString(request, key);
  if (text === undefined || text === '') return undefined;
  let v: unknown;
  try { v = JSON.parse(text); } catch (err) { throw new InvalidParameterError(`${key}: invalid JSON: ${(err as Error).message}`); }
  if (!check(v)) throw new InvalidParameterError(`${key}: unexpected value ${text}`);
  return v;
}

const isStringMap = (nullable: boolean) => (v: unknown): v is Record<string, string> =>
  !!v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string' || (nullable && x === null));
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** The build options of a request (Docker's query parameters). */
export function buildOptionsOf(request: FastifyRequest): BuildOptions & { quiet: boolean } {
  if (queryString(request, 'remote')) throw new InvalidParameterError('remote: build contexts from URLs are not supported; send the context as the request body');
  if (queryString(request, 'version') === '2') throw new InvalidParameterError('BuildKit is not supported by wharf: build with the classic builder (DOCKER_BUILDKIT=0)');
  const mem = queryInt(request, 'memory');
  const memswap = queryInt(request, 'memswap');
  const shm = queryInt(request, 'shmsize');
  const cpuShares = queryInt(request, 'cpushares');
  const cpuPeriod = queryInt(request, 'cpuperiod');
  const cpuQuota = queryInt(request, 'cpuquota');
  const cpuset = queryString(request, 'cpusetcpus');
  return {
    dockerfile: queryString(request, 'dockerfile') || undefined,
    tags: queryAll(request, 't').filter(Boolean),
    buildArgs: jsonParam(request, 'buildargs', isStringMap(true)) ?? {},
    labels: jsonParam(request, 'labels', isStringMap(false)) ?? {},
    noCache: queryBool(request, 'nocache'),
    pull: queryBool(request, 'pull'),
    target: queryString(request, 'target') || undefined,
    cacheFrom: jsonParam(request, 'cachefrom', isStringList) ?? [],
    rm: queryBool(request, 'rm', true),
    forceRm: queryBool(request, 'forcerm'),
    networkMode: queryString(request, 'networkmode') || 'default',
    platform: queryString(request, 'platform') || undefined,
    quiet: queryBool(request, 'q'),
    host: {
      ...(mem ? { Memory: mem } : {}), ...(memswap ? { MemorySwap: memswap } : {}), ...(shm ? { ShmSize: shm } : {}),
      ...(cpuShares ? { CpuShares: cpuShares } : {}), ...(cpuPeriod ? { CpuPeriod: cpuPeriod } : {}), ...(cpuQuota ? { CpuQuota: cpuQuota } : {}),
      ...(cpuset ? { CpusetCpus: cpuset } : {}),
    },
  };
}


async function handleBuild(getBuilder: () => Promise<Builder>, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const canceled = new AbortController();
  const opts = { ...buildOptionsOf(request), signal: canceled.signal };
  const builder = await getBuilder();
  const { BuildError, MessageProgress, errorMessage } = await import('../../build/index.js');
  const body = bodyStream(request);
  let started = false;
  let finished = false;
  reply.raw.on('close', () => { if (!finished) canceled.abort(); });
  const send = (m: BuildMessage): void => {
    if (!started) {
      started = true;
      reply.hijack();
      reply.raw.writeHead(200, { 'Content-Type': 'application/json' });
    }
    if (!reply.raw.destroyed) reply.raw.write(JSON.stringify(m) + '\r\n');
  };
  const progress = new MessageProgress(send, opts.quiet);
  try {
    const result = await builder.build(body, opts, progress);
    if (opts.quiet) send({ stream: `${result.id}\n` });
  } catch (err) {
    await drain(body);
    if (!started && !(err instanceof BuildError)) throw err;
    progress.releaseHeld();
    send(errorMessage((err as Error).message, err instanceof BuildError ? err.code : undefined));
  }
  finished = true;
  reply.raw.end();
}

/** `getBuilder` loads the builder on the first build. */
export function buildRoutes(getBuilder: () => Promise<Builder>): RouteRegistrar {
  return (app: FastifyInstance) => {
    app.post('/build', (request, reply) => handleBuild(getBuilder, request, reply));
    // The legacy builder keeps no cache besides images: nothing to prune or cancel.
    app.post('/build/prune', async () => ({ CachesDeleted: [], SpaceReclaimed: 0 }));
    app.post('/build/cancel', async () => ({}));
  };
}
