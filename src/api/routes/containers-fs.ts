// Container filesystem routes: changes (docker diff), export, and the archive endpoints behind
// docker cp (HEAD stat, GET tar, PUT extract), with the X-Docker-Container-Path-Stat header.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { InvalidParameterError } from '../../engine/errors.js';
import type { ContainerFs } from '../../engine/fs/service.js';
import { encodePathStat } from '../../image/index.js';
import type { RouteRegistrar } from '../engine.js';
import { bodyStream, queryBool, queryString } from '../request.js';

type IdParams = { Params: { id: string } };

export const PATH_STAT_HEADER = 'X-Docker-Container-Path-Stat';

function pathParam(request: FastifyRequest): string {
  const p = queryString(request, 'path');
  if (!p) throw new InvalidParameterError('Bad parameter: "path" cannot be empty');
  return p;
}

/** Sends a tar stream; the stream (and whatever it holds mounted) goes when the client does. */
function sendTar(reply: FastifyReply, tar: Readable): FastifyReply {
  reply.raw.once('close', () => tar.destroy());
  return reply.code(200).type('application/x-tar').send(tar);
}

export function containerFsRoutes(fs: ContainerFs): RouteRegistrar {
  return (app: FastifyInstance) => {
    app.get<IdParams>('/containers/:id/changes', async (request) => fs.changes(request.params.id));

    app.get<IdParams>('/containers/:id/export', async (request, reply) => sendTar(reply, await fs.export(request.params.id)));

    app.head<IdParams>('/containers/:id/archive', async (request, reply) => {
      const stat = await fs.stat(request.params.id, pathParam(request));
      return reply.code(200).header(PATH_STAT_HEADER, encodePathStat(stat)).send();
    });

    app.route<IdParams>({
      method: 'GET',
      url: '/containers/:id/archive',
      exposeHeadRoute: false,
      handler: async (request, reply) => {
        const { stat, tar } = await fs.get(request.params.id, pathParam(request));
        reply.header(PATH_STAT_HEADER, encodePathStat(stat));
        return sendTar(reply, tar);
      },
    });

    app.put<IdParams>('/containers/:id/archive', async (request, reply) => {
      const containerPath = pathParam(request);
      await fs.put(request.params.id, containerPath, bodyStream(request), {
        noOverwriteDirNonDir: queryBool(request, 'noOverwriteDirNonDir'),
        copyUIDGID: queryBool(request, 'copyUIDGID'),
      });
      return reply.code(200).send();
    });
  };
}
