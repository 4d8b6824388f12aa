// Helpers for the import/prune crash tests: run a child until a kill point, SIGKILL it, then
// reopen the store and prove it holds only whole images and no leftovers.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ImageStore } from '../../../src/image/index.js';
import { chainIds, removeTree } from '../../../src/storage/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Mount points at or below `dir`. */
export function mountsUnder(dir: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]).filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')));
}

/** Unmounts anything below `dir` (deepest first), then removes it. */
export async function cleanupDir(dir: string): Promise<void> {
  for (const m of mountsUnder(dir).sort((a, b) => b.length - a.length)) execFileSync('umount', ['-l', m]);
  await removeTree(dir);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const names = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);
/** Leftovers of in-flight work under <root>/tmp (blob ingests, snapshot work/trash, scratch dirs). */
export const tmpLeftovers = (root: string) => names(path.join(root, 'tmp')).filter((n) => /^(ingest-|snap-|image-)/.test(n));
/** Image IDs recorded on disk (what a reader would see right now). */
export function imagesOnDisk(root: string): string[] {
  const db = path.join(root, 'images/repositories.json');
  return fs.existsSync(db) ? Object.keys(JSON.parse(fs.readFileSync(db, 'utf8')).Images).sort() : [];
}

export interface KillPoint {
  /** Child script basename under this dir (compiled .js). */
  script: string;
  args: string[];
  /** Resolves true once the kill point is reached (polled); or a marker the child prints. */
  until: string | (() => boolean);
  /** Called once the child started (e.g. to feed its stdin). */
  feed?: (child: ChildProcess) => void;
  /** Checks the state the kill left (before any reopen). */
  inFlight?: () => void;
}

/** Runs a child until its kill point, checks the in-flight state, and kills it with SIGKILL. */
export async function runAndKill(p: KillPoint): Promise<void> {
  const child = spawn(process.execPath, [path.join(HERE, p.script), ...p.args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => { out += d; });
  child.stderr!.on('data', (d: Buffer) => { err += d; });
  child.stdin!.on('error', () => undefined); // EPIPE once it is killed
  let exited = false;
  const exit = new Promise<void>((r) => child.on('exit', () => { exited = true; r(); }));
  try {
    p.feed?.(child);
    const reached = typeof p.until === 'string' ? ((m: string) => () => out.includes(m))(p.until) : p.until;
    for (const deadline = Date.now() + 30_000; !reached();) {
      if (exited) throw new Error(`child exited before the kill point: ${out} ${err}`);
      if (Date.now() > deadline) throw new Error(`child never reached the kill point: ${out} ${err}`);
      await sleep(2);
    }
    child.kill('SIGKILL');
    await exit;
    p.inFlight?.(); // the state the kill left behind
  } finally {
    child.kill('SIGKILL');
    await exit;
  }
}

/**
 * Reopens the store and checks it is sound: no in-flight markers or temp leftovers; every image
 * has its config, manifest and layer blobs and layer snapshots, and a container snapshot on it
 * can be prepared and mounted; no blob, layer or layer record is left that no image uses.
 * Returns the store and `ls -A` of each image's mounted root.
 */
export async function reopenSound(root: string): Promise<{ store: ImageStore; ls: Map<string, string[]> }> {
  const store = await ImageStore.open(root);
  assert.deepEqual(names(store.opsDir), [], 'in-flight markers left');
  assert.deepEqual(tmpLeftovers(root), [], 'temp leftovers');
  assert.deepEqual(names(path.join(root, 'images')).filter((n) => n.includes('.tmp-')), [], 'database temp files left');
  const usedBlobs = new Set<string>();
  const usedLayers = new Set<string>();
  const ls = new Map<string, string[]>();
  for (const id of store.ids()) {
    const img = await store.byId(id); // reads config and manifest blobs
    usedBlobs.add(id).add(img.manifestDigest);
    for (const l of img.manifest.layers) {
      assert.ok(await store.content.has(l.digest), `layer blob ${l.digest} of ${id}`);
      usedBlobs.add(l.digest);
    }
    const chains = img.config.rootfs.diff_ids.length ? chainIds(img.config.rootfs.diff_ids) : [];
    for (const c of chains) {
      assert.ok(await store.snapshots.hasLayer(c), `layer snapshot ${c} of ${id}`);
      usedLayers.add(c);
    }
    ls.set(id, await listRootfs(store, chains.at(-1) ?? null));
  }
  assert.deepEqual((await store.content.list()).map((b) => b.digest).sort(), [...usedBlobs].sort(), 'blobs no image uses');
  const layers = (await store.snapshots.list()).filter((s) => s.kind === 'layer').map((s) => s.key);
  assert.deepEqual(layers.sort(), [...usedLayers].sort(), 'layer snapshots no image uses');
  const records = Object.keys(store.db.view.Layers);
  assert.deepEqual(records.filter((c) => !usedLayers.has(c)), [], 'layer records without a snapshot');
  return { store, ls };
}

/** Prepares a container snapshot on `top`, mounts it, lists its root, unmounts and removes it. */
async function listRootfs(store: ImageStore, top: string | null): Promise<string[]> {
  const key = `crashchk-${randomBytes(4).toString('hex')}`;
  await store.snapshots.prepare(key, top);
  const dir = tempDir('wharf-crashmnt-');
  try {
    await store.snapshots.mount(key, dir);
    try {
      return execFileSync('ls', ['-A', dir], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
    } finally {
      await store.snapshots.unmount(dir);
    }
  } finally {
    fs.rmdirSync(dir);
    await store.snapshots.remove(key);
  }
}

/**
 * Tars a rootfs of `files` small files under many/ plus `extra` entries to `out`. The small files
 * are written once per `dir` and reused (creating files is the slow part); extras are removed after.
 */
export function makeRootfsTar(dir: string, out: string, opts: { files: number; extra: Record<string, string | Buffer> }): void {
  const many = path.join(dir, 'many');
  if (!fs.existsSync(many)) {
    fs.mkdirSync(many, { recursive: true });
    for (let i = 0; i < opts.files; i++) fs.writeFileSync(path.join(many, `f${i}`), `file ${i}\n`);
  }
  for (const [name, data] of Object.entries(opts.extra)) fs.writeFileSync(path.join(dir, name), data);
  execFileSync('tar', ['-C', dir, '--numeric-owner', '-cf', out, '.']);
  for (const name of Object.keys(opts.extra)) fs.rmSync(path.join(dir, name));
}
