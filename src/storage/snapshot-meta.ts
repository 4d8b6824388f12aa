/** On-disk records of snapshots (<root>/snapshots/<dir>/meta.json). */
import * as fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { digestHex, isDigest } from './digest.js';

export interface SnapshotMeta {
  kind: 'layer' | 'active';
  key: string;
  parent: string | null;
  created: string;
  /** Layers: name of the short link in <root>/l. */
  link?: string;
}

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Directory name under snapshots/ for a layer (chain ID) or an active snapshot key. */
export function snapshotDirName(key: string): string {
  if (isDigest(key)) return digestHex(key);
  if (!KEY_RE.test(key)) throw new Error(`invalid snapshot key ${JSON.stringify(key)}: use 1-128 of [A-Za-z0-9_.-], starting alphanumeric`);
  return 'c-' + key;
}

/** Short, stable name of a layer's link in <root>/l (keeps lowerdir lists short). */
export function shortLinkName(chainId: string): string {
  return createHash('sha256').update('link:' + chainId).digest('base64url').replace(/[-_]/g, 'x').slice(0, 12);
}

/** readMeta, synchronously: one small file, cheaper than a thread-pool round trip. */
export function readMetaSync(dir: string): SnapshotMeta | null {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as SnapshotMeta;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export async function readMeta(dir: string): Promise<SnapshotMeta | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as SnapshotMeta;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
