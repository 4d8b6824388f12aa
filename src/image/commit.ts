// `docker commit`: a container's changes become one new layer on top of its image, with the
// container's config merged in (Docker's rules) and `--change` instructions applied.
//
// The container is paused only while its changes are captured (diff tar -> a private temp file);
// the image is then built through createImage, which stores the layer, unpacks it once as a shared
// snapshot keyed by its chain ID and registers the image last, all under an Operation: a process
// killed at any point leaves no visible image, and ImageStore.open removes what it left behind.
import { createReadStream, createWriteStream } from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { diffTar, removeTree } from '../storage/index.js';
import type { ImageStore } from './store.js';
import { applyChanges } from './changes.js';
import { createImage } from './create.js';
import { chainIdsOfConfig } from './chain.js';
import { ImageNotFoundError } from './errors.js';
import { parseNormalizedTagged, InvalidReferenceError } from './reference.js';
import type { ContainerConfig } from './types.js';

/** sha256 of an empty tar (two zero blocks): a commit without changes adds no layer (as Docker). */
export const EMPTY_TAR_DIGEST = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

export interface CommitOptions {
  /** The container's snapshot (its writable layer). */
  snapshotKey: string;
  /** The container's image ID, or null for a container without an image. */
  parentImageId: string | null;
  /** The container's config: recorded as `container_config` and merged under the new config. */
  containerConfig: ContainerConfig;
  /** The commit request's config (API body); default: the container's config. */
  config?: ContainerConfig;
  /** Dockerfile instructions (`--change`): CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR. */
  changes?: string[];
  author?: string;
  /** Commit message (`-m`). */
  comment?: string;
  /** `repo[:tag]` to point at the new image. */
  reference?: string;
  /** Pause/resume the container around the capture of its changes (`--pause`). */
  pause?: () => Promise<void> | void;
  resume?: () => Promise<void> | void;
  containerId?: string;
  /** Paths of the container's layer that are not part of the image (the engine's mount targets). */
  exclude?: (path: string) => boolean;
  /** Creation time (default now). */
  created?: Date;
}

const hasItems = (x: unknown[] | Record<string, unknown> | null | undefined) =>
  !!x && (Array.isArray(x) ? x.length > 0 : Object.keys(x).length > 0);

/**
 * Docker's commit merge: fields the new config leaves empty come from the container's config;
 * Env, ExposedPorts, Labels and Volumes are unions (the new config wins per key).
 */
export function mergeCommitConfig(user: ContainerConfig, container: ContainerConfig): ContainerConfig {
  const c = structuredClone(container);
  const out: ContainerConfig = structuredClone(user);
  if (!out.User) out.User = c.User ?? '';
  if (!hasItems(out.ExposedPorts)) out.ExposedPorts = c.ExposedPorts;
  else out.ExposedPorts = { ...c.ExposedPorts, ...out.ExposedPorts };
  if (!hasItems(out.Env)) out.Env = c.Env;
  else {
    const keys = new Set(out.Env!.map((e) => e.split('=')[0]));
    for (const e of c.Env ?? []) if (!keys.has(e.split('=')[0])) out.Env!.push(e);
  }
  out.Labels = { ...c.Labels, ...out.Labels };
  if (!hasItems(out.Entrypoint)) {
    if (!hasItems(out.Cmd)) {
      out.Cmd = c.Cmd;
      if (c.ArgsEscaped !== undefined) out.ArgsEscaped = c.ArgsEscaped;
    }
    if (out.Entrypoint == null) out.Entrypoint = c.Entrypoint;
  }
  if (c.Healthcheck) out.Healthcheck = { ...c.Healthcheck, ...out.Healthcheck };
  if (!out.WorkingDir) out.WorkingDir = c.WorkingDir ?? '';
  if (!hasItems(out.Volumes)) out.Volumes = c.Volumes;
  else out.Volumes = { ...out.Volumes, ...c.Volumes };
  if (!out.StopSignal && c.StopSignal) out.StopSignal = c.StopSignal;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

/** Checks everything checkable before the container is paused, so bad input changes nothing. */
async function validate(store: ImageStore, opts: CommitOptions): Promise<ContainerConfig> {
  const config = mergeCommitConfig(applyChanges(opts.config ?? opts.containerConfig, opts.changes ?? []), opts.containerConfig);
  if (opts.reference !== undefined) {
    const ref = parseNormalizedTagged(opts.reference);
    if (ref.digest) throw new InvalidReferenceError(opts.reference, `refusing to create a tag with a digest reference: ${opts.reference}`);
  }
  const info = await store.snapshots.stat(opts.snapshotKey);
  if (info.kind !== 'active') throw new Error(`commit: snapshot ${opts.snapshotKey} is a layer, not a container snapshot`);
  let top: string | null = null;
  if (opts.parentImageId !== null) {
    if (!store.has(opts.parentImageId)) throw new ImageNotFoundError(opts.parentImageId);
    top = chainIdsOfConfig((await store.byId(opts.parentImageId)).config).at(-1) ?? null;
  }
  if (info.parent !== top) {
    throw new Error(`commit: snapshot ${opts.snapshotKey} is not based on image ${opts.parentImageId ?? '(none)'}`);
  }
  return config;
}

/** Writes the container's diff tar to `file` and returns its digest (the layer's diff ID). */
async function captureDiff(store: ImageStore, key: string, file: string, exclude?: (path: string) => boolean): Promise<string> {
  const hash = createHash('sha256');
  const hashing = new Transform({ transform(chunk: Buffer, _enc, cb) { hash.update(chunk); cb(null, chunk); } });
  const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  await pipeline(diffTar(store.snapshots, key, { exclude }), hashing, out);
  return 'sha256:' + hash.digest('hex');
}

/** Commits the container's snapshot as a new image; returns its ID. */
export async function commitContainer(store: ImageStore, opts: CommitOptions): Promise<{ id: string }> {
  const config = await validate(store, opts);
  const tmp = await store.tempDir(); // removed at the next ImageStore.open if we die
  try {
    const layerFile = path.join(tmp, 'layer.tar');
    await opts.pause?.();
    let diffId: string;
    try {
      diffId = await captureDiff(store, opts.snapshotKey, layerFile, opts.exclude);
    } finally {
      await opts.resume?.();
    }
    const empty = diffId === EMPTY_TAR_DIGEST;
    const { id } = await createImage(store, {
      ...(opts.parentImageId !== null ? { parent: opts.parentImageId } : {}),
      ...(empty ? {} : { layer: createReadStream(layerFile, { highWaterMark: 1 << 20 }) }),
      config,
      ...(opts.author ? { author: opts.author } : {}),
      ...(opts.comment ? { comment: opts.comment } : {}),
      createdBy: (opts.containerConfig.Cmd ?? []).join(' '),
      ...(opts.created ? { created: opts.created } : {}),
      ...(opts.reference !== undefined ? { tag: opts.reference } : {}),
      extra: {
        ...(opts.containerId ? { container: opts.containerId } : {}),
        container_config: opts.containerConfig,
      },
    });
    return { id };
  } finally {
    await removeTree(tmp);
  }
}
