// Push: local image -> missing blobs only (HEAD check, cross-repository mount, else upload:
// monolithic for small known blobs, chunked PATCHes for layers) -> manifest by tag or digest.
// Uncompressed local layers (commit, import, build) are gzipped while they upload; the gzip blob
// is kept in the content store and recorded against the diff ID, so pushing it again is free.
import * as fs from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createGzip } from 'node:zlib';
import {
  MediaTypes as ImageMediaTypes, familiarName, layerCompression, parseManifest,
  type Image, type ImageStore, type Descriptor, type Manifest, type Operation,
} from '../../image/index.js';
import { fsyncDir } from '../../storage/index.js';
import type { Repository } from './repository.js';
import { LayerProgress, shortId, type ProgressSink } from './progress.js';
import { Limiter, Spool } from './spool.js';
import type { BlobRecords } from './sources.js';

export interface PushSettings {
  progress: ProgressSink;
  records: BlobRecords;
  maxConcurrentUploads: number;
  /** PATCH size for chunked uploads (default 16 MiB). */
  chunkSize?: number;
  /** Blobs up to this size go in one PUT (default 8 MiB). */
  monolithicMax?: number;
}

export interface PushTarget {
  repo: Repository;
  /** Registry host (as in the reference) and repository path, for mount sources. */
  host: string;
  path: string;
  /** Tag, or a digest (the manifest is then pushed by digest). */
  ref: string;
}

const DOCKER_SET = new Set<string>([ImageMediaTypes.dockerManifest]);

async function pushLayer(store: ImageStore, t: PushTarget, s: PushSettings, layer: Descriptor, diffId: string, op: Operation, p: LayerProgress): Promise<Descriptor> {
  const compressed = layerCompression(layer.mediaType) !== 'none';
  let blob: Descriptor | undefined = compressed ? layer : undefined;
  if (!blob) {
    const known = s.records.compressedOf(diffId);
    if (known && (await store.content.has(known.digest))) blob = { mediaType: known.mediaType, digest: known.digest, size: known.size };
  }
  if (blob) {
    op.blob(blob.digest, false);
    if (await t.repo.hasBlob(blob.digest)) { p.status('Layer already exists'); return blob; }
    for (const src of s.records.sourcesOf(blob.digest)) {
      const [host, ...rest] = src.split('/');
      const from = rest.join('/');
      if (host !== t.host || from === t.path) continue;
      if (await t.repo.mount(blob.digest, from)) { p.status(`Mounted from ${from}`); return blob; }
    }
    await uploadStored(store, t, s, blob, p);
    p.status('Pushed');
    return blob;
  }
  return gzipAndUpload(store, t, s, layer, diffId, op, p);
}

async function uploadStored(store: ImageStore, t: PushTarget, s: PushSettings, blob: Descriptor, p: LayerProgress): Promise<void> {
  if (blob.size <= (s.monolithicMax ?? 8 << 20)) {
    p.bytes('Pushing', 0, blob.size, true);
    await t.repo.uploadBytes(blob.digest, await store.content.read(blob.digest));
    p.bytes('Pushing', blob.size, blob.size, true);
    return;
  }
  await t.repo.uploadChunked(store.content.readStream(blob.digest), () => blob.digest, s.chunkSize ?? 16 << 20, (n) => p.bytes('Pushing', n, blob.size));
}

/** Compresses an uncompressed layer while uploading it, keeping the gzip blob for next time. */
async function gzipAndUpload(store: ImageStore, t: PushTarget, s: PushSettings, layer: Descriptor, diffId: string, op: Operation, p: LayerProgress): Promise<Descriptor> {
  const spool = await Spool.create(store.content.tmpDir);
  const hash = createHash('sha256');
  let size = 0;
  const gz = createGzip({ chunkSize: 256 * 1024 });
  const src = store.content.readStream(layer.digest);
  src.on('error', (e) => gz.destroy(e));
  src.pipe(gz);
  async function* compressedChunks(): AsyncGenerator<Buffer> {
    for await (const c of gz) {
      hash.update(c as Buffer);
      size += (c as Buffer).length;
      await spool.write(c as Buffer);
      yield c as Buffer;
    }
  }
  let digest = '';
  try {
    await t.repo.uploadChunked(compressedChunks(), () => (digest = 'sha256:' + hash.digest('hex')), s.chunkSize ?? 16 << 20, (n) => p.bytes('Pushing', n, layer.size));
    await spool.finish();
    op.blob(digest, false);
    if (!(await store.content.has(digest))) {
      await fs.rename(spool.file, store.content.path(digest));
      await fsyncDir(store.content.blobDir);
    }
  } finally {
    src.destroy();
    await spool.discard();
  }
  const mediaType = layer.mediaType === ImageMediaTypes.dockerLayer ? ImageMediaTypes.dockerLayerGzip : ImageMediaTypes.ociLayerGzip;
  s.records.setCompressed(diffId, { digest, size, mediaType });
  p.status('Pushed');
  return { mediaType, digest, size };
}

/** Pushes one local image to t.repo under t.ref; returns the manifest digest and size. */
export async function pushImage(store: ImageStore, img: Image, t: PushTarget, s: PushSettings): Promise<{ digest: string; size: number }> {
  const op = await store.beginOperation('push');
  try {
    // The stored manifest, not a cached one: an image ID pulled again from elsewhere (say zstd
    // instead of gzip layers) points at the manifest registered last.
    const manifestBytes = await store.content.read(img.manifestDigest);
    const local = parseManifest(manifestBytes, `manifest ${img.manifestDigest} of image ${img.id}`);
    const layers = local.layers;
    const diffIds = img.config.rootfs.diff_ids;
    const progress = layers.map((l, i) => new LayerProgress(s.progress, shortId(diffIds[i] ?? l.digest)));
    // Docker lists the top layer first.
    for (let i = layers.length - 1; i >= 0; i--) progress[i]!.status('Preparing');
    const limiter = new Limiter(s.maxConcurrentUploads);
    const pushed = await Promise.all(layers.map((l, i) => limiter.run(
      () => pushLayer(store, t, s, l, diffIds[i]!, op, progress[i]!),
      () => progress[i]!.status('Waiting'),
    )));
    const cfg = local.config;
    if (!(await t.repo.hasBlob(cfg.digest))) await t.repo.uploadBytes(cfg.digest, await store.content.read(cfg.digest));
    const same = pushed.every((b, i) => b.digest === layers[i]!.digest);
    let bytes: Buffer;
    let mediaType: string;
    if (same) {
      bytes = manifestBytes;
      mediaType = local.mediaType ?? ImageMediaTypes.ociManifest;
    } else {
      const docker = DOCKER_SET.has(local.mediaType ?? '');
      mediaType = docker ? ImageMediaTypes.dockerManifest : ImageMediaTypes.ociManifest;
      const m: Manifest = {
        schemaVersion: 2, mediaType,
        config: { mediaType: docker ? ImageMediaTypes.dockerConfig : ImageMediaTypes.ociConfig, digest: cfg.digest, size: cfg.size },
        layers: pushed.map((b) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size })),
      };
      bytes = Buffer.from(JSON.stringify(m, null, 2));
    }
    const digest = await t.repo.putManifest(t.ref, bytes, mediaType);
    const source = `${t.host}/${t.path}`;
    for (const b of pushed) s.records.addSource(b.digest, source);
    await s.records.save();
    return { digest, size: bytes.length };
  } finally {
    await op.end();
  }
}

export { familiarName };
