// On-disk layout of the registry server (close to distribution's filesystem driver):
//   <root>/blobs/sha256/<hex>                         blob data (layers, configs, manifests)
//   <root>/repositories/<name>/_layers/<hex>          the blob is linked into the repository
//   <root>/repositories/<name>/_manifests/revisions/<hex>   manifest link; content = its media type
//   <root>/repositories/<name>/_manifests/tags/<tag>  content = manifest digest
//   <root>/repositories/<name>/_referrers/<subject hex>/<hex>  descriptor JSON of a referrer
//   <root>/uploads/<uuid>                              in-progress uploads (data) + <uuid>.json (repo)
// Every file becomes visible by rename, so readers never see partial content and concurrent
// uploads of the same blob end with the same bytes under the same name.
import * as fs from 'node:fs/promises';
import { createReadStream, type ReadStream } from 'node:fs';
import * as path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';

export const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
export const NAME_RE = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*$/;
export const TAG_RE = /^[\w][\w.-]{0,127}$/;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

const hex = (d: string): string => d.slice('sha256:'.length);

export class RegistryStorage {
  readonly blobDir: string;
  readonly repoDir: string;
  readonly uploadDir: string;

  constructor(readonly root: string) {
    this.blobDir = path.join(root, 'blobs', 'sha256');
    this.repoDir = path.join(root, 'repositories');
    this.uploadDir = path.join(root, 'uploads');
  }

  async init(): Promise<void> {
    for (const d of [this.blobDir, this.repoDir, this.uploadDir]) await fs.mkdir(d, { recursive: true });
  }

  blobPath(digest: string): string { return path.join(this.blobDir, hex(digest)); }
  private repo(name: string, ...rest: string[]): string { return path.join(this.repoDir, name, ...rest); }

  /** Writes `data` to `file` through a temp file and rename. */
  private async writeAtomic(file: string, data: string | Buffer): Promise<void> {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${randomBytes(6).toString('hex')}`;
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  }

  async blobSize(digest: string): Promise<number | null> {
    const st = await fs.stat(this.blobPath(digest)).catch(() => null);
    return st ? st.size : null;
  }

  /** Size of the blob when it exists and is linked into `name`. */
  async repoBlobSize(name: string, digest: string): Promise<number | null> {
    if (!(await exists(this.repo(name, '_layers', hex(digest)))) && !(await exists(this.repo(name, '_manifests', 'revisions', hex(digest))))) return null;
    return this.blobSize(digest);
  }

  openBlob(digest: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.blobPath(digest), { highWaterMark: 1 << 20, ...(range ?? {}) });
  }

  async linkBlob(name: string, digest: string): Promise<void> {
    const link = this.repo(name, '_layers', hex(digest));
    if (!(await exists(link))) await this.writeAtomic(link, digest);
  }

  async unlinkBlob(name: string, digest: string): Promise<boolean> {
    return fs.rm(this.repo(name, '_layers', hex(digest))).then(() => true, () => false);
  }

  /** Moves a verified upload file into the blob store (idempotent for concurrent uploads). */
  async commitBlob(file: string, digest: string): Promise<void> {
    await fs.rename(file, this.blobPath(digest));
  }

  async putBlobBytes(digest: string, data: Buffer): Promise<void> {
    if ((await this.blobSize(digest)) === null) await this.writeAtomic(this.blobPath(digest), data);
  }

  // ---- uploads ----

  async newUpload(name: string): Promise<string> {
    const id = randomUUID();
    await fs.writeFile(path.join(this.uploadDir, id), '');
    await fs.writeFile(path.join(this.uploadDir, `${id}.json`), JSON.stringify({ name, started: new Date().toISOString() }));
    return id;
  }

  uploadFile(id: string): string { return path.join(this.uploadDir, id); }

  async uploadSize(name: string, id: string): Promise<number | null> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return null;
    const meta = await fs.readFile(path.join(this.uploadDir, `${id}.json`), 'utf8').catch(() => null);
    if (!meta || (JSON.parse(meta) as { name: string }).name !== name) return null;
    const st = await fs.stat(this.uploadFile(id)).catch(() => null);
    return st ? st.size : null;
  }

  async dropUpload(id: string): Promise<void> {
    await fs.rm(this.uploadFile(id), { force: true });
    await fs.rm(path.join(this.uploadDir, `${id}.json`), { force: true });
  }

  // ---- manifests and tags ----

  async putManifest(name: string, digest: string, mediaType: string, bytes: Buffer, tag?: string, subject?: Descriptor & { self: Descriptor }): Promise<void> {
    await this.putBlobBytes(digest, bytes);
    await this.writeAtomic(this.repo(name, '_manifests', 'revisions', hex(digest)), mediaType);
    if (tag) await this.writeAtomic(this.repo(name, '_manifests', 'tags', tag), digest);
    if (subject) await this.writeAtomic(this.repo(name, '_referrers', hex(subject.digest), hex(digest)), JSON.stringify(subject.self));
  }

  /** The manifest's media type when `digest` is a manifest of `name`. */
  async manifestType(name: string, digest: string): Promise<string | null> {
    return fs.readFile(this.repo(name, '_manifests', 'revisions', hex(digest)), 'utf8').catch(() => null);
  }

  async resolveTag(name: string, tag: string): Promise<string | null> {
    const d = await fs.readFile(this.repo(name, '_manifests', 'tags', tag), 'utf8').catch(() => null);
    return d && DIGEST_RE.test(d) ? d : null;
  }

  async tags(name: string): Promise<string[] | null> {
    if (!(await exists(this.repo(name, '_manifests')))) return null;
    const list = await fs.readdir(this.repo(name, '_manifests', 'tags')).catch(() => [] as string[]);
    return list.filter((t) => TAG_RE.test(t)).sort();
  }

  async deleteTag(name: string, tag: string): Promise<boolean> {
    return fs.rm(this.repo(name, '_manifests', 'tags', tag)).then(() => true, () => false);
  }

  /** Deletes a manifest revision and every tag pointing at it. */
  async deleteManifest(name: string, digest: string): Promise<boolean> {
    const ok = await fs.rm(this.repo(name, '_manifests', 'revisions', hex(digest))).then(() => true, () => false);
    if (!ok) return false;
    for (const t of (await this.tags(name)) ?? []) {
      if ((await this.resolveTag(name, t)) === digest) await this.deleteTag(name, t);
    }
    const refDir = this.repo(name, '_referrers');
    for (const s of await fs.readdir(refDir).catch(() => [] as string[])) await fs.rm(path.join(refDir, s, hex(digest)), { force: true });
    return true;
  }

  async referrers(name: string, subject: string): Promise<Descriptor[]> {
    const dir = this.repo(name, '_referrers', hex(subject));
    const out: Descriptor[] = [];
    for (const f of (await fs.readdir(dir).catch(() => [] as string[])).sort()) {
      if (!/^[0-9a-f]{64}$/.test(f)) continue;
      if (!(await this.manifestType(name, `sha256:${f}`))) continue; // deleted since
      out.push(JSON.parse(await fs.readFile(path.join(dir, f), 'utf8')) as Descriptor);
    }
    return out;
  }

  /** Repository names, sorted. */
  async catalog(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      const entries = await fs.readdir(path.join(this.repoDir, rel), { withFileTypes: true }).catch(() => []);
      if (entries.some((e) => e.name === '_manifests')) out.push(rel);
      for (const e of entries) if (e.isDirectory() && !e.name.startsWith('_')) await walk(rel ? `${rel}/${e.name}` : e.name);
    };
    await walk('');
    return out.sort();
  }

  /** Every manifest digest of every repository (for garbage collection). */
  async allManifests(): Promise<Array<{ name: string; digest: string }>> {
    const out: Array<{ name: string; digest: string }> = [];
    for (const name of await this.catalog()) {
      for (const f of await fs.readdir(this.repo(name, '_manifests', 'revisions')).catch(() => [] as string[])) {
        if (/^[0-9a-f]{64}$/.test(f)) out.push({ name, digest: `sha256:${f}` });
      }
    }
    return out;
  }

  async repoLayerLinks(name: string): Promise<string[]> {
    const names = await fs.readdir(this.repo(name, '_layers')).catch(() => [] as string[]);
    return names.filter((f) => /^[0-9a-f]{64}$/.test(f)).map((f) => `sha256:${f}`);
  }

  async allBlobs(): Promise<string[]> {
    const names = await fs.readdir(this.blobDir).catch(() => [] as string[]);
    return names.filter((f) => /^[0-9a-f]{64}$/.test(f)).map((f) => `sha256:${f}`);
  }

  async deleteBlobFile(digest: string): Promise<number> {
    const size = (await this.blobSize(digest)) ?? 0;
    await fs.rm(this.blobPath(digest), { force: true });
    return size;
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false);
}
