// `docker save`: images to a tar stream, as Docker's format (manifest.json, repositories, legacy
// <id>/{json,VERSION,layer.tar} dirs, uncompressed layers) or as an OCI image layout. Streams.
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import tar from 'tar-stream';
import { sha256Digest } from '../storage/index.js';
import type { ImageStore, Image } from './store.js';
import { parseReference, parseNormalizedTagged, familiarName, familiarString, referenceString, type Reference } from './reference.js';
import { Annotations, MediaTypes, type ImageConfig } from './types.js';
import { chainIdsOfConfig } from './chain.js';
import { decompressStream, uncompressedDigest, HashingStream } from './decompress.js';

export type SaveFormat = 'docker' | 'oci';

export interface SaveOptions {
  format?: SaveFormat;
}

interface Selected {
  image: Image;
  tags: Reference[];
}

/** Resolves names as `docker save` does: IDs save untagged, `repo` saves all its tags, `repo:tag` one. */
export async function selectImages(store: ImageStore, names: string[]): Promise<Selected[]> {
  if (names.length === 0) throw new Error('save: no image given');
  const byId = new Map<string, Selected>();
  const add = async (id: string, tag?: Reference) => {
    let s = byId.get(id);
    if (!s) { s = { image: await store.byId(id), tags: [] }; byId.set(id, s); }
    if (tag && !s.tags.some((t) => referenceString(t) === referenceString(tag))) s.tags.push(tag);
  };
  for (const name of names) {
    let ref: Reference | undefined;
    try { ref = parseReference(name); } catch { ref = undefined; }
    if (ref && !ref.tag && !ref.digest) {
      // `docker save busybox`: every tag of the repository.
      const repo = store.db.view.Repositories[ref.name] ?? {};
      const tags = Object.entries(repo).filter(([r]) => !parseReference(r).digest);
      if (tags.length > 0) {
        for (const [r, target] of tags) await add(target, parseReference(r));
        continue;
      }
    }
    const id = store.resolve(name);
    const tagged = ref ? parseNormalizedTagged(name) : undefined;
    const viaRef = tagged && !tagged.digest && store.db.view.Repositories[tagged.name]?.[referenceString(tagged)] === id;
    await add(id, viaRef ? tagged : undefined);
  }
  return [...byId.values()];
}

function mtimeOf(config: ImageConfig): Date {
  const t = config.created ? Date.parse(config.created) : NaN;
  return new Date(Number.isNaN(t) ? 0 : t);
}

/** Writes one entry, streaming `src` with backpressure. */
async function writeEntry(pack: tar.Pack, header: tar.Header | (Partial<tar.Header> & { name: string }), src: Buffer | Readable): Promise<void> {
  if (Buffer.isBuffer(src)) {
    await new Promise<void>((res, rej) => pack.entry({ ...header, size: src.length }, src, (e) => (e ? rej(e) : res())));
    return;
  }
  let done!: Promise<void>;
  const sink = (() => {
    let s!: ReturnType<tar.Pack['entry']>;
    done = new Promise<void>((res, rej) => { s = pack.entry(header, (e) => (e ? rej(e) : res())); });
    return s;
  })();
  try {
    for await (const chunk of src) {
      if (!sink.write(chunk as Buffer)) await once(sink as unknown as NodeJS.EventEmitter, 'drain');
    }
  } catch (err) {
    sink.destroy(err as Error);
    pack.destroy(err as Error);
    throw err;
  }
  (sink as unknown as NodeJS.WritableStream).end();
  await done;
}

/** The uncompressed layer tar of layer `i` (verified against its diff ID) and its size. */
async function layerTar(store: ImageStore, img: Image, i: number): Promise<{ size: number; open: () => Promise<Readable> }> {
  const blob = img.manifest.layers[i]!;
  const diffId = img.config.rootfs.diff_ids[i]!;
  if (blob.digest === diffId) return { size: blob.size, open: async () => store.content.readStream(blob.digest) };
  const chain = chainIdsOfConfig(img.config)[i]!;
  let size = store.db.view.Layers[chain]?.tarSize;
  if (size === undefined) size = (await uncompressedDigest(store.content.readStream(blob.digest))).size;
  return {
    size,
    open: async () => {
      const { stream } = await decompressStream(store.content.readStream(blob.digest));
      const hash = new HashingStream();
      stream.on('error', (e) => hash.destroy(e));
      stream.pipe(hash);
      hash.on('end', () => {
        const got = hash.digest();
        if (got !== diffId) hash.destroy(new Error(`layer ${blob.digest} of image ${img.id} does not match diff ID ${diffId} (got ${got})`));
      });
      return hash;
    },
  };
}

/** Docker's v1 layer ID: a digest over the v1 config, the chain ID and the parent v1 ID. */
function v1Id(v1: Record<string, unknown>, chain: string, parent: string): string {
  const o: Record<string, unknown> = { ...v1, layer_id: chain };
  delete o.id;
  if (parent) o.parent = parent;
  return sha256Digest(JSON.stringify(o)).slice(7);
}

function v1Config(img: Image, last: boolean): Record<string, unknown> {
  if (!last) {
    return { created: '1970-01-01T00:00:00Z', container_config: { Cmd: null }, os: img.config.os };
  }
  const { rootfs: _r, history: _h, ...rest } = img.config;
  return rest;
}

async function saveDocker(store: ImageStore, sel: Selected[], pack: tar.Pack): Promise<void> {
  const manifest: Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }> = [];
  const repositories: Record<string, Record<string, string>> = {};
  const written = new Set<string>();
  for (const { image: img, tags } of sel) {
    const mtime = mtimeOf(img.config);
    const configName = `${img.id.slice(7)}.json`;
    if (!written.has(configName)) {
      await writeEntry(pack, { name: configName, mtime, mode: 0o644 }, await store.content.read(img.id));
      written.add(configName);
    }
    const chains = chainIdsOfConfig(img.config);
    const layers: string[] = [];
    let parent = '';
    for (let i = 0; i < chains.length; i++) {
      const last = i === chains.length - 1;
      const v1 = v1Config(img, last);
      const id = v1Id(v1, chains[i]!, parent);
      const dir = id;
      if (!written.has(dir)) {
        const json = { ...v1, id, ...(parent ? { parent } : {}) };
        await writeEntry(pack, { name: `${dir}/`, type: 'directory', mode: 0o755, mtime }, Buffer.alloc(0));
        await writeEntry(pack, { name: `${dir}/VERSION`, mtime, mode: 0o644 }, Buffer.from('1.0'));
        await writeEntry(pack, { name: `${dir}/json`, mtime, mode: 0o644 }, Buffer.from(JSON.stringify(json)));
        const lt = await layerTar(store, img, i);
        await writeEntry(pack, { name: `${dir}/layer.tar`, size: lt.size, mtime, mode: 0o644 }, await lt.open());
        written.add(dir);
      }
      layers.push(`${dir}/layer.tar`);
      parent = id;
    }
    manifest.push({ Config: configName, RepoTags: tags.length ? tags.map(familiarString) : null, Layers: layers });
    for (const t of tags) (repositories[familiarName(t)] ??= {})[t.tag!] = parent;
  }
  const epoch = new Date(0);
  await writeEntry(pack, { name: 'manifest.json', mtime: epoch, mode: 0o644 }, Buffer.from(JSON.stringify(manifest)));
  if (Object.keys(repositories).length) {
    await writeEntry(pack, { name: 'repositories', mtime: epoch, mode: 0o644 }, Buffer.from(JSON.stringify(repositories)));
  }
}

async function saveOci(store: ImageStore, sel: Selected[], pack: tar.Pack): Promise<void> {
  const epoch = new Date(0);
  await writeEntry(pack, { name: 'oci-layout', mtime: epoch, mode: 0o644 }, Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  await writeEntry(pack, { name: 'blobs/', type: 'directory', mtime: epoch, mode: 0o755 }, Buffer.alloc(0));
  await writeEntry(pack, { name: 'blobs/sha256/', type: 'directory', mtime: epoch, mode: 0o755 }, Buffer.alloc(0));
  const written = new Set<string>();
  const blob = async (digest: string) => {
    if (written.has(digest)) return;
    written.add(digest);
    const size = await store.content.size(digest);
    await writeEntry(pack, { name: `blobs/sha256/${digest.slice(7)}`, size, mtime: epoch, mode: 0o644 }, store.content.readStream(digest));
  };
  const manifests: Array<Record<string, unknown>> = [];
  for (const { image: img, tags } of sel) {
    for (const l of img.manifest.layers) await blob(l.digest);
    await blob(img.id);
    await blob(img.manifestDigest);
    const desc = {
      mediaType: img.manifest.mediaType ?? MediaTypes.ociManifest,
      digest: img.manifestDigest,
      size: await store.content.size(img.manifestDigest),
    };
    if (tags.length === 0) manifests.push(desc);
    for (const t of tags) {
      manifests.push({ ...desc, annotations: { [Annotations.containerdImageName]: referenceString(t), [Annotations.refName]: t.tag! } });
    }
  }
  const index = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests };
  await writeEntry(pack, { name: 'index.json', mtime: epoch, mode: 0o644 }, Buffer.from(JSON.stringify(index)));
}

/** Streams the named images as a tar archive into `out`. */
export async function saveImages(store: ImageStore, names: string[], out: Writable, opts: SaveOptions = {}): Promise<void> {
  const sel = await selectImages(store, names);
  const pack = tar.pack();
  const piping = pipeline(pack as unknown as Readable, out);
  try {
    if ((opts.format ?? 'docker') === 'oci') await saveOci(store, sel, pack);
    else await saveDocker(store, sel, pack);
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    await piping.catch(() => undefined);
    throw err;
  }
  await piping;
}
