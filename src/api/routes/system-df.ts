// GET /system/df: disk usage of images, containers, volumes and build cache, shaped like Docker's.
import type { FastifyInstance } from 'fastify';
import { InvalidParameterError } from '../../engine/errors.js';
import type { ImageService } from '../../engine/images.js';
import type { RouteRegistrar } from '../engine.js';
import { queryList, summaryForVersion } from './images.js';

export interface DiskUsageSources {
  images: ImageService;
  /** Every container as GET /containers/json?all=1&size=1 shows it (absent: none). */
  containers?: () => Promise<Record<string, unknown>[]>;
  /** Every volume with its UsageData (absent: none). */
  volumes?: () => Promise<unknown[]>;
}

const TYPES = ['container', 'image', 'volume', 'build-cache'] as const;

export function systemDfRoutes(src: DiskUsageSources): RouteRegistrar {
  return (app: FastifyInstance) => {
    app.get('/system/df', async (request) => {
      const asked = queryList(request, 'type');
      for (const t of asked) {
        if (!(TYPES as readonly string[]).includes(t)) throw new InvalidParameterError(`unknown object type: ${t}`);
      }
      const want = (t: (typeof TYPES)[number]) => asked.length === 0 || asked.includes(t);
      const out: Record<string, unknown> = {};
      if (want('image')) {
        const du = await src.images.diskUsage();
        out.LayersSize = du.LayersSize;
        out.Images = du.Images.map((s) => summaryForVersion(s, request.apiVersion));
      }
      if (want('container')) out.Containers = (await src.containers?.()) ?? [];
      if (want('volume')) out.Volumes = (await src.volumes?.()) ?? [];
      if (want('build-cache')) out.BuildCache = [];
      return out;
    });
  };
}
