// Pull: reference -> (index -> platform) manifest -> config + layers. Layers download in parallel
// (3 at a time by default) into spools that are hashed as they arrive and unpacked while they
// download, in layer order; blobs enter the content store and the image is registered only when
// everything is verified. On failure op.end() removes every snapshot the pull created.
import * as fs from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  applyLayer, chainIds, fsyncDir, prewarmLayerUnpack, sha256Digest,
} from '../../storage/index.js';
import {
  familiarString, parseImageConfig, parseIndex, parseManifest, layerCompression, hostPlatform,
  type ImageStore, type Manifest, type Reference, type Operation, type Platform,
} from '../../image/index.js';
import { uncompressedDigest } from '../../image/decompress.js';
import { RegistryError, RegistryDigestError } from '../errors.js';
import { MediaTypes, type Repository, type Fetched } from './repository.js';
import { LayerProgress, shortId, type ProgressSink } from './progress.js';
import { Limiter, Spool } from './spool.js';
import type { BlobRecords } from './sources.js';

export interface PullTarget {
  repo: Repository;
  /** The reference as the user named it (normalized: docker.io/library/busybox:latest). */
  ref: Reference;
  /** host/repo for blob source records. */
  source: string;
}

export interface PullSettings {
  platform?: { os: string; architecture: string; variant?: string };
  maxConcurrentDownloads: number;
  progress: ProgressSink;
  records?: BlobRecords;
}

export interface PullResult { id: string; digest: string; upToDate: boolean }

function platformMatches(p: Platform | undefined, want: { os: string; architecture: string; variant?: string }): boolean {
  if (!p || p.os !== want.os || p.architecture !== want.architecture) return false;
  if (want.variant) return p.variant === want.variant || (!p.variant && want.variant === 'v8' && want.architecture === 'arm64');
  return true;
}

function hostPlatformFull(): { os: string; architecture: string; variant?: string } {
  const p = hostPlatform();
  return p.architecture === 'arm64' ? { ...p, variant: 'v8' } : p;
}

/** Resolves an index to the manifest for the wanted platform (Docker's order: exact variant first). */
async function platformManifest(t: PullTarget, top: Fetched, want: PullSettings['platform']): Promise<Fetched> {
  if (top.mediaType !== MediaTypes.ociIndex && top.mediaType !== MediaTypes.dockerList) return top;
  const index = parseIndex(top.bytes, `index ${top.digest}`);
  const w = want ?? hostPlatformFull();
  const pick = index.manifests.find((m) => platformMatches(m.platform, w))
    ?? (w.variant ? index.manifests.find((m) => platformMatches(m.platform, { os: w.os, architecture: w.architecture })) : undefined);
  if (!pick) {
    throw new RegistryError(`no matching manifest for ${w.os}/${w.architecture}${w.variant ? `/${w.variant}` : ''} in the manifest list entries`, 404, 'MANIFEST_UNKNOWN');
  }
  return t.repo.manifest(pick.digest);
}

/** Pulls one reference into the store; see the file comment. */
export async function pullOne(store: ImageStore, t: PullTarget, s: PullSettings): Promise<PullResult> {
  const refText = t.ref.digest ?? t.ref.tag ?? 'latest';
  const top = await t.repo.manifest(refText);
  s.progress({ status: `Pulling from ${t.ref.path}`, id: refText });
  const fetched = await platformManifest(t, top, s.platform);
  if (fetched.mediaType !== MediaTypes.ociManifest && fetched.mediaType !== MediaTypes.dockerManifest) {
    throw new RegistryError(`unsupported manifest media type ${fetched.mediaType || '(none)'} for ${familiarString(t.ref)}`, 400, 'MANIFEST_INVALID');
  }
  const manifest = parseManifest(fetched.bytes, `manifest ${fetched.digest}`);
  for (const [i, l] of manifest.layers.entries()) {
    if (layerCompression(l.mediaType) === undefined) throw new RegistryError(`manifest ${fetched.digest}: layer ${i} has unsupported media type ${l.mediaType}`, 400, 'MANIFEST_INVALID');
  }
  const configBytes = await t.repo.blobBytes(manifest.config);
  const config = parseImageConfig(configBytes, `image config ${manifest.config.digest}`);
  const id = manifest.config.digest;
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new RegistryError(`manifest ${fetched.digest} lists ${manifest.layers.length} layers but its config has ${config.rootfs.diff_ids.length} diff IDs`, 400, 'MANIFEST_INVALID');
  }
  const tagRef: Reference | undefined = t.ref.digest ? undefined : { ...t.ref };
  const digestRef: Reference = { name: t.ref.name, domain: t.ref.domain, path: t.ref.path, digest: top.digest };
  const previous = tagRef ? safeResolve(store, familiarString(tagRef)) : safeResolve(store, familiarString(digestRef));
  const op = await store.beginOperation('pull');
  // The layers' deferred syncfs waits for the pull's end (its fsyncs would wait for that writeback).
  await store.snapshots.holdingSyncs(async () => {
    try {
      // Even a known image ID may come with other blobs (the same layers compressed differently).
      await fetchLayers(store, t, s, manifest, config.rootfs.diff_ids, op);
      for (const [digest, bytes] of [[id, configBytes], [fetched.digest, fetched.bytes]] as const) {
        const existed = await store.content.has(digest);
        await store.content.ingest(bytes, { digest });
        op.blob(digest, !existed);
      }
      await store.unpack(id, config, manifest); // every layer exists: records their sizes only
      await store.register([{ id, manifestDigest: fetched.digest, tags: tagRef ? [tagRef, digestRef] : [digestRef] }]);
    } finally {
      await op.end();
    }
  });
  if (s.records) {
    for (const l of manifest.layers) s.records.addSource(l.digest, t.source);
    s.records.addSource(manifest.config.digest, t.source);
    await s.records.save();
  }
  return { id, digest: top.digest, upToDate: previous === id };
}

function safeResolve(store: ImageStore, ref: string): string | undefined {
  try { return store.resolve(ref); } catch { return undefined; }
}

async function fetchLayers(store: ImageStore, t: PullTarget, s: PullSettings, manifest: Manifest, diffIds: string[], op: Operation): Promise<void> {
  const chains = chainIds(diffIds);
  const n = manifest.layers.length;
  const present: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const blob = manifest.layers[i]!.digest;
    present[i] = (await store.snapshots.hasLayer(chains[i]!)) && (await store.content.has(blob));
    if (present[i]) { op.layer(chains[i]!, false); op.blob(blob, false); }
  }
  // The unpack threads start while the first layer's bytes arrive, not after them.
  if (manifest.layers.some((l, i) => !present[i] && layerCompression(l.mediaType) === 'gzip')) prewarmLayerUnpack();
  const progress = manifest.layers.map((l) => new LayerProgress(s.progress, shortId(l.digest)));
  for (let i = 0; i < n; i++) progress[i]!.status(present[i] ? 'Already exists' : 'Pulling fs layer');
  const limiter = new Limiter(s.maxConcurrentDownloads);
  const spools: Array<Spool | undefined> = [];
  let failure: Error | undefined;
  const fail = (err: Error) => {
    failure ??= err;
    for (const sp of spools) sp?.fail(failure);
  };
  const downloads: Promise<void>[] = [];
  const spoolReady: Array<Promise<Spool | undefined>> = [];
  for (let i = 0; i < n; i++) {
    if (present[i]) { spoolReady.push(Promise.resolve(undefined)); downloads.push(Promise.resolve()); continue; }
    const desc = manifest.layers[i]!;
    let ready!: (sp: Spool | undefined) => void;
    spoolReady.push(new Promise((r) => { ready = r; }));
    downloads.push(limiter.run(async () => {
      if (failure) { ready(undefined); return; }
      const sp = await Spool.create(store.content.tmpDir);
      spools[i] = sp;
      ready(sp);
      const hash = createHash('sha256');
      let got = 0;
      try {
        for await (const chunk of t.repo.blobChunks(desc)) {
          if (failure) throw failure;
          hash.update(chunk);
          got += chunk.length;
          await sp.write(chunk);
          progress[i]!.bytes('Downloading', got, desc.size);
        }
        progress[i]!.bytes('Downloading', got, desc.size, true);
        progress[i]!.status('Verifying Checksum');
        const digest = 'sha256:' + hash.digest('hex');
        if (digest !== desc.digest || got !== desc.size) throw new RegistryDigestError(`layer ${desc.digest}`, desc.digest, digest);
        await sp.finish();
        progress[i]!.status('Download complete');
      } catch (err) {
        fail(err as Error);
        throw err;
      }
    }, () => progress[i]!.status('Waiting')).catch((err: Error) => { ready(undefined); fail(err); }));
  }
  // Unpack in layer order, each while (or after) its download runs.
  const unpacking = (async () => {
    for (let i = 0; i < n; i++) {
      if (present[i]) continue;
      const sp = await spoolReady[i]!;
      if (!sp || failure) throw failure ?? new Error('download did not start');
      const desc = manifest.layers[i]!;
      const chain = chains[i]!;
      op.lease(chain);
      const input = Readable.from(sp.reader((read) => progress[i]!.bytes('Extracting', read, desc.size)), { objectMode: false });
      if (await store.snapshots.hasLayer(chain)) {
        // The layer is unpacked already (from another blob): still prove this blob holds it.
        const actual = await uncompressedDigest(input);
        if (actual.digest !== diffIds[i]) throw new RegistryError(`layer ${desc.digest}: content does not match diff ID ${diffIds[i]} (got ${actual.digest})`);
        op.layer(chain, false);
      } else {
        // Synced after the pull (deferSync): the blob is durable before the image is registered,
        // and a layer a machine crash tore is unpacked again from it.
        const res = await store.snapshots.ensureLayer(chain, i ? chains[i - 1]! : null, (dir) => applyLayer(input, dir, {
          inPlace: true, whiteouts: store.snapshots.whiteoutMode, expectDiffId: diffIds[i]!, earlySync: false,
          ...(store.options.maxLayerBytes ? { maxBytes: store.options.maxLayerBytes } : {}),
        }), { deferSync: true });
        op.layer(chain, res.created);
      }
      progress[i]!.bytes('Extracting', desc.size, desc.size, true);
      progress[i]!.status('Pull complete');
    }
  })();
  unpacking.catch((err: Error) => fail(err));
  await Promise.all(downloads);
  try {
    await unpacking;
    if (failure) throw failure;
    // Everything verified: the spools become blobs (renames, no copy).
    for (let i = 0; i < n; i++) {
      const sp = spools[i];
      if (!sp) continue;
      const digest = manifest.layers[i]!.digest;
      const existed = await store.content.has(digest);
      if (!existed) {
        await fs.mkdir(store.content.blobDir, { recursive: true });
        await fs.rename(sp.file, store.content.path(digest));
      }
      op.blob(digest, !existed);
    }
    await fsyncDir(store.content.blobDir);
  } catch (err) {
    throw failure ?? err;
  } finally {
    for (const sp of spools) await sp?.discard();
  }
}

export { sha256Digest };
