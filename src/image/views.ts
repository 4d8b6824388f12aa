// Docker-shaped read views of the image store: list (ImageSummary), inspect (ImageInspect), history.
import type { ImageStore, Image } from './store.js';
import type { ContainerConfig } from './types.js';
import { chainIdsOfConfig } from './chain.js';
import { parseReference } from './reference.js';

export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  /** Unix seconds. */
  Created: number;
  Size: number;
  /** Bytes of this image's layers that other images share (Docker's SharedSize). */
  SharedSize: number;
  VirtualSize: number;
  Labels: Record<string, string>;
  /** Number of containers using the image, or -1 when not counted. */
  Containers: number;
}

export interface ListOptions {
  /** Include intermediate images (untagged parents of other images). */
  all?: boolean;
  /** true: only dangling (untagged) images; false: only tagged ones. */
  dangling?: boolean;
  /** Only images with a reference matching this repository[:tag] (exact, familiar or full form). */
  reference?: string;
  /** Counts containers using an image (fills Containers). */
  containers?: (id: string) => number;
}

export interface HistoryItem {
  Id: string;
  /** Unix seconds. */
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

function unixSeconds(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

/** Docker's container.Config with its zero values, then the image's own fields. */
function fullConfig(c: ContainerConfig | undefined): Record<string, unknown> {
  return {
    Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: false, AttachStderr: false,
    Tty: false, OpenStdin: false, StdinOnce: false, Env: null, Cmd: null, Image: '', Volumes: null,
    WorkingDir: '', Entrypoint: null, OnBuild: null, Labels: null, ...(c ?? {}),
  };
}

function matchesReference(img: Image, wanted: string): boolean {
  let want;
  try { want = parseReference(wanted); } catch { return false; }
  return [...img.repoTags, ...img.repoDigests].some((r) => {
    const have = parseReference(r);
    return have.name === want.name && (!want.tag || want.tag === have.tag) && (!want.digest || want.digest === have.digest);
  });
}

export async function list(store: ImageStore, opts: ListOptions): Promise<ImageSummary[]> {
  const images = await Promise.all(store.ids().map((id) => store.byId(id)));
  // How many images use each layer (chain ID): the basis of SharedSize, as Docker computes it.
  const layerRefs = new Map<string, number>();
  const chainsOf = new Map<string, string[]>();
  const parents = new Set<string>();
  for (const img of images) {
    const chains = chainIdsOfConfig(img.config);
    chainsOf.set(img.id, chains);
    for (const c of chains) layerRefs.set(c, (layerRefs.get(c) ?? 0) + 1);
    if (img.parent) parents.add(img.parent);
  }
  const layers = store.db.view.Layers;
  const out: ImageSummary[] = [];
  for (const img of images) {
    const dangling = img.repoTags.length === 0 && img.repoDigests.length === 0;
    if (dangling && !opts.all && parents.has(img.id)) continue; // intermediate image
    if (opts.dangling === true && img.repoTags.length > 0) continue;
    if (opts.dangling === false && dangling) continue;
    if (opts.reference !== undefined && !matchesReference(img, opts.reference)) continue;
    const chains = chainsOf.get(img.id)!;
    const size = store.imageSize(img);
    const shared = chains.reduce((n, c) => n + ((layerRefs.get(c) ?? 0) > 1 ? (layers[c]?.size ?? 0) : 0), 0);
    out.push({
      Id: img.id,
      ParentId: img.parent,
      RepoTags: img.repoTags,
      RepoDigests: img.repoDigests,
      Created: unixSeconds(img.config.created),
      Size: size,
      SharedSize: shared,
      VirtualSize: size,
      Labels: img.config.config?.Labels ?? {},
      Containers: opts.containers ? opts.containers(img.id) : -1,
    });
  }
  return out.sort((a, b) => b.Created - a.Created || a.Id.localeCompare(b.Id));
}

export async function inspect(store: ImageStore, refOrId: string): Promise<Record<string, unknown>> {
  const img = await store.get(refOrId);
  const c = img.config;
  const chains = chainIdsOfConfig(c);
  const size = store.imageSize(img);
  let graphData: Record<string, string> | null = null;
  if (store.snapshots.driver === 'overlay' && chains.length > 0) {
    const dirs = chains.map((ch) => store.snapshots.layerDir(ch));
    graphData = { UpperDir: dirs[dirs.length - 1]! };
    if (dirs.length > 1) graphData.LowerDir = dirs.slice(0, -1).reverse().join(':');
  }
  return {
    Id: img.id,
    RepoTags: img.repoTags,
    RepoDigests: img.repoDigests,
    Parent: img.parent,
    Comment: c.comment ?? '',
    Created: c.created ?? '0001-01-01T00:00:00Z',
    Container: c.container ?? '',
    ContainerConfig: fullConfig(c.container_config),
    DockerVersion: c.docker_version ?? '',
    Author: c.author ?? '',
    Config: fullConfig(c.config),
    Architecture: c.architecture,
    ...(c.variant ? { Variant: c.variant } : {}),
    Os: c.os,
    ...(typeof c['os.version'] === 'string' ? { OsVersion: c['os.version'] } : {}),
    Size: size,
    VirtualSize: size,
    GraphDriver: { Name: store.snapshots.driver, Data: graphData },
    RootFS: { Type: 'layers', Layers: [...c.rootfs.diff_ids] },
    Metadata: { LastTagTime: img.lastTagTime ?? '0001-01-01T00:00:00Z' },
  };
}

/** `docker history`: newest first; Id is the image ID on the top entry, `<missing>` below. */
export async function history(store: ImageStore, refOrId: string): Promise<HistoryItem[]> {
  const img = await store.get(refOrId);
  const diffIds = img.config.rootfs.diff_ids;
  const chains = chainIdsOfConfig(img.config);
  const layers = store.db.view.Layers;
  const items: HistoryItem[] = [];
  let layer = 0;
  for (const h of img.config.history ?? []) {
    let size = 0;
    if (!h.empty_layer) {
      if (layer >= diffIds.length) throw new Error(`image ${img.id}: too many non-empty layers in History section`);
      size = layers[chains[layer]!]?.size ?? 0;
      layer++;
    }
    items.unshift({ Id: '<missing>', Created: unixSeconds(h.created), CreatedBy: h.created_by ?? '', Tags: null, Size: size, Comment: h.comment ?? '' });
  }
  // Walk the parent chain to name the entries we know images for.
  let cur: Image | undefined = img;
  for (const item of items) {
    if (!cur) break;
    item.Id = cur.id;
    item.Tags = cur.repoTags.length ? cur.repoTags : null;
    cur = cur.parent && store.has(cur.parent) ? await store.byId(cur.parent) : undefined;
  }
  return items;
}
