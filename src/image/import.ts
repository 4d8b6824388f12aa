// `docker import`: a root filesystem tar (file, stream/stdin or http(s) URL) becomes a one-layer image.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { ImageStore } from './store.js';
import { createImage, type CreatedImage } from './create.js';
import { applyChanges } from './changes.js';
import { parseNormalizedTagged } from './reference.js';

export interface ImportOptions {
  /** Dockerfile-like instructions (`--change`). */
  changes?: string[];
  /** Commit message (`-m`); default `Imported from <source>`. */
  message?: string;
  /** Optional repository[:tag] for the new image. */
  tag?: string;
  /** Fixed creation time (reproducible images). */
  created?: Date;
  platform?: { os: string; architecture: string; variant?: string };
}

/** Opens the import source; `-` is stdin, http(s):// is downloaded, anything else a file path. */
async function openSource(source: string | Readable): Promise<{ stream: Readable; label: string }> {
  if (typeof source !== 'string') return { stream: source, label: '-' };
  if (source === '-') return { stream: process.stdin, label: '-' };
  if (/^https?:\/\//i.test(source)) {
    let res;
    try {
      // undici costs ~13 MB of daemon memory: loaded only when a URL is imported.
      const { request } = await import('undici');
      res = await request(source);
    } catch (err) {
      throw new Error(`import: cannot download ${source}: ${(err as Error).message}`);
    }
    if (res.statusCode < 200 || res.statusCode > 299) {
      await res.body.dump().catch(() => undefined);
      throw new Error(`import: GET ${source} returned HTTP ${res.statusCode}`);
    }
    return { stream: res.body, label: source };
  }
  try {
    const st = await stat(source);
    if (!st.isFile()) throw new Error('not a regular file');
  } catch (err) {
    throw new Error(`import: cannot read ${source}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  return { stream: createReadStream(source, { highWaterMark: 1 << 20 }), label: source };
}

/** Imports a rootfs tar as a new image; returns its ID (and tag). Bad changes/tag fail before reading. */
export async function importImage(store: ImageStore, source: string | Readable, opts: ImportOptions = {}): Promise<CreatedImage> {
  // Validate first: a bad --change or tag must not download or read anything.
  applyChanges({}, opts.changes ?? []);
  if (opts.tag !== undefined) parseNormalizedTagged(opts.tag);
  const { stream, label } = await openSource(source);
  try {
    return await createImage(store, {
      layer: stream,
      config: {},
      comment: opts.message || `Imported from ${label}`,
      ...(opts.changes ? { changes: opts.changes } : {}),
      ...(opts.tag !== undefined ? { tag: opts.tag } : {}),
      ...(opts.created ? { created: opts.created } : {}),
      ...(opts.platform ? { platform: opts.platform } : {}),
    });
  } finally {
    if (stream !== process.stdin && !stream.destroyed) {
      stream.on('error', () => undefined); // aborting an unread body is not an error worth raising
      stream.destroy();
    }
  }
}
