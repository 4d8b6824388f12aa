// /images/*, /commit: thin HTTP wrappers around the engine's ImageService. Image names may hold
// slashes (wharf-fixture/layers:1.0), so per-image routes are wildcards split on their last segment.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PassThrough } from 'node:stream';
import type { ImageSummary } from '../../image/index.js';
import { InvalidParameterError, NotFoundError } from '../../engine/errors.js';
import { parseFilters } from '../../engine/filters.js';
import type { ContainerConfig } from '../../image/index.js';
import type { ImageService } from '../../engine/images.js';
import type { RouteRegistrar } from '../engine.js';
import { bodyStream, drain, jsonBody, queryBool, queryString } from '../request.js';
import { parseTimestamp } from '../timestamps.js';
import { versionAtLeast } from '../version.js';
import { decodeRegistryAuthHeader, streamProgress } from './auth.js';

type Query = Record<string, string | string[] | undefined>;

/** Every value of a repeatable query parameter (changes=..&changes=..). */
export function queryList(request: FastifyRequest, key: string): string[] {
  const v = (request.query as Query)[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Docker time filter values (unix, RFC 3339, durations) as epoch milliseconds. */
export function timeFilterMs(v: string): number {
  return Number(parseTimestamp(v) / 1_000_000n);
}

/** ImageSummary as the client's API version expects it. */
export function summaryForVersion(s: ImageSummary, version: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...s };
  if (!versionAtLeast(version, '1.43') && s.RepoTags.length === 0 && s.RepoDigests.length === 0) {
    // Older clients expect these placeholders for untagged images.
    out.RepoTags = ['<none>:<none>'];
    out.RepoDigests = ['<none>@<none>'];
  }
  if (versionAtLeast(version, '1.44')) delete out.VirtualSize;
  return out;
}

function inspectForVersion(img: Record<string, unknown>, version: string): Record<string, unknown> {
  const out = { ...img };
  if (versionAtLeast(version, '1.44')) delete out.VirtualSize;
  if (versionAtLeast(version, '1.45')) { delete out.Container; delete out.ContainerConfig; }
  return out;
}

/** One line of Docker's JSON progress stream. */
const jsonLine = (o: unknown): string => JSON.stringify(o) + '\r\n';


/** Splits "<name>/<action>" of a wildcard path. */
function splitAction(rest: string): { name: string; action: string } {
  const i = rest.lastIndexOf('/');
  return i < 0 ? { name: rest, action: '' } : { name: rest.slice(0, i), action: rest.slice(i + 1) };
}

const wildcard = (request: FastifyRequest): string => (request.params as { '*': string })['*'];

async function sendSave(images: ImageService, names: string[], reply: FastifyReply): Promise<FastifyReply> {
  await images.checkSave(names);
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  images.save(names, out).catch((err: Error) => {
    reply.log.warn({ err, names }, 'image save failed');
    out.destroy(err);
  });
  return reply.type('application/x-tar').send(out);
}

export function imageRoutes(images: ImageService): RouteRegistrar {
  return (app: FastifyInstance) => {
    app.get('/images/json', async (request) => {
      const list = await images.list({
        all: queryBool(request, 'all'),
        filters: parseFilters(queryString(request, 'filters')),
        sharedSize: queryBool(request, 'shared-size'),
      }, timeFilterMs);
      return list.map((s) => summaryForVersion(s, request.apiVersion));
    });

    app.get('/images/search', async () => images.search());

    app.get('/images/get', async (request, reply) => sendSave(images, queryList(request, 'names'), reply));

    app.post('/images/prune', async (request) => images.prune(parseFilters(queryString(request, 'filters')), timeFilterMs));

    app.post('/images/load', async (request, reply) => {
      const body = bodyStream(request);
      const quiet = queryBool(request, 'quiet');
      let text: string;
      try {
        const messages = await images.load(body);
        text = messages.map((m) => jsonLine({ stream: `${m}\n` })).join('');
      } catch (err) {
        // Docker answers 200 and reports a failed load inside the JSON stream.
        await drain(body);
        const message = (err as Error).message;
        text = jsonLine({ errorDetail: { message }, error: message });
      }
      void quiet; // no progress bars are sent, so quiet and verbose output are the same
      return reply.type('application/json').send(text);
    });

    app.post('/images/create', async (request, reply) => {
      const fromImage = queryString(request, 'fromImage');
      const fromSrc = queryString(request, 'fromSrc');
      if (fromImage) {
        const auth = decodeRegistryAuthHeader(request.headers['x-registry-auth']);
        const platform = queryString(request, 'platform');
        return streamProgress(reply, (progress) => images.pull(fromImage, queryString(request, 'tag'), {
          progress, ...(auth ? { auth } : {}), ...(platform ? { platform } : {}),
        }));
      }
      if (!fromSrc) throw new InvalidParameterError('either fromImage (pull) or fromSrc (import) is required');
      const body = bodyStream(request);
      let id: string;
      try {
        id = await images.importImage({
          source: fromSrc,
          ...(fromSrc === '-' ? { body } : {}),
          repo: queryString(request, 'repo'),
          tag: queryString(request, 'tag'),
          message: queryString(request, 'message'),
          changes: queryList(request, 'changes'),
          platform: queryString(request, 'platform'),
        });
      } finally {
        await drain(body);
      }
      return reply.type('application/json').send(jsonLine({ status: id }));
    });

    app.post('/commit', async (request, reply) => {
      const config = jsonBody<ContainerConfig | null>(request);
      if (config !== undefined && config !== null && (typeof config !== 'object' || Array.isArray(config))) {
        throw new InvalidParameterError('commit: the request body must be a container Config object');
      }
      const id = await images.commit({
        container: queryString(request, 'container') ?? '',
        repo: queryString(request, 'repo'),
        tag: queryString(request, 'tag'),
        comment: queryString(request, 'comment'),
        author: queryString(request, 'author'),
        pause: queryBool(request, 'pause', true),
        changes: queryList(request, 'changes'),
        config: config ?? null,
      });
      return reply.code(201).send({ Id: id });
    });

    app.get('/images/*', async (request, reply) => {
      const { name, action } = splitAction(wildcard(request));
      if (!name) throw new NotFoundError('page not found');
      switch (action) {
        case 'json': return inspectForVersion(await images.inspect(name), request.apiVersion);
        case 'history': return images.history(name);
        case 'get': return sendSave(images, [name], reply);
        default: throw new NotFoundError('page not found');
      }
    });

    app.post('/images/*', async (request, reply) => {
      const { name, action } = splitAction(wildcard(request));
      if (!name) throw new NotFoundError('page not found');
      if (action === 'tag') {
        await images.tag(name, queryString(request, 'repo'), queryString(request, 'tag'));
        return reply.code(201).send();
      }
      if (action === 'push') {
        const auth = decodeRegistryAuthHeader(request.headers['x-registry-auth']);
        return streamProgress(reply, (progress) => images.push(name, queryString(request, 'tag'), { progress, ...(auth ? { auth } : {}) }));
      }
      throw new NotFoundError('page not found');
    });

    app.delete('/images/*', async (request) => images.remove(wildcard(request), {
      force: queryBool(request, 'force'),
      noprune: queryBool(request, 'noprune'),
    }));
  };
}
