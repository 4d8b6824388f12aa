// The image database: one JSON file (images/repositories.json) holding references, image records
// and per-layer sizes. One file means tagging and registering an image commit in one atomic rename.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeJsonAtomic } from '../storage/index.js';

export interface ImageRecord {
  /** Manifest digest (in the content store) describing config + layer blobs. */
  manifest: string;
  /** Parent image ID (commit/build), if known. */
  parent?: string;
  /** ISO time of the last tag operation, Docker's Metadata.LastTagTime. */
  lastTagTime?: string;
  /** ISO time the image was added to this store. */
  added: string;
}

export interface LayerRecord {
  diffId: string;
  /** Bytes of the unpacked layer (Docker's DiffSize). */
  size: number;
  /** Bytes of the uncompressed layer tar, when known (lets save stream decompressed layers). */
  tarSize?: number;
}

export interface DbData {
  /** Repository name -> full reference (repo:tag or repo@digest) -> image ID. */
  Repositories: Record<string, Record<string, string>>;
  Images: Record<string, ImageRecord>;
  /** Chain ID -> layer facts. */
  Layers: Record<string, LayerRecord>;
}

export class ImageDb {
  private data: DbData = { Repositories: {}, Images: {}, Layers: {} };
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  /** Reads the database; first removes temp files of writes a crash cut short (never renamed in). */
  async load(): Promise<void> {
    const dir = path.dirname(this.file);
    await fs.mkdir(dir, { recursive: true });
    const tmpPrefix = `.${path.basename(this.file)}.tmp-`; // see writeFileAtomic
    for (const name of await fs.readdir(dir)) {
      if (name.startsWith(tmpPrefix)) await fs.rm(path.join(dir, name), { force: true });
    }
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    let parsed: DbData;
    try {
      parsed = JSON.parse(text) as DbData;
    } catch (e) {
      throw new Error(`image database ${this.file} is corrupt: ${(e as Error).message}`);
    }
    this.data = {
      Repositories: parsed.Repositories ?? {},
      Images: parsed.Images ?? {},
      Layers: parsed.Layers ?? {},
    };
  }

  /** Read-only view of the current state (do not mutate). */
  get view(): Readonly<DbData> {
    return this.data;
  }

  /**
   * Runs `fn` on a copy of the data, one mutation at a time; the copy is written atomically and
   * becomes the state only if `fn` succeeds. Returns what `fn` returns. `deferWrite`: the change
   * stays in memory until the next written update or flush() (a build registers its steps so, and
   * makes them durable once at its end, after their content; only another update may write them sooner).
   */
  async update<T>(fn: (d: DbData) => T | Promise<T>, opts: { deferWrite?: boolean } = {}): Promise<T> {
    const run = async (): Promise<T> => {
      const copy = structuredClone(this.data);
      const result = await fn(copy);
      if (!opts.deferWrite) {
        // Content named by deferred changes becomes durable before the file names it.
        for (const hook of [...this.syncHooks]) await hook();
        await writeJsonAtomic(this.file, copy);
      }
      this.data = copy;
      return result;
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private readonly syncHooks = new Set<() => Promise<void>>();

  /**
   * `hook` runs before every written update until the returned function removes it: whoever
   * defers writes registers how to make their content durable, so an unrelated update that
   * writes their deferred entries too never names content a crash could lose.
   */
  addSyncHook(hook: () => Promise<void>): () => void {
    this.syncHooks.add(hook);
    return () => { this.syncHooks.delete(hook); };
  }

  /** Writes the current state durably (see deferWrite). */
  async flush(): Promise<void> {
    await this.update(() => undefined);
  }

  /** Runs `fn` serialized with updates (no write). */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }
}

/** All references pointing at `id`, as stored (full names). */
export function referencesOf(d: Readonly<DbData>, id: string): string[] {
  const out: string[] = [];
  for (const refs of Object.values(d.Repositories)) {
    for (const [ref, target] of Object.entries(refs)) if (target === id) out.push(ref);
  }
  return out.sort();
}

export function setReference(d: DbData, repo: string, ref: string, id: string): string | undefined {
  const repoRefs = (d.Repositories[repo] ??= {});
  const old = repoRefs[ref];
  repoRefs[ref] = id;
  return old;
}

export function deleteReference(d: DbData, repo: string, ref: string): boolean {
  const repoRefs = d.Repositories[repo];
  if (!repoRefs || !(ref in repoRefs)) return false;
  delete repoRefs[ref];
  if (Object.keys(repoRefs).length === 0) delete d.Repositories[repo];
  return true;
}
