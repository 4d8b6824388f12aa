/**
 * Container changes as `docker diff` reports them. overlay: read from the upper dir (whiteouts
 * and opaque dirs interpreted against the lower layers); vfs: the copy compared with its parent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SnapshotNotFoundError, type Snapshotter } from './snapshotter.js';
import { dumpXattrs } from './sys.js';

/** 0 Modified (C), 1 Added (A), 2 Deleted (D) — Docker's ChangeType values. */
export type ChangeKind = 0 | 1 | 2;
export const ChangeKinds = { Modified: 0, Added: 1, Deleted: 2 } as const;

/** One change, shaped as the Docker API's /containers/{id}/changes items. */
export interface Change {
  /** Absolute path inside the container, e.g. "/etc/passwd". */
  Path: string;
  Kind: ChangeKind;
}

const OPAQUE_XATTR = 'trusted.overlay.opaque';

/** Changes of active snapshot `key` relative to its parent layer, sorted by path; parents of changes appear as Modified. */
export async function changes(snaps: Snapshotter, key: string, upperXattrs?: Promise<Map<string, Map<string, Buffer>>>): Promise<Change[]> {
  const info = await snaps.describe(key);
  if (!info) throw new SnapshotNotFoundError(key);
  if (info.kind !== 'active') throw new Error(`snapshot ${key} is a layer, not a container snapshot`);
  const lowers = (await snaps.chain(info.parent)).map((id) => snaps.layerDir(id));
  const upper = snaps.upperDir(key);
  const out = new Map<string, ChangeKind>();
  if (snaps.driver === 'overlay') await overlayChanges(upper, new Lowers(lowers), out, upperXattrs ?? dumpXattrs(upper, OPAQUE_XATTR));
  else vfsChanges(upper, lowers[0] ?? null, '', out);
  for (const p of [...out.keys()]) {
    for (let d = path.posix.dirname(p); d !== '/' && !out.has(d); d = path.posix.dirname(d)) out.set(d, 0);
  }
  return [...out].sort(([a], [b]) => comparePaths(a, b)).map(([Path, Kind]) => ({ Path, Kind }));
}

/** Order by path components so a directory's entries follow it directly ("a", "a/b", "a-b"). */
export function comparePaths(a: string, b: string): number {
  const pa = a.split('/'), pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] !== pb[i]) return Buffer.compare(Buffer.from(pa[i]!), Buffer.from(pb[i]!));
  }
  return pa.length - pb.length;
}

export function isWhiteoutDevice(st: fs.Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

const LAYER_CACHE_MAX = 512;
const layerOpaqueCache = new Map<string, Promise<Set<string>>>();

/** The merged read-only view of a stack of overlay lower dirs (topmost first). */
export class Lowers {
  constructor(readonly dirs: string[]) {}

  /**
   * Opaque directories (absolute) of one lower dir. Layers never change (a layer dir is named by
   * its chain ID, which fixes its content), so this is read once per layer for the process.
   */
  private opaqueDirs(dir: string): Promise<Set<string>> {
    let p = layerOpaqueCache.get(dir);
    if (!p) {
      p = dumpXattrs(dir, OPAQUE_XATTR).then((m) => new Set([...m].filter(([, x]) => x.get(OPAQUE_XATTR)?.toString() === 'y').map(([f]) => f)));
      p.catch(() => layerOpaqueCache.delete(dir));
      if (layerOpaqueCache.size >= LAYER_CACHE_MAX) layerOpaqueCache.delete(layerOpaqueCache.keys().next().value!);
      layerOpaqueCache.set(dir, p);
    }
    return p;
  }

  /** lstat of `rel` ("/a/b") as the merged lowers show it, or null if absent there. */
  async lookup(rel: string): Promise<fs.Stats | null> {
    for (const dir of this.dirs) {
      const st = fs.lstatSync(dir + rel, { throwIfNoEntry: false });
      if (st) return isWhiteoutDevice(st) ? null : st;
      if (await this.hides(dir, rel)) return null;
    }
    return null;
  }

  /** Names visible in directory `rel` of the merged lowers. */
  async children(rel: string): Promise<string[]> {
    const seen = new Map<string, boolean>();
    for (const dir of this.dirs) {
      const st = fs.lstatSync(dir + rel, { throwIfNoEntry: false });
      if (!st) { if (await this.hides(dir, rel)) break; continue; }
      if (!st.isDirectory()) break;
      for (const e of fs.readdirSync(dir + rel, { withFileTypes: true })) {
        if (!seen.has(e.name)) seen.set(e.name, !(e.isCharacterDevice() && isWhiteoutDevice(fs.lstatSync(path.join(dir + rel, e.name)))));
      }
      if ((await this.opaqueDirs(dir)).has(dir + rel)) break;
    }
    return [...seen].filter(([, visible]) => visible).map(([n]) => n);
  }

  /** Whether layer `dir` (lacking `rel`) hides it below: an ancestor there is a whiteout, a non-dir or opaque. */
  private async hides(dir: string, rel: string): Promise<boolean> {
    const opaque = await this.opaqueDirs(dir);
    for (let a = path.posix.dirname(rel); ; a = path.posix.dirname(a)) {
      const st = fs.lstatSync(dir + (a === '/' ? '' : a), { throwIfNoEntry: false });
      if (st) return !st.isDirectory() || opaque.has(dir + (a === '/' ? '' : a));
      if (a === '/') return false;
    }
  }
}

async function overlayChanges(upper: string, lowers: Lowers, out: Map<string, ChangeKind>, upperXattrs: Promise<Map<string, Map<string, Buffer>>>): Promise<void> {
  const opaque = new Set([...(await upperXattrs)]
    .filter(([, x]) => x.get(OPAQUE_XATTR)?.toString() === 'y').map(([f]) => f));
  const walk = async (rel: string): Promise<void> => {
    const names = fs.readdirSync(upper + rel);
    for (const name of names) {
      const p = rel + '/' + name;
      const st = fs.lstatSync(upper + p);
      const below = await lowers.lookup(p);
      if (isWhiteoutDevice(st)) { if (below) out.set(p, 2); continue; }
      out.set(p, below ? 0 : 1);
      if (!st.isDirectory()) continue;
      if (below?.isDirectory() && opaque.has(upper + p)) {
        const mine = new Set(fs.readdirSync(upper + p));
        for (const c of await lowers.children(p)) if (!mine.has(c)) out.set(p + '/' + c, 2);
      }
      await walk(p);
    }
  };
  await walk('');
}

function vfsChanges(cur: string, base: string | null, rel: string, out: Map<string, ChangeKind>): void {
  const curNames = fs.readdirSync(cur + rel);
  const baseNames = base ? fs.readdirSync(base + rel) : [];
  const have = new Set(curNames);
  for (const n of baseNames) if (!have.has(n)) out.set(rel + '/' + n, 2);
  for (const n of curNames) {
    const p = rel + '/' + n;
    const c = fs.lstatSync(cur + p, { bigint: true });
    const b = base ? fs.lstatSync(base + p, { bigint: true, throwIfNoEntry: false }) : undefined;
    if (!b) out.set(p, 1);
    else if (differs(c, b, cur + p, base! + p)) out.set(p, 0);
    if (c.isDirectory()) vfsChanges(cur, b?.isDirectory() ? base : null, p, out);
  }
}

function differs(c: fs.BigIntStats, b: fs.BigIntStats, cp: string, bp: string): boolean {
  if (c.mode !== b.mode || c.uid !== b.uid || c.gid !== b.gid || c.rdev !== b.rdev) return true;
  if (c.isDirectory()) return false; // a dir whose entries changed shows up as their parent
  if (c.size !== b.size || c.mtimeNs !== b.mtimeNs) return true;
  return c.isSymbolicLink() && fs.readlinkSync(cp) !== fs.readlinkSync(bp);
}
