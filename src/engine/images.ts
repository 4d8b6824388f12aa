// The engine's image operations behind /images/*, /commit and /system/df: the image store plus
// the container side (who uses an image, commit sources) and the image events Docker emits.
import type { Readable, Writable } from 'node:stream';
import {
  ChangeError, InvalidReferenceError, ImageConflictError, ImageNotFoundError, familiarize, commitContainer, familiarString, importImage, loadImages,
  parseNormalizedTagged, parseReference, saveImages, selectImages,
  type ContainerConfig, type DeleteItem, type ImageStore, type ImageSummary, type PruneReport,
} from '../image/index.js';
import { ConflictError, EngineError, InvalidParameterError, NotFoundError, SystemError } from './errors.js';
import type { EventBus } from './events.js';
import { matchKeyValueList, validateFilterKeys, type FilterArgs } from './filters.js';
import { listImages, type ImageListQuery } from './images-list.js';
import { isInitLayerPath } from './init-layer.js';
import type { RegistryService, RegistryServiceOptions } from '../registry/service.js';
import { RegistryError } from '../registry/errors.js';
import type { AuthConfig } from '../registry/client/auth.js';
import type { ProgressSink } from '../registry/client/progress.js';

/** A container as commit needs it. */
export interface CommitSource {
  id: string;
  /** The container's image ID (sha256:...). */
  imageId: string;
  /** The container's (merged) config, recorded as container_config. */
  config: ContainerConfig;
  running: boolean;
  paused: boolean;
  dead: boolean;
  removing: boolean;
  pause(): Promise<void>;
  unpause(): Promise<void>;
  /** Emits a container event (commit) with Docker's container attributes plus `attrs`. */
  emit(action: string, attrs: Record<string, string>): void;
  /** Paths of the container's layer that belong to its volumes (never committed). */
  inVolume?(path: string): boolean;
}

/** What the image side needs to know about containers. */
export interface ImageContainerSide {
  /** Containers (in any state) using the image. */
  countUsing(imageId: string): number;
  /** True when a running container uses the image. */
  usedByRunning(imageId: string): boolean;
  /** The container to commit; throws NotFoundError. */
  commitSource(ref: string): CommitSource;
}

export interface ImageServiceOptions {
  store: ImageStore;
  events: EventBus;
  /** Absent: no container uses any image, and commit is not available. */
  containers?: ImageContainerSide;
  /** Registry client settings (insecure registries, mirrors, concurrency). */
  registry?: RegistryServiceOptions;
}

/** What pull and push take besides the reference. */
export interface RegistryCallOptions {
  platform?: string;
  auth?: AuthConfig;
  progress?: ProgressSink;
}

export interface ImportRequest {
  /** '-' (the body) or a URL. */
  source: string;
  body?: Readable;
  repo?: string;
  tag?: string;
  message?: string;
  changes?: string[];
  platform?: string;
}

export interface CommitRequest {
  container: string;
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  pause: boolean;
  changes?: string[];
  config?: ContainerConfig | null;
}

export interface DiskUsage {
  LayersSize: number;
  Images: ImageSummary[];
}

/** Library errors without an HTTP status become Docker's 400s; everything else passes. */
export function toApiError(err: unknown): unknown {
  if (err instanceof InvalidReferenceError || err instanceof ChangeError) return new InvalidParameterError(err.message);
  return err;
}

async function mapErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toApiError(err);
  }
}

/** Docker's RepoTagReference: repo (possibly with a tag) plus an optional tag; '' = none. */
export function repoTagReference(repo: string | undefined, tag: string | undefined, what = 'repo'): string | undefined {
  if (!repo) return undefined;
  let ref;
  try {
    ref = parseReference(repo);
  } catch (err) {
    throw new InvalidParameterError(`${what}: ${(err as Error).message}`);
  }
  if (ref.digest) throw new InvalidParameterError(`${what}: refusing to create a tag with a digest reference: ${repo}`);
  const name = familiarString({ ...ref, tag: undefined });
  const full = tag ? `${name}:${tag}` : ref.tag ? `${name}:${ref.tag}` : `${name}:latest`;
  try {
    return familiarString(parseNormalizedTagged(full));
  } catch (err) {
    throw new InvalidParameterError(`${what}/tag: ${(err as Error).message}`);
  }
}

function parsePlatform(p: string | undefined): { os: string; architecture: string; variant?: string } | undefined {
  if (!p) return undefined;
  const [os, architecture, variant, extra] = p.split('/');
  if (!os || !architecture || extra !== undefined) throw new InvalidParameterError(`invalid platform "${p}": expected os/arch[/variant]`);
  if (os !== 'linux') throw new InvalidParameterError(`invalid platform "${p}": only linux images are supported`);
  return { os, architecture, ...(variant ? { variant } : {}) };
}

export class ImageService {
  readonly store: ImageStore;
  private readonly events: EventBus;
  private readonly containers?: ImageContainerSide;
  private readonly registryOptions: RegistryServiceOptions;
  private registryService?: Promise<RegistryService>;

  constructor(opts: ImageServiceOptions) {
    this.store = opts.store;
    this.events = opts.events;
    this.containers = opts.containers;
    this.registryOptions = opts.registry ?? {};
  }

  /** The registry client, loaded on first pull, push or login: a daemon that never uses one stays leaner. */
  registry(): Promise<RegistryService> {
    this.registryService ??= import('../registry/service.js').then(({ RegistryService }) => new RegistryService(this.store, this.registryOptions));
    return this.registryService;
  }

  private inUse = (id: string): boolean => (this.containers?.countUsing(id) ?? 0) > 0;

  /** Docker's LogImageEvent: actor = the image (or ref), attributes = image labels + name. */
  private async emit(action: string, actorId: string, name: string, imageId?: string): Promise<void> {
    const labels = await this.labelsOf(imageId ?? actorId);
    this.events.emit('image', action, { ID: actorId, Attributes: { ...labels, name } });
  }

  // ---- read views ----

  list(q: ImageListQuery, parseTime: (v: string) => number): Promise<ImageSummary[]> {
    return mapErrors(() => listImages(this.store, q, parseTime));
  }

  inspect(name: string): Promise<Record<string, unknown>> {
    return mapErrors(() => this.store.inspect(name));
  }

  history(name: string) {
    return mapErrors(() => this.store.history(name));
  }

  /** /system/df: every image with its container count and shared size, and all layer bytes. */
  async diskUsage(): Promise<DiskUsage> {
    const images = await this.store.list({ all: true, containers: (id) => this.containers?.countUsing(id) ?? 0 });
    const LayersSize = Object.values(this.store.db.view.Layers).reduce((n, l) => n + l.size, 0);
    return { LayersSize, Images: images };
  }

  // ---- references ----

  /** POST /images/{name}/tag: `repo` may carry the tag; `tag` overrides it. */
  async tag(name: string, repo: string | undefined, tag: string | undefined): Promise<void> {
    if (!repo) throw new InvalidParameterError('repository name must have at least one component (repo is empty)');
    const target = repoTagReference(repo, tag);
    await mapErrors(async () => {
      const id = this.store.resolve(name);
      await this.store.tag(id, target!);
      await this.emit('tag', id, target!);
    });
  }

  /** DELETE /images/{name}: Docker's rules; untagged parents go too unless noprune. */
  async remove(name: string, opts: { force: boolean; noprune: boolean }): Promise<DeleteItem[]> {
    return mapErrors(async () => {
      const id = this.store.resolve(name);
      const img = await this.store.byId(id);
      const parent = img.parent;
      const refsBefore = this.store.references(id);
      let items: DeleteItem[];
      try {
        items = await this.store.remove(name, {
          force: opts.force,
          inUse: this.inUse,
          running: (i) => this.containers?.usedByRunning(i) ?? false,
        });
      } catch (err) {
        // Docker's quiet rule: once a named reference is removed, a container still using the
        // image or a child image only stops its deletion; the untag stands and is the answer.
        const left = new Set(this.store.references(id));
        const untagged = refsBefore.filter((r) => !left.has(r));
        const keptFor = this.inUse(id) || this.hasChildren(id);
        if (!(err instanceof ImageConflictError) || untagged.length === 0 || !keptFor) throw err;
        items = untagged.map((r) => ({ Untagged: familiarize(r) }));
      }
      this.emitRemoval(items, id, img.config.config?.Labels ?? {});
      if (!opts.noprune && items.some((it) => 'Deleted' in it && it.Deleted === id)) items.push(...await this.pruneParents(parent));
      return items;
    });
  }

  /** Docker's quiet parent pruning: dangling, childless, unused ancestors are deleted. */
  private async pruneParents(parent: string): Promise<DeleteItem[]> {
    const out: DeleteItem[] = [];
    while (parent && this.store.has(parent)) {
      if (this.hasChildren(parent) || this.store.references(parent).length > 0 || this.inUse(parent)) break;
      const pimg = await this.store.byId(parent);
      const items = await this.store.remove(parent, { inUse: this.inUse }).catch(() => [] as DeleteItem[]);
      if (items.length === 0) break;
      this.emitRemoval(items, parent, pimg.config.config?.Labels ?? {});
      out.push(...items);
      parent = pimg.parent;
    }
    return out;
  }

  private hasChildren(id: string): boolean {
    return this.store.ids().some((o) => this.store.db.view.Images[o]?.parent === id);
  }

  /** Docker logs untag (with the image's labels) per removed reference, then delete. */
  private emitRemoval(items: DeleteItem[], imageId: string, labels: Record<string, string>): void {
    for (const it of items) {
      if ('Untagged' in it) this.events.emit('image', 'untag', { ID: imageId, Attributes: { ...labels, name: imageId } });
      else if (it.Deleted === imageId) this.events.emit('image', 'delete', { ID: imageId, Attributes: { name: imageId } });
    }
  }

  private async labelsOf(id: string): Promise<Record<string, string>> {
    return this.store.has(id) ? (await this.store.byId(id)).config.config?.Labels ?? {} : {};
  }

  /** POST /images/prune: filters dangling, until, label, label!. */
  async prune(filters: FilterArgs, parseTime: (v: string) => number): Promise<PruneReport> {
    validateFilterKeys(filters, ['dangling', 'until', 'label', 'label!']);
    const danglingArg = [...(filters.get('dangling') ?? [])][0];
    if (danglingArg !== undefined && !/^(true|false|1|0)$/i.test(danglingArg)) throw new InvalidParameterError(`invalid filter 'dangling=${danglingArg}'`);
    const untilArg = [...(filters.get('until') ?? [])][0];
    const until = untilArg === undefined ? undefined : new Date(parseTime(untilArg));
    // Images a label filter excludes are treated like used ones: prune leaves them alone.
    const excluded = new Set<string>();
    const notLabels = [...(filters.get('label!') ?? [])];
    if (filters.has('label') || notLabels.length) {
      for (const id of this.store.ids()) {
        const labels = (await this.store.byId(id)).config.config?.Labels ?? {};
        const keep = matchKeyValueList(filters, 'label', labels) &&
          !notLabels.some((l) => matchKeyValueList(new Map([['label', new Set([l])]]), 'label', labels));
        if (!keep) excluded.add(id);
      }
    }
    const before = new Map<string, { refs: number; labels: Record<string, string> }>();
    for (const id of this.store.ids()) before.set(id, { refs: this.store.references(id).length, labels: await this.labelsOf(id) });
    const report = await mapErrors(() => this.store.prune({
      dangling: danglingArg === undefined ? true : /^(true|1)$/i.test(danglingArg),
      inUse: (id) => excluded.has(id) || this.inUse(id),
      ...(until ? { until } : {}),
    }));
    for (const it of report.ImagesDeleted) {
      if (!('Deleted' in it) || !before.has(it.Deleted)) continue;
      const was = before.get(it.Deleted)!;
      this.emitRemoval([...Array.from({ length: was.refs }, () => ({ Untagged: '' })), it], it.Deleted, was.labels);
    }
    this.events.emit('image', 'prune', { ID: '', Attributes: { reclaimed: String(report.SpaceReclaimed) } });
    return report;
  }

  // ---- import / pull / load / save ----

  /** POST /images/create?fromSrc=: returns the new image ID. */
  async importImage(req: ImportRequest): Promise<string> {
    const ref = repoTagReference(req.repo, req.tag);
    const platform = parsePlatform(req.platform);
    let source: string | Readable;
    if (req.source === '-') {
      if (!req.body) throw new InvalidParameterError('fromSrc=-: the request body must hold the archive');
      source = req.body;
    } else {
      source = req.source.includes('://') ? req.source : `http://${req.source}`;
      if (!/^https?:\/\//i.test(source)) throw new InvalidParameterError(`fromSrc: unsupported URL scheme in ${req.source} (http and https only)`);
    }
    const created = await mapErrors(() => importImage(this.store, source, {
      ...(req.changes?.length ? { changes: req.changes } : {}),
      message: req.message || `Imported from ${req.source}`,
      ...(ref ? { tag: ref } : {}),
      ...(platform ? { platform } : {}),
    })).catch((err: unknown) => {
      if (err instanceof EngineError || (err as { statusCode?: number }).statusCode) throw err;
      // A system failure (disk full, I/O error) stays a 500.
      if (typeof (err as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code!)) throw err;
      // Other import failures are the input's fault: an unreadable URL or a broken archive.
      throw new InvalidParameterError((err as Error).message);
    });
    if (ref) await this.emit('tag', created.id, ref);
    await this.emit('import', created.id, created.id);
    return created.id;
  }

  /**
   * POST /images/create?fromImage=: pulls from the registry, streaming Docker's progress messages
   * to opts.progress. An empty tag on a name without one pulls all tags (the API's rule). When no
   * registry can be reached, a present image is reported up to date (offline use).
   */
  async pull(fromImage: string, tag: string | undefined, opts: RegistryCallOptions = {}): Promise<string[]> {
    let ref: string;
    let allTags = false;
    try {
      const base = parseReference(fromImage);
      allTags = !tag && !base.tag && !base.digest && opts.progress !== undefined;
      if (tag && /^[a-z0-9]+:[0-9a-f]{32,}$/.test(tag)) ref = familiarString({ ...base, tag: undefined, digest: tag });
      else ref = familiarString(allTags ? base : parseNormalizedTagged(familiarString({ ...base, ...(tag ? { tag } : {}) })));
    } catch (err) {
      throw new InvalidParameterError(`fromImage: ${(err as Error).message}`);
    }
    const platform = parsePlatform(opts.platform);
    const lines: string[] = [];
    const progress = opts.progress ?? ((m) => { if (m.status) lines.push(m.status); });
    try {
      await (await this.registry()).pull({ reference: ref, progress, allTags, ...(opts.auth ? { auth: opts.auth } : {}), ...(platform ? { platform } : {}) });
    } catch (err) {
      if (!(err instanceof RegistryError) || err.code !== 'UNREACHABLE') throw toApiError(err);
      let id: string;
      try {
        id = this.store.resolve(ref);
      } catch (e) {
        if (!(e instanceof ImageNotFoundError)) throw toApiError(e);
        throw new NotFoundError(`pull access unavailable for ${ref}: wharf cannot reach image registries (${err.message}) and the image is not present locally`);
      }
      progress({ status: `Status: Image is up to date for ${ref}` });
      await this.emit('pull', ref, ref, id);
      return lines;
    }
    if (!allTags) await this.emit('pull', ref, ref, this.store.resolve(ref));
    return lines;
  }

  /** POST /images/{name}/push: `name` may carry the tag; `tag` overrides it; none = all tags. */
  async push(name: string, tag: string | undefined, opts: RegistryCallOptions = {}): Promise<void> {
    let ref: string;
    try {
      const base = parseReference(name);
      ref = familiarString(tag ? { ...base, tag, digest: undefined } : base);
    } catch (err) {
      throw new InvalidParameterError(`name: ${(err as Error).message}`);
    }
    await (await this.registry()).push({ reference: ref, progress: opts.progress ?? (() => {}), ...(opts.auth ? { auth: opts.auth } : {}) });
    let id: string | undefined;
    try { id = this.store.resolve(ref); } catch { /* all tags pushed; no single image */ }
    if (id) await this.emit('push', ref, ref, id);
  }

  /** POST /auth: checks the credentials with the registry. */
  async login(auth: AuthConfig): Promise<{ Status: string; IdentityToken: string }> {
    return (await this.registry()).login(auth);
  }

  /** POST /images/load: Docker's output lines ("Loaded image: busybox:latest"). */
  async load(body: Readable): Promise<string[]> {
    const res = await mapErrors(() => loadImages(this.store, body));
    for (const img of res.images) await this.emit('load', img.id, img.id);
    return res.messages;
  }

  /** Checks the names of a save before any byte is sent (404 for an unknown image). */
  async checkSave(names: string[]): Promise<string[]> {
    if (names.length === 0) throw new InvalidParameterError('names: at least one image is required');
    const sel = await mapErrors(() => selectImages(this.store, names));
    return sel.map((s) => s.image.id);
  }

  /** Streams a docker-save archive of `names` into `out`. */
  async save(names: string[], out: Writable): Promise<void> {
    const ids = await this.checkSave(names);
    await saveImages(this.store, names, out);
    for (const id of ids) await this.emit('save', id, id);
  }

  // ---- commit ----

  /** POST /commit: the container's changes as a new image; returns its ID. */
  async commit(req: CommitRequest): Promise<string> {
    if (!this.containers) throw new SystemError('commit is not available: this daemon runs without containers');
    if (!req.container) throw new InvalidParameterError('container: a container name or ID is required');
    const ref = repoTagReference(req.repo, req.tag);
    const c = this.containers.commitSource(req.container);
    if (c.dead) throw new ConflictError(`You cannot commit container ${c.id} which is Dead`);
    if (c.removing) throw new ConflictError(`You cannot commit container ${c.id} which is being removed`);
    const pause = req.pause && c.running && !c.paused;
    const { id } = await mapErrors(() => commitContainer(this.store, {
      snapshotKey: c.id,
      parentImageId: c.imageId || null,
      containerConfig: c.config,
      ...(req.config ? { config: req.config } : {}),
      ...(req.changes?.length ? { changes: req.changes } : {}),
      ...(req.author ? { author: req.author } : {}),
      ...(req.comment ? { comment: req.comment } : {}),
      ...(ref ? { reference: ref } : {}),
      ...(pause ? { pause: () => c.pause(), resume: () => c.unpause() } : {}),
      containerId: c.id,
      exclude: c.inVolume ? (p) => isInitLayerPath(p) || c.inVolume!(p) : isInitLayerPath,
    }));
    if (ref) await this.emit('tag', id, ref);
    c.emit('commit', { comment: req.comment ?? '', imageID: id, imageRef: ref ?? '' });
    return id;
  }

  /** GET /images/search: needs a registry. */
  search(): never {
    throw new SystemError('registry search not supported offline: wharf has no access to image registries');
  }
}

