// A container's volumes and mounts, between the container service and the volume layer:
// resolved at create (-v, --mount, --tmpfs, --volumes-from, image VOLUMEs; named and anonymous
// volumes created, empty ones filled from the image), held while the container runs (volume
// filesystems mounted at first use), released when it stops, anonymous ones removed with it.
import * as fs from 'node:fs/promises';
import { mountSnapshot, type MountedSnapshot } from '../../image/index.js';
import type { Mount } from '../../runtime/spec/types.js';
import type { Snapshotter } from '../../storage/index.js';
import {
  VolumeService, copyImagePath, parseApiMount, parseBind, parseTmpfs, parseVolumesFrom, propagationOf,
  type ApiMount, type MountPoint, type MountRequest, type VolumeStore,
} from '../../volume/index.js';
import type { ContainerStore } from '../container-store.js';
import type { ContainerConfig, HostConfig } from '../docker-types.js';
import { InvalidParameterError } from '../errors.js';
import type { EventBus } from '../events.js';
import type { Rec } from './inspect.js';
import type { ContainerSpec, ContainerState } from './types.js';

/** The mounts a start adds to the OCI spec, and the root propagation shared binds need. */
export interface MountSetup {
  mounts: Mount[];
  rootfsPropagation?: 'shared';
}

/** HostConfig fields this file reads (beyond docker-types' HostConfig). */
export interface MountHostConfig extends HostConfig {
  Mounts?: ApiMount[] | null;
  VolumesFrom?: string[] | null;
}

export interface ContainerVolumesOptions {
  containers: ContainerStore<ContainerSpec, ContainerState>;
  snapshots: Snapshotter;
  events: EventBus;
}

export class ContainerVolumes {
  readonly service: VolumeService;
  /** Creates in progress: volumes they refer to (no record yet) and anonymous ones they made. */
  private readonly pending = new Map<string, { names: Set<string>; anonymous: string[] }>();

  constructor(readonly store: VolumeStore, private readonly o: ContainerVolumesOptions) {
    this.service = new VolumeService({
      store,
      references: (name) => this.references(name),
      emit: (action, name, attrs) => o.events.emit('volume', action, { ID: name, Attributes: attrs }),
    });
  }

  /** IDs of the containers whose mounts name volume `name` (creates in progress included). */
  references(name: string): string[] {
    const out: string[] = [];
    for (const r of this.o.containers.list()) {
      if (r.config.MountPoints?.some((m) => m.Type === 'volume' && m.Name === name)) out.push(r.id);
    }
    for (const [id, p] of this.pending) if (p.names.has(name) && !out.includes(id)) out.push(id);
    return out;
  }

  /**
   * Every mount request of a create (image volumes last, skipped where something else is
   * mounted); throws on bad or duplicate specs before anything is made.
   */
  requests(config: ContainerConfig, host: MountHostConfig): { explicit: MountRequest[]; image: MountRequest[] } {
    const byDest = new Map<string, MountRequest>();
    const explicit = new Set<string>();
    const add = (r: MountRequest) => {
      if (explicit.has(r.Destination)) throw new InvalidParameterError(`Duplicate mount point: ${r.Destination}`);
      explicit.add(r.Destination);
      byDest.set(r.Destination, r);
    };
    for (const b of host.Binds ?? []) add(parseBind(b));
    for (const m of host.Mounts ?? []) add(parseApiMount(m));
    for (const t of parseTmpfs(host.Tmpfs ?? {})) add(t);
    const image: MountRequest[] = [];
    for (const dest of Object.keys(config.Volumes ?? {})) {
      const r = parseBind(dest);
      if (!byDest.has(r.Destination) && !image.some((i) => i.Destination === r.Destination)) image.push(r);
    }
    return { explicit: [...byDest.values()], image };
  }

  /**
   * Resolves the mounts of new container `id` (its snapshot prepared): volumes-from copied,
   * volumes created, bind sources made for Binds, empty volumes filled from the image.
   */
  async setup(id: string, config: ContainerConfig, host: MountHostConfig, lookup: (ref: string) => Rec): Promise<MountPoint[]> {
    const { explicit, image } = this.requests(config, host);
    const pending = { names: new Set<string>(), anonymous: [] as string[] };
    this.pending.set(id, pending);
    const out = new Map<string, MountPoint>();
    for (const from of host.VolumesFrom ?? []) {
      const { container, readOnly } = parseVolumesFrom(from);
      for (const m of lookup(container).config.MountPoints ?? []) {
        if (m.Type === 'tmpfs') continue;
        if (m.Name) pending.names.add(m.Name);
        out.set(m.Destination, { ...m, RW: m.RW && readOnly !== true, CopyData: false });
      }
    }
    for (const r of explicit) out.set(r.Destination, await this.resolveRequest(r, pending));
    // Image volumes never replace what volumes-from brought.
    for (const r of image) if (!out.has(r.Destination)) out.set(r.Destination, await this.resolveRequest(r, pending));
    const mounts = [...out.values()];
    await this.populate(id, mounts);
    return mounts;
  }

  private async resolveRequest(r: MountRequest, pending: { names: Set<string>; anonymous: string[] }): Promise<MountPoint> {
    const base = { Destination: r.Destination, Mode: r.Mode, RW: r.RW, Propagation: r.Propagation };
    if (r.Type === 'tmpfs') return { ...base, Type: 'tmpfs', Source: '', ...(r.TmpfsData ? { TmpfsData: r.TmpfsData } : {}), ...(r.HostTmpfs ? { HostTmpfs: true } : {}) };
    if (r.Type === 'bind') {
      const st = await fs.stat(r.Source).catch(() => null);
      if (!st) {
        if (r.MustExist) throw new InvalidParameterError(`invalid mount config for type "bind": bind source path does not exist: ${r.Source}`);
        await fs.mkdir(r.Source, { recursive: true, mode: 0o755 }); // as Docker does for -v
      }
      return { ...base, Type: 'bind', Source: r.Source };
    }
    let name = r.Source;
    const anonymous = name === '';
    if (anonymous) {
      const v = await this.service.createAnonymous({ driver: r.VolumeDriver, options: r.VolumeDriverOptions, labels: r.VolumeLabels });
      name = v.Name;
      pending.anonymous.push(name);
    } else {
      await this.service.create({ Name: name, Driver: r.VolumeDriver, DriverOpts: r.VolumeDriverOptions ?? null, Labels: r.VolumeLabels ?? null });
    }
    pending.names.add(name);
    return {
      ...base, Type: 'volume', Name: name, Source: this.store.dataDir(name), Driver: 'local',
      ...(r.CopyData ? { CopyData: true } : {}), ...(anonymous ? { Anonymous: true } : {}),
    };
  }

  /** Docker's copy-up at create: empty volumes get the image's content at their destination. */
  private async populate(id: string, mounts: MountPoint[]): Promise<void> {
    let root: MountedSnapshot | undefined;
    try {
      for (const m of mounts) {
        if (m.Type !== 'volume' || !m.CopyData || !m.Name) continue;
        delete m.CopyData;
        const user = `copy-up-${id}`;
        const dir = await this.store.acquire(m.Name, user);
        try {
          if ((await fs.readdir(dir)).length > 0) continue;
          root ??= await mountSnapshot(this.o.snapshots, id);
          await copyImagePath(root.dir, m.Destination, dir);
        } finally {
          await this.store.release(m.Name, user);
        }
      }
    } finally {
      await root?.release();
    }
  }

  /** The create went through (its record now names the volumes) or failed (`failed`: undo). */
  async settle(id: string, failed: boolean): Promise<void> {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (!failed || !p) return;
    for (const name of p.anonymous) await this.service.remove(name, true).catch(() => {});
  }

  /** Before a start: volumes held (filesystems mounted), OCI mounts built. */
  async beforeStart(rec: Rec): Promise<MountSetup | undefined> {
    const mps = rec.config.MountPoints;
    if (!mps) return undefined;
    const held: string[] = [];
    let shared = false;
    try {
      for (const m of mps) {
        if (m.Type === 'volume' && m.Name) {
          await this.store.acquire(m.Name, rec.id);
          held.push(m.Name);
          this.o.events.emit('volume', 'mount', {
            ID: m.Name,
            Attributes: { container: rec.id, destination: m.Destination, driver: m.Driver ?? 'local', propagation: m.Propagation, 'read/write': String(m.RW) },
          });
        }
        if (m.Type === 'bind') shared = checkPropagation(m) || shared;
      }
    } catch (err) {
      for (const name of held) await this.store.release(name, rec.id).catch(() => {});
      throw err;
    }
    return { mounts: ociMounts(mps), ...(shared ? { rootfsPropagation: 'shared' as const } : {}) };
  }

  /** After the container stopped: its volumes released (and unmounted when nobody else uses them). */
  async afterStop(rec: Rec): Promise<void> {
    for (const m of rec.config.MountPoints ?? []) {
      if (m.Type !== 'volume' || !m.Name || !this.store.inUse(m.Name)) continue;
      await this.store.release(m.Name, rec.id);
      this.o.events.emit('volume', 'unmount', { ID: m.Name, Attributes: { container: rec.id, driver: m.Driver ?? 'local' } });
    }
  }

  /** After the container's record is gone (`rm -v`, AutoRemove): its anonymous volumes go too. */
  async removeAnonymous(rec: Rec): Promise<void> {
    for (const m of rec.config.MountPoints ?? []) {
      if (m.Type !== 'volume' || !m.Anonymous || !m.Name) continue;
      if (this.references(m.Name).length > 0) continue; // shared through --volumes-from
      await this.service.remove(m.Name, true).catch(() => {});
    }
  }

  /** Daemon start: hold the volumes of containers still running, unmount the others. */
  async reconcile(running: Rec[]): Promise<void> {
    for (const rec of running) {
      for (const m of rec.config.MountPoints ?? []) if (m.Type === 'volume' && m.Name && this.store.find(m.Name)) await this.store.acquire(m.Name, rec.id).catch(() => {});
    }
    await this.store.unmountUnused();
  }
}

/** Docker's checks for shared/slave binds; true when the root must become shared. */
function checkPropagation(m: MountPoint): boolean {
  const p = m.Propagation;
  if (!['shared', 'rshared', 'slave', 'rslave'].includes(p)) return false;
  const info = propagationOf(m.Source);
  if (!info) return false;
  if (p.endsWith('shared')) {
    if (!info.shared) throw new InvalidParameterError(`path ${m.Source} is mounted on ${info.mountPoint} but it is not a shared mount`);
    return true;
  }
  if (!info.shared && !info.slave) throw new InvalidParameterError(`path ${m.Source} is mounted on ${info.mountPoint} but it is not a shared or slave mount`);
  return false;
}

/** OCI mounts of the mount points, parents before children (Docker sorts by depth). */
export function ociMounts(mps: readonly MountPoint[]): Mount[] {
  const depth = (d: string) => d.split('/').filter(Boolean).length;
  return [...mps].sort((a, b) => depth(a.Destination) - depth(b.Destination)).map((m): Mount => {
    if (m.Type === 'tmpfs') {
      return { destination: m.Destination, type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', 'rprivate', ...(m.TmpfsData ? m.TmpfsData.split(',') : [])] };
    }
    const options = ['rbind'];
    if (!m.RW) options.push('ro');
    if (m.Propagation) options.push(m.Propagation);
    return { destination: m.Destination, type: 'bind', source: m.Source, options };
  });
}

/** True for a path strictly below one of the container's mount destinations (volume content). */
export function isUnderMount(mps: readonly MountPoint[] | undefined, p: string): boolean {
  return (mps ?? []).some((m) => p.startsWith(m.Destination === '/' ? '/' : m.Destination + '/'));
}
