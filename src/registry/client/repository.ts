// One repository on a registry: manifests, tags, blobs (resumable downloads) and uploads.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { RegistryError, RegistryDigestError } from '../errors.js';
import { headerValue, type Transport } from './transport.js';

export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

export const MANIFEST_ACCEPT = [MediaTypes.ociIndex, MediaTypes.dockerList, MediaTypes.ociManifest, MediaTypes.dockerManifest].join(', ');
const MANIFEST_MAX = 4 << 20;

export interface Fetched { bytes: Buffer; mediaType: string; digest: string }
export interface BlobDesc { digest: string; size: number }

const sha256 = (b: Buffer | string): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

async function readLimited(body: Readable, max: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += (c as Buffer).length;
    if (n > max) { body.destroy(); throw new RegistryError(`${what}: larger than ${max} bytes`); }
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

export class Repository {
  /** Token scope for reads, and for writes (push also needs pull). */
  readonly pullScope: string;
  readonly pushScope: string;

  constructor(readonly transport: Transport, readonly path: string) {
    this.pullScope = `repository:${path}:pull`;
    this.pushScope = `repository:${path}:pull,push`;
  }

  /** Fetches a manifest or index by tag or digest; by digest the bytes are verified. */
  async manifest(ref: string): Promise<Fetched> {
    const res = await this.transport.request(`/v2/${this.path}/manifests/${ref}`, { headers: { accept: MANIFEST_ACCEPT }, scope: this.pullScope, accept: [404] });
    if (res.statusCode === 404) {
      await res.body.dump();
      throw new RegistryError(`manifest for ${this.transport.host}/${this.path}${ref.startsWith('sha256:') ? '@' : ':'}${ref} not found: manifest unknown`, 404, 'MANIFEST_UNKNOWN');
    }
    const bytes = await readLimited(res.body, MANIFEST_MAX, `manifest ${ref}`);
    const digest = sha256(bytes);
    if (ref.startsWith('sha256:') && digest !== ref) throw new RegistryDigestError(`manifest ${this.path}@${ref}`, ref, digest);
    const header = headerValue(res, 'docker-content-digest');
    if (!ref.startsWith('sha256:') && header && header.startsWith('sha256:') && header !== digest) throw new RegistryDigestError(`manifest ${this.path}:${ref}`, header, digest);
    let mediaType = (headerValue(res, 'content-type') ?? '').split(';')[0]!.trim();
    try {
      const own = (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType;
      if (own) mediaType = own;
    } catch {
      throw new RegistryError(`manifest ${this.path}:${ref} is not valid JSON`);
    }
    return { bytes, mediaType, digest };
  }

  /** A small blob (config) read whole and verified. */
  async blobBytes(d: BlobDesc, max = 16 << 20): Promise<Buffer> {
    const res = await this.transport.request(`/v2/${this.path}/blobs/${d.digest}`, { scope: this.pullScope });
    const bytes = await readLimited(res.body, Math.min(max, d.size + 1), `blob ${d.digest}`);
    const got = sha256(bytes);
    if (got !== d.digest) throw new RegistryDigestError(`blob ${d.digest}`, d.digest, got);
    return bytes;
  }

  /**
   * The bytes of a blob; a connection dropped mid-way is resumed with a Range request (or
   * restarted, skipping what was already delivered, when the server ignores Range).
   */
  async *blobChunks(d: BlobDesc, maxResumes = 5): AsyncGenerator<Buffer> {
    let offset = 0;
    let resumes = 0;
    for (;;) {
      const res = await this.transport.request(`/v2/${this.path}/blobs/${d.digest}`, {
        scope: this.pullScope, ...(offset > 0 ? { headers: { range: `bytes=${offset}-` } } : {}),
      });
      let skip = offset > 0 && res.statusCode !== 206 ? offset : 0;
      try {
        for await (const c of res.body) {
          let buf = c as Buffer;
          if (skip > 0) {
            if (buf.length <= skip) { skip -= buf.length; continue; }
            buf = buf.subarray(skip);
            skip = 0;
          }
          offset += buf.length;
          if (offset > d.size) throw new RegistryError(`blob ${d.digest}: more than the ${d.size} bytes the manifest lists`);
          yield buf;
        }
        if (offset === d.size) return;
        throw Object.assign(new Error(`connection closed after ${offset} of ${d.size} bytes`), { resumable: true });
      } catch (err) {
        if (err instanceof RegistryError || ++resumes > maxResumes) {
          throw err instanceof RegistryError ? err : new RegistryError(`blob ${d.digest}: download failed: ${(err as Error).message}`);
        }
      } finally {
        res.body.destroy();
      }
    }
  }

  async tags(): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = `/v2/${this.path}/tags/list?n=1000`;
    while (next) {
      const res = await this.transport.request(next, { scope: this.pullScope });
      const j = (await res.body.json()) as { tags?: string[] | null };
      out.push(...(j.tags ?? []));
      const link = headerValue(res, 'link');
      const m = link ? /<([^>]+)>/.exec(link) : null;
      next = m ? m[1] : undefined;
    }
    return out;
  }

  /** HEAD check: true when the registry has the blob in this repository. */
  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.transport.request(`/v2/${this.path}/blobs/${digest}`, { method: 'HEAD', scope: this.pushScope, accept: [404] });
    await res.body.dump();
    return res.statusCode === 200;
  }

  /** Cross-repository mount; true when the registry linked the blob without an upload. */
  async mount(digest: string, from: string): Promise<boolean> {
    const scope = `${this.pushScope} repository:${from}:pull`;
    const res = await this.transport.request(`/v2/${this.path}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, { method: 'POST', scope });
    await res.body.dump();
    if (res.statusCode === 201) return true;
    // 202: the registry started a normal upload instead; cancel it.
    const loc = headerValue(res, 'location');
    if (loc) await this.transport.request(loc, { method: 'DELETE', scope: this.pushScope, accept: [404, 405] }).then((r) => r.body.dump(), () => {});
    return false;
  }

  private async startUpload(): Promise<string> {
    const res = await this.transport.request(`/v2/${this.path}/blobs/uploads/`, { method: 'POST', scope: this.pushScope });
    await res.body.dump();
    const loc = headerValue(res, 'location');
    if (!loc) throw new RegistryError(`${this.transport.host}: upload started without a Location`);
    return loc;
  }

  private async finish(location: string, digest: string, body?: Buffer): Promise<void> {
    const u = new URL(location, 'http://x');
    u.searchParams.set('digest', digest);
    const target = location.startsWith('http') ? u.toString() : `${u.pathname}${u.search}`;
    const res = await this.transport.request(target, {
      method: 'PUT', scope: this.pushScope,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(body?.length ?? 0) },
      body: body ?? Buffer.alloc(0),
    });
    await res.body.dump();
  }

  /** Monolithic upload (POST, then PUT with the whole body). */
  async uploadBytes(digest: string, data: Buffer): Promise<void> {
    await this.finish(await this.startUpload(), digest, data);
  }

  /**
   * Chunked upload of a stream whose digest is known only at its end: PATCH per chunk with
   * Content-Range, then PUT ?digest=. `digest()` is called after the stream ended.
   */
  async uploadChunked(source: AsyncIterable<Buffer>, digest: () => string, chunkSize: number, onBytes: (n: number) => void): Promise<void> {
    let location = await this.startUpload();
    let offset = 0;
    let pending: Buffer[] = [];
    let pendingLen = 0;
    const flush = async () => {
      if (pendingLen === 0) return;
      const data = Buffer.concat(pending, pendingLen);
      pending = [];
      pendingLen = 0;
      const res = await this.transport.request(location, {
        method: 'PATCH', scope: this.pushScope, body: data,
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + data.length - 1}`, 'content-length': String(data.length) },
      });
      await res.body.dump();
      location = headerValue(res, 'location') ?? location;
      offset += data.length;
      onBytes(offset);
    };
    for await (const c of source) {
      pending.push(c);
      pendingLen += c.length;
      if (pendingLen >= chunkSize) await flush();
    }
    await flush();
    await this.finish(location, digest());
  }

  async putManifest(ref: string, bytes: Buffer, mediaType: string): Promise<string> {
    const res = await this.transport.request(`/v2/${this.path}/manifests/${ref}`, {
      method: 'PUT', scope: this.pushScope, body: bytes, headers: { 'content-type': mediaType },
    });
    await res.body.dump();
    return headerValue(res, 'docker-content-digest') ?? sha256(bytes);
  }
}

export { sha256 as sha256Of };
export const bufferStream = (b: Buffer): Readable => Readable.from([b]);
