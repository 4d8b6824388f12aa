// `docker load`: a docker-save archive or an OCI image layout (tar), auto-detected. Every blob is
// verified and every layer unpacked before any reference is registered, in one atomic write.
import type { Readable } from 'node:stream';
import { open } from 'node:fs/promises';
import { sha256Digest } from '../storage/index.js';
import type { ImageStore, NewImage, Operation } from './store.js';
import { readArchive, type ArchiveContents } from './archive-reader.js';
import { InvalidArchiveError } from './errors.js';
import { parseNormalizedTagged, familiarString, InvalidReferenceError, type Reference } from './reference.js';
import {
  MediaTypes, Annotations, layerCompression, parseImageConfig, parseIndex, parseManifest,
  type Descriptor, type ImageConfig, type Manifest,
} from './types.js';
import { detectCompression } from './decompress.js';
import { hostPlatform } from './platform.js';

export interface LoadOptions {
  /** Limit on any one stored file of the archive (bytes). */
  maxBlobBytes?: number;
  /** Repository for OCI images named only by a tag (`org.opencontainers.image.ref.name: 1.0`). */
  repository?: string;
}

export interface LoadResult {
  images: Array<{ id: string; tags: string[] }>;
  /** Docker's output lines: `Loaded image: busybox:latest`, `Loaded image ID: sha256:...`. */
  messages: string[];
}

interface Planned {
  id: string;
  config: ImageConfig;
  manifest: Manifest;
  manifestBytes: Buffer;
  configBytes: Buffer;
  tags: Reference[];
  parent?: string;
}

function parseTag(s: unknown, what: string): Reference {
  if (typeof s !== 'string') throw new InvalidArchiveError(`${what}: expected a string, got ${JSON.stringify(s)}`);
  try {
    return parseNormalizedTagged(s);
  } catch (err) {
    if (err instanceof InvalidReferenceError) throw new InvalidArchiveError(`${what}: ${err.message}`);
    throw err;
  }
}

/** Layer media type for a stored blob, from its magic bytes (reads 4 bytes, not a stream buffer). */
async function layerMediaType(store: ImageStore, digest: string): Promise<string> {
  const fh = await open(store.content.path(digest), 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const c = detectCompression(head);
  return c === 'gzip' ? MediaTypes.ociLayerGzip : c === 'zstd' ? MediaTypes.ociLayerZstd : MediaTypes.ociLayer;
}

/** Builds the manifest a docker-save image lacks, so every stored image has one. */
function syntheticManifest(configDigest: string, configSize: number, layers: Descriptor[]): Buffer {
  const m: Manifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: configDigest, size: configSize },
    layers,
  };
  return Buffer.from(JSON.stringify(m));
}

async function planDockerArchive(store: ImageStore, a: ArchiveContents): Promise<Planned[]> {
  let items: unknown;
  try {
    items = JSON.parse((await a.bytes(store, 'manifest.json', 'manifest.json')).toString('utf8'));
  } catch (e) {
    if (e instanceof InvalidArchiveError) throw e;
    throw new InvalidArchiveError(`manifest.json is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(items)) throw new InvalidArchiveError('manifest.json must be a JSON array');
  const out: Planned[] = [];
  for (const [i, raw] of items.entries()) {
    const item = raw as { Config?: unknown; RepoTags?: unknown; Layers?: unknown; Parent?: unknown };
    const what = `manifest.json[${i}]`;
    const configBytes = await a.bytes(store, item.Config, `${what}.Config`);
    const id = sha256Digest(configBytes);
    const named = /^(?:.*\/)?([0-9a-f]{64})(?:\.json)?$/.exec(String(item.Config));
    if (named && `sha256:${named[1]}` !== id) {
      throw new InvalidArchiveError(`${what}.Config ${item.Config}: content does not match its digest (got ${id})`);
    }
    const config = parseImageConfig(configBytes, `${what}.Config ${item.Config}`);
    if (!Array.isArray(item.Layers)) throw new InvalidArchiveError(`${what}.Layers must be an array`);
    if (item.Layers.length !== config.rootfs.diff_ids.length) {
      throw new InvalidArchiveError(`${what}: ${item.Layers.length} layers listed but the config has ${config.rootfs.diff_ids.length} diff IDs`);
    }
    const layers: Descriptor[] = [];
    for (const [j, l] of item.Layers.entries()) {
      const e = a.resolve(l, `${what}.Layers[${j}]`);
      if (e.kind !== 'blob') throw new InvalidArchiveError(`${what}.Layers[${j}] ${JSON.stringify(l)} is not a layer file`);
      layers.push({ mediaType: await layerMediaType(store, e.digest), digest: e.digest, size: e.size });
    }
    const tags = item.RepoTags == null ? [] : Array.isArray(item.RepoTags)
      ? item.RepoTags.map((t, k) => parseTag(t, `${what}.RepoTags[${k}]`))
      : (() => { throw new InvalidArchiveError(`${what}.RepoTags must be an array`); })();
    const parent = typeof item.Parent === 'string' && store.has(item.Parent) ? item.Parent : undefined;
    const manifestBytes = syntheticManifest(id, configBytes.length, layers);
    out.push({ id, config, manifest: parseManifest(manifestBytes, what), manifestBytes, configBytes, tags, ...(parent ? { parent } : {}) });
  }
  return out;
}

async function blobOf(store: ImageStore, a: ArchiveContents, d: Descriptor, what: string): Promise<Buffer> {
  const name = `blobs/sha256/${d.digest.slice(7)}`;
  if (!a.has(name)) throw new InvalidArchiveError(`${what}: blob ${d.digest} is missing from the archive`);
  const e = a.resolve(name, what);
  if (e.kind === 'blob' && e.size !== d.size) throw new InvalidArchiveError(`${what}: blob ${d.digest} has ${e.size} bytes, the descriptor says ${d.size}`);
  return a.bytes(store, name, what);
}

function ociTags(d: Descriptor, opts: LoadOptions, what: string): Reference[] {
  const ann = d.annotations ?? {};
  const full = ann[Annotations.containerdImageName];
  if (full) return [parseTag(full, `${what} annotation ${Annotations.containerdImageName}`)];
  const name = ann[Annotations.refName];
  if (!name) return [];
  if (/[:/@]/.test(name)) return [parseTag(name, `${what} annotation ${Annotations.refName}`)];
  // A bare tag (e.g. "1.0"): named only when the caller says which repository it belongs to.
  return opts.repository ? [parseTag(`${opts.repository}:${name}`, `${what} annotation ${Annotations.refName}`)] : [];
}

async function planOciLayout(store: ImageStore, a: ArchiveContents, opts: LoadOptions): Promise<Planned[]> {
  const layout = JSON.parse((await a.bytes(store, 'oci-layout', 'oci-layout')).toString('utf8')) as { imageLayoutVersion?: string };
  if (typeof layout.imageLayoutVersion !== 'string') throw new InvalidArchiveError('oci-layout: missing imageLayoutVersion');
  const index = parseIndex(await a.bytes(store, 'index.json', 'index.json'), 'index.json');
  const out: Planned[] = [];
  for (const [i, top] of index.manifests.entries()) {
    const what = `index.json manifests[${i}]`;
    let desc = top;
    if (desc.mediaType === MediaTypes.ociIndex || desc.mediaType === MediaTypes.dockerManifestList) {
      const nested = parseIndex(await blobOf(store, a, desc, what), `${what} (${desc.digest})`);
      const want = hostPlatform();
      const pick = nested.manifests.find((m) => m.platform?.os === want.os && m.platform.architecture === want.architecture);
      if (!pick) throw new InvalidArchiveError(`${what}: no manifest for platform ${want.os}/${want.architecture} in index ${desc.digest}`);
      desc = pick;
    }
    if (desc.mediaType !== MediaTypes.ociManifest && desc.mediaType !== MediaTypes.dockerManifest) continue; // artifacts etc.
    const manifestBytes = await blobOf(store, a, desc, what);
    const manifest = parseManifest(manifestBytes, `${what} (${desc.digest})`);
    const configBytes = await blobOf(store, a, manifest.config, `${what} config`);
    const config = parseImageConfig(configBytes, `${what} config ${manifest.config.digest}`);
    if (manifest.layers.length !== config.rootfs.diff_ids.length) {
      throw new InvalidArchiveError(`${what}: manifest lists ${manifest.layers.length} layers but the config has ${config.rootfs.diff_ids.length} diff IDs`);
    }
    for (const [j, l] of manifest.layers.entries()) {
      if (layerCompression(l.mediaType) === undefined) throw new InvalidArchiveError(`${what} layers[${j}]: unsupported layer media type ${l.mediaType}`);
      const name = `blobs/sha256/${l.digest.slice(7)}`;
      if (!a.has(name)) throw new InvalidArchiveError(`${what} layers[${j}]: blob ${l.digest} is missing from the archive`);
      const e = a.resolve(name, `${what} layers[${j}]`);
      if (e.kind === 'blob' && e.size !== l.size) throw new InvalidArchiveError(`${what} layers[${j}]: blob ${l.digest} has ${e.size} bytes, the descriptor says ${l.size}`);
    }
    out.push({ id: manifest.config.digest, config, manifest, manifestBytes, configBytes, tags: ociTags(top, opts, what) });
  }
  return out;
}

async function storeAndUnpack(store: ImageStore, p: Planned, op: Operation): Promise<NewImage> {
  const cfgExisted = await store.content.has(p.id);
  const cfg = await store.content.ingest(p.configBytes, { digest: p.id });
  op.blob(cfg.digest, !cfgExisted);
  const manDigest = sha256Digest(p.manifestBytes);
  const manExisted = await store.content.has(manDigest);
  const man = await store.content.ingest(p.manifestBytes, { digest: manDigest });
  op.blob(man.digest, !manExisted);
  try {
    await store.unpack(p.id, p.config, p.manifest, op);
  } catch (err) {
    throw new InvalidArchiveError((err as Error).message); // names the layer and image already
  }
  return { id: p.id, manifestDigest: man.digest, tags: p.tags, ...(p.parent ? { parent: p.parent } : {}) };
}

/** Loads every image of the archive stream; nothing is registered unless all of it is valid. */
export async function loadImages(store: ImageStore, input: Readable, opts: LoadOptions = {}): Promise<LoadResult> {
  const op = await store.beginOperation('load');
  try {
    const archive = await readArchive(store, input, op, opts.maxBlobBytes ? { maxBlobBytes: opts.maxBlobBytes } : {});
    let plans: Planned[];
    if (archive.has('manifest.json')) plans = await planDockerArchive(store, archive);
    else if (archive.has('index.json') && archive.has('oci-layout')) plans = await planOciLayout(store, archive, opts);
    else throw new InvalidArchiveError('not an image archive: it has neither manifest.json (docker save) nor oci-layout and index.json (OCI layout)');
    if (plans.length === 0) throw new InvalidArchiveError('the archive holds no image');
    const ready: NewImage[] = [];
    for (const p of plans) ready.push(await storeAndUnpack(store, p, op));
    const messages = await store.register(ready);
    for (const img of ready) {
      if (img.tags.length === 0) messages.push(`Loaded image ID: ${img.id}`);
      for (const t of img.tags) messages.push(`Loaded image: ${familiarString(t)}`);
    }
    return { images: ready.map((r) => ({ id: r.id, tags: r.tags.map(familiarString) })), messages };
  } finally {
    await op.end();
  }
}
