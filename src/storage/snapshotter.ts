/**
 * Snapshots: read-only layers keyed by chain ID (unpacked once, shared) and writable container
 * snapshots on top, with an overlay driver or a vfs (full copy) driver chosen at open().
 *
 * On disk: <root>/snapshots/<chainhex>/{fs,meta.json}  layers
 *          <root>/snapshots/c-<key>/{fs,work,meta.json}  container snapshots (fs = overlay upper, or full copy for vfs)
 *          <root>/l/<short> -> ../snapshots/<chainhex>/fs short names keeping overlay lowerdir lists short
 *          <root>/tmp/snap-*                              in-progress unpacks (removed by recover())
 */
import type { Digest } from './digest.js';
import type { WhiteoutMode } from './apply.js';

export type DriverName = 'overlay' | 'vfs';

/** An OCI runtime-spec mount (without destination; the rootfs mount). */
export interface Mount {
  type: string;
  source: string;
  options: string[];
}

/** 'layer' = read-only layer (key is its chain ID); 'active' = writable container snapshot. */
export type SnapshotKind = 'layer' | 'active';

export interface SnapshotInfo {
  /** Chain ID for layers; the caller's key for active snapshots. */
  key: string;
  kind: SnapshotKind;
  /** Parent layer chain ID or null. */
  parent: Digest | null;
  /** Keys of snapshots whose parent is this one (layers and active snapshots). */
  users: string[];
  /** ISO creation time. */
  created: string;
}

export interface SnapshotUsage {
  /** Bytes used by this snapshot's own content (layer fs, or container upper/copy). */
  size: number;
  inodes: number;
}

export interface SnapshotterOptions {
  /** Force a driver; default 'auto' (overlay when the data root supports it, else vfs). */
  driver?: DriverName | 'auto';
}

export interface EnsureLayerResult<T> {
  chainId: Digest;
  /** True when this call unpacked the layer; false when it existed (or a concurrent call made it). */
  created: boolean;
  /** What the apply callback returned, when this call ran it. */
  result?: T;
}

export class SnapshotInUseError extends Error {
  constructor(readonly key: string, readonly users: string[]) {
    super(`snapshot ${key} is in use by ${users.join(', ')}`);
    this.name = 'SnapshotInUseError';
  }
}

export class SnapshotNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`snapshot ${key} not found`);
    this.name = 'SnapshotNotFoundError';
  }
}

export class Snapshotter {
  /** The chosen driver ('overlay' or 'vfs'). */
  readonly driver!: DriverName;
  /** The whiteout mode layers must be applied with for this driver. */
  readonly whiteoutMode!: WhiteoutMode;

  private constructor(readonly root: string) {}

  /** Open (creating dirs), choose the driver, and run recover(). */
  static async open(root: string, opts: SnapshotterOptions = {}): Promise<Snapshotter> {
    void root; void opts;
    throw new Error('Snapshotter: not implemented yet');
  }

  /** Remove in-progress dirs and stale short links left by a crash. */
  async recover(): Promise<void> { throw new Error('not implemented yet'); }

  async hasLayer(chainId: Digest): Promise<boolean> { void chainId; throw new Error('not implemented yet'); }

  /**
   * Make sure layer `chainId` (on top of `parentChainId`) exists. If absent, `apply(dir)` fills a
   * temp dir (for vfs already holding a copy of the parent) which becomes visible atomically when
   * apply resolves. Idempotent; concurrent calls for one chain ID run `apply` once.
   */
  async ensureLayer<T>(chainId: Digest, parentChainId: Digest | null, apply: (dir: string) => Promise<T>): Promise<EnsureLayerResult<T>> {
    void chainId; void parentChainId; void apply;
    throw new Error('not implemented yet');
  }

  /** Read-only directory holding the layer's unpacked content (the overlay lower dir / full copy). */
  layerDir(chainId: Digest): string { void chainId; throw new Error('not implemented yet'); }

  /** Create a writable snapshot `key` on top of a layer (or empty); returns the rootfs mounts. */
  async prepare(key: string, parentChainId: Digest | null): Promise<Mount[]> { void key; void parentChainId; throw new Error('not implemented yet'); }

  /** Mounts of an existing active snapshot. */
  async mounts(key: string): Promise<Mount[]> { void key; throw new Error('not implemented yet'); }

  /** Mount active snapshot `key` at `target` (handles lowerdir lists beyond the mount option limit). */
  async mount(key: string, target: string): Promise<void> { void key; void target; throw new Error('not implemented yet'); }

  /** Unmount what mount() mounted at `target`. */
  async unmount(target: string): Promise<void> { void target; throw new Error('not implemented yet'); }

  /** Writable dir of an active snapshot: overlay upper dir, or the full copy for vfs. */
  upperDir(key: string): string { void key; throw new Error('not implemented yet'); }

  /** Remove an active snapshot (by key) or a layer (by chain ID). Throws SnapshotInUseError if it has users. */
  async remove(key: string): Promise<void> { void key; throw new Error('not implemented yet'); }

  async stat(key: string): Promise<SnapshotInfo> { void key; throw new Error('not implemented yet'); }

  async list(): Promise<SnapshotInfo[]> { throw new Error('not implemented yet'); }

  /** Keys of snapshots directly on top of `key` (empty = removable). */
  async users(key: string): Promise<string[]> { void key; throw new Error('not implemented yet'); }

  async usage(key: string): Promise<SnapshotUsage> { void key; throw new Error('not implemented yet'); }
}
