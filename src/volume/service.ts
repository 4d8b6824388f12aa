// Docker's volume API semantics over the store: create (named or anonymous), inspect, list with
// filters, remove (refused while containers refer to the volume), prune, and disk usage.
import { InvalidVolumeError, VolumeInUseError, VolumeNotFoundError } from './errors.js';
import { anonymousName } from './names.js';
import type { VolumeStore } from './store.js';
import { ANONYMOUS_LABEL, type VolumeRecord, type VolumeView } from './types.js';
import { directorySize } from './usage.js';

/** Docker filter arguments: key -> values (the API parses the `filters` JSON). */
export type VolumeFilters = ReadonlyMap<string, ReadonlySet<string>>;

export interface VolumeServiceOptions {
  store: VolumeStore;
  /** IDs of the containers whose mounts name the volume. */
  references(name: string): string[];
  emit?(action: string, name: string, attributes: Record<string, string>): void;
}

export interface CreateVolumeBody {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

export class VolumeService {
  constructor(private readonly opts: VolumeServiceOptions) {}

  get store(): VolumeStore { return this.opts.store; }

  async create(body: CreateVolumeBody = {}): Promise<VolumeView> {
    checkStringMap(body.DriverOpts, 'DriverOpts');
    checkStringMap(body.Labels, 'Labels');
    const name = body.Name || anonymousName();
    // Without a name the volume is anonymous (Docker labels it so, and prune treats it so).
    const labels = body.Name ? body.Labels ?? null : { ...body.Labels, [ANONYMOUS_LABEL]: '' };
    const { volume, created } = await this.store.create(name, { driver: body.Driver, labels, options: body.DriverOpts ?? null });
    if (created) this.opts.emit?.('create', name, { driver: volume.Driver });
    return this.view(volume);
  }

  /** An anonymous volume for a container (image VOLUME, `-v /path`, --mount without source). */
  async createAnonymous(opts: { driver?: string; options?: Record<string, string>; labels?: Record<string, string> } = {}): Promise<VolumeRecord> {
    const { volume } = await this.store.create(anonymousName(), { driver: opts.driver, options: opts.options ?? null, labels: { ...opts.labels, [ANONYMOUS_LABEL]: '' } });
    this.opts.emit?.('create', volume.Name, { driver: volume.Driver });
    return volume;
  }

  inspect(name: string): VolumeView {
    return this.view(this.store.get(name));
  }

  list(filters: VolumeFilters): { Volumes: VolumeView[]; Warnings: string[] } {
    for (const k of filters.keys()) if (!['dangling', 'name', 'label', 'driver'].includes(k)) throw new InvalidVolumeError(`invalid filter '${k}'`);
    const dangling = boolFilter(filters, 'dangling');
    const out = this.store.list().filter((v) =>
      (dangling === undefined || (this.opts.references(v.Name).length === 0) === dangling)
      && matchAny(filters, 'name', v.Name) && matchAny(filters, 'driver', v.Driver)
      && matchLabels(filters.get('label'), v.Labels));
    return { Volumes: out.map((v) => this.view(v)), Warnings: [] };
  }

  async remove(name: string, force = false): Promise<void> {
    if (!this.store.find(name)) {
      if (force) return;
      throw new VolumeNotFoundError(name);
    }
    const users = this.opts.references(name);
    if (users.length) throw new VolumeInUseError(name, users);
    const driver = this.store.get(name).Driver;
    await this.store.remove(name);
    this.opts.emit?.('destroy', name, { driver });
  }

  /** Removes unused volumes (API >= 1.42: only anonymous ones unless all=true). */
  async prune(filters: VolumeFilters, apiVersion = '1.41'): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    const modern = versionAtLeast(apiVersion, '1.42');
    const keys = ['label', 'label!', ...(modern ? ['all'] : [])];
    for (const k of filters.keys()) if (!keys.includes(k)) throw new InvalidVolumeError(`invalid filter '${k}'`);
    const all = modern ? boolFilter(filters, 'all') === true : true;
    const deleted: string[] = [];
    let space = 0;
    for (const v of this.store.list()) {
      if (!all && !(v.Labels && ANONYMOUS_LABEL in v.Labels)) continue;
      if (!matchLabels(filters.get('label'), v.Labels)) continue;
      const not = filters.get('label!');
      if (not?.size && [...not].some((l) => matchLabels(new Set([l]), v.Labels))) continue;
      if (this.opts.references(v.Name).length) continue;
      const size = await directorySize(this.store.dataDir(v.Name));
      try {
        await this.remove(v.Name);
        deleted.push(v.Name);
        space += size;
      } catch { /* taken meanwhile: keep it */ }
    }
    this.opts.emit?.('prune', '', { reclaimed: String(space) });
    return { VolumesDeleted: deleted, SpaceReclaimed: space };
  }

  /** Volumes with UsageData, for GET /system/df. */
  async diskUsage(): Promise<VolumeView[]> {
    const out: VolumeView[] = [];
    for (const v of this.store.list()) {
      const size = await directorySize(this.store.dataDir(v.Name));
      out.push({ ...this.view(v), UsageData: { Size: size, RefCount: this.opts.references(v.Name).length } });
    }
    return out;
  }

  view(v: VolumeRecord): VolumeView {
    return {
      CreatedAt: v.CreatedAt, Driver: v.Driver, Labels: v.Labels, Mountpoint: this.store.dataDir(v.Name),
      Name: v.Name, Options: v.Options, Scope: 'local',
    };
  }
}

function checkStringMap(m: unknown, field: string): void {
  if (m == null) return;
  if (typeof m !== 'object' || Array.isArray(m) || Object.values(m).some((v) => typeof v !== 'string')) {
    throw new InvalidVolumeError(`${field}: must be an object of string values`);
  }
}

function boolFilter(filters: VolumeFilters, key: string): boolean | undefined {
  const values = filters.get(key);
  if (!values || values.size === 0) return undefined;
  let result: boolean | undefined;
  for (const v of values) {
    const b = ['true', '1'].includes(v.toLowerCase()) ? true : ['false', '0'].includes(v.toLowerCase()) ? false : undefined;
    if (b === undefined) throw new InvalidVolumeError(`invalid filter '${key}=${v}'`);
    result = b;
  }
  return result;
}

/** Docker's Args.Match: any value matching as a regular expression (or substring when invalid). */
function matchAny(filters: VolumeFilters, key: string, source: string): boolean {
  const values = filters.get(key);
  if (!values || values.size === 0) return true;
  for (const v of values) {
    try { if (new RegExp(v).test(source)) return true; } catch { if (source.includes(v)) return true; }
  }
  return false;
}

/** Every `k` / `k=v` filter must hold (Docker's MatchKVList). */
function matchLabels(values: ReadonlySet<string> | undefined, labels: Record<string, string> | null): boolean {
  if (!values || values.size === 0) return true;
  if (!labels) return false;
  for (const f of values) {
    const eq = f.indexOf('=');
    const k = eq < 0 ? f : f.slice(0, eq);
    if (!Object.prototype.hasOwnProperty.call(labels, k)) return false;
    if (eq >= 0 && labels[k] !== f.slice(eq + 1)) return false;
  }
  return true;
}

function versionAtLeast(v: string, min: string): boolean {
  const [a = 0, b = 0] = v.split('.').map(Number);
  const [c = 0, d = 0] = min.split('.').map(Number);
  return a > c || (a === c && b >= d);
}
