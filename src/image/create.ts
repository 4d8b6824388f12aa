// Creates an image from an optional parent plus one new layer tar and config changes: the common
// core of `docker import` and `docker commit`. Registered only once fully stored and unpacked.
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { chainIds, sha256Digest, syncPaths } from '../storage/index.js';
import type { ImageStore, Operation } from './store.js';
import { applyChanges } from './changes.js';
import { parseNormalizedTagged, InvalidReferenceError, type Reference } from './reference.js';
import { MediaTypes, type ContainerConfig, type HistoryEntry, type ImageConfig, type Manifest, type Descriptor } from './types.js';
import { decompressStream, HashingStream } from './decompress.js';
import { hostPlatform } from './platform.js';

export interface CreateImageOptions {
  /** Parent image (ID or reference): its layers, config and history come first. */
  parent?: string;
  /** The new layer as a tar stream (plain, gzip or zstd); omitted = metadata-only image. */
  layer?: Readable;
  /**
   * Active snapshot (on the parent's top layer) whose changes `layer` is the tar of: with the
   * overlay driver its upper dir becomes the layer snapshot as it is (no unpacking of `layer`).
   * It is gone afterwards when that happened; else left to the caller.
   */
  layerSnapshot?: string;
  /** Container config to start from (default: the parent's). */
  config?: ContainerConfig;
  /** Dockerfile-like instructions applied on top (CMD, ENV, ...). */
  changes?: string[];
  /** History comment (and config comment), e.g. `Imported from -`. */
  comment?: string;
  author?: string;
  createdBy?: string;
  /** Creation time (default now); fixed values make reproducible images. */
  created?: Date;
  /** Tag to point at the new image. */
  tag?: string;
  platform?: { os: string; architecture: string; variant?: string };
  /** Extra top-level config fields (e.g. container, container_config for commit). */
  extra?: Record<string, unknown>;
  /**
   * false: no fsyncs and the registration is kept in memory (ImageDb deferWrite); the caller makes
   * blobs and layer durable, then flushes the database (a build does so once at its end).
   */
  durable?: boolean;
  /** The caller's operation to record what is written into (the caller ends it); default: one of its own. */
  operation?: Operation;
}

export interface CreatedImage {
  id: string;
  tags: string[];
}

/** Validates what can be checked before any work, so bad input changes nothing. */
function validate(opts: CreateImageOptions, base: ContainerConfig): { config: ContainerConfig; tag?: Reference } {
  const config = applyChanges(base, opts.changes ?? []);
  let tag: Reference | undefined;
  if (opts.tag !== undefined) {
    tag = parseNormalizedTagged(opts.tag);
    if (tag.digest) throw new InvalidReferenceError(opts.tag, `refusing to create a tag with a digest reference: ${opts.tag}`);
  }
  return { config, ...(tag ? { tag } : {}) };
}

/** Config and manifest exactly as a later read of their blobs parses them. */
function stored(configBytes: Buffer, manifestBytes: Buffer): { config: ImageConfig; manifest: Manifest } {
  return { config: JSON.parse(configBytes.toString('utf8')) as ImageConfig, manifest: JSON.parse(manifestBytes.toString('utf8')) as Manifest };
}

export async function createImage(store: ImageStore, opts: CreateImageOptions): Promise<CreatedImage> {
  const parent = opts.parent !== undefined ? await store.get(opts.parent) : undefined;
  const { config: containerConfig, tag } = validate(opts, opts.config ?? parent?.config.config ?? {});
  // RFC 3339 like Docker writes it (no empty fraction): 1970-01-01T00:00:00Z.
  const created = (opts.created ?? new Date()).toISOString().replace(/\.000Z$/, 'Z');
  const platform: { os: string; architecture: string; variant?: string } = opts.platform ?? (parent ? { os: parent.config.os, architecture: parent.config.architecture } : hostPlatform());
  const op = opts.operation ?? await store.beginOperation('create', { durable: false }); // see beginOperation
  const durable = opts.durable !== false;
  const written: string[] = [];
  try {
    const diffIds = [...(parent?.config.rootfs.diff_ids ?? [])];
    const layers: Descriptor[] = [...(parent?.manifest.layers ?? [])];
    if (opts.layer) {
      // Stored uncompressed: the blob digest is the diff ID, so save needs no recompression.
      const { stream } = await decompressStream(opts.layer);
      const hash = new HashingStream();
      const pass = new PassThrough();
      const piping = pipeline(stream, hash, pass);
      // Blobs are written without fsync and made durable together before the image is registered.
      const [res] = await Promise.all([store.content.ingest(pass, {}, { durable: false }), piping]);
      op.blob(res.digest, true); // garbage-collected on failure only if no image uses it
      written.push(res.digest);
      diffIds.push(res.digest);
      layers.push({ mediaType: MediaTypes.ociLayer, digest: res.digest, size: res.size });
      if (opts.layerSnapshot && store.snapshots.driver === 'overlay') {
        const chains = chainIds(diffIds);
        const chain = chains.at(-1)!;
        op.lease(chain); // before it exists, so a concurrent prune cannot take it
        op.layer(chain, await store.snapshots.commitActive(opts.layerSnapshot, chain, chains.at(-2) ?? null, { durable }));
      }
    }
    const history: HistoryEntry = {
      created,
      ...(opts.createdBy ? { created_by: opts.createdBy } : {}),
      ...(opts.author ? { author: opts.author } : {}),
      ...(opts.comment ? { comment: opts.comment } : {}),
      ...(opts.layer ? {} : { empty_layer: true }),
    };
    const config: ImageConfig = {
      architecture: platform.architecture,
      ...(opts.author ? { author: opts.author } : {}),
      ...(opts.comment ? { comment: opts.comment } : {}),
      config: containerConfig,
      created,
      ...(opts.extra ?? {}),
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      ...(parent ? { parent: parent.id } : {}),
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: [...(parent?.config.history ?? []), history],
    };
    const configBytes = Buffer.from(JSON.stringify(config));
    const id = sha256Digest(configBytes);
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: id, size: configBytes.length },
      layers,
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    const manDigest = sha256Digest(manifestBytes);
    // Config and manifest are independent blobs: stored concurrently.
    const storeBlob = async (bytes: Buffer, digest: string): Promise<void> => {
      const existed = await store.content.has(digest);
      await store.content.ingest(bytes, { digest }, { durable: false });
      written.push(digest);
      op.blob(digest, !existed);
    };
    await Promise.all([storeBlob(configBytes, id), storeBlob(manifestBytes, manDigest)]);
    await store.unpack(id, config, manifest, op, { deferWrite: !durable });
    if (durable) await syncPaths(written.map((d) => store.content.path(d)), [store.content.blobDir]);
    await store.register([{ id, manifestDigest: manDigest, tags: tag ? [tag] : [], ...(parent ? { parent: parent.id } : {}), parsed: stored(configBytes, manifestBytes) }], { deferWrite: !durable });
    return { id, tags: tag ? [opts.tag!] : [] };
  } finally {
    if (!opts.operation) await op.end();
  }
}
