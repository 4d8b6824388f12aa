/** Container changes (docker diff) and the layer tar of them (commit/build). */
import type { Readable } from 'node:stream';
import type { Snapshotter } from './snapshotter.js';

/** 0 Modified (C), 1 Added (A), 2 Deleted (D) — Docker's ChangeType values. */
export type ChangeKind = 0 | 1 | 2;
export const ChangeKinds = { Modified: 0, Added: 1, Deleted: 2 } as const;

/** One change, shaped as the Docker API's /containers/{id}/changes items. */
export interface Change {
  /** Absolute path inside the container, e.g. "/etc/passwd". */
  Path: string;
  Kind: ChangeKind;
}

/** Changes of active snapshot `key` relative to its parent layer, sorted by path; parents of changes appear as Modified. */
export async function changes(snaps: Snapshotter, key: string): Promise<Change[]> {
  void snaps; void key;
  throw new Error('changes: not implemented yet');
}

/**
 * Uncompressed layer tar of the changes of active snapshot `key`: added/modified entries with
 * full metadata, deletions as `.wh.<name>`, opaque dirs as `.wh..wh..opq`; entries sorted by
 * path (deterministic), hard links within the change set kept as links.
 */
export function diffTar(snaps: Snapshotter, key: string): Readable {
  void snaps; void key;
  throw new Error('diffTar: not implemented yet');
}
