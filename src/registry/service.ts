// The registry side of the engine: pull (tags, digests, --all-tags, mirrors), push (one tag or all
// tags of a repository) and login checks, with Docker's progress messages.
import {
  familiarName, familiarString, parseReference, withDefaultTag, referenceString,
  type ImageStore, type Reference,
} from '../image/index.js';
import { RegistryError } from './errors.js';
import { endpointsFor, isInsecureRegistry, registryHost, DOCKER_HUB_REGISTRY, type RegistryConfig } from './client/endpoint.js';
import { Transport } from './client/transport.js';
import { Repository } from './client/repository.js';
import type { AuthConfig } from './client/auth.js';
import { pullOne } from './client/pull.js';
import { pushImage } from './client/push.js';
import { BlobRecords } from './client/sources.js';
import type { ProgressSink } from './client/progress.js';

export interface PullRequest {
  reference: string;
  auth?: AuthConfig;
  platform?: { os: string; architecture: string; variant?: string };
  allTags?: boolean;
  progress: ProgressSink;
}

export interface PushRequest {
  /** repo[:tag] or repo@digest; without a tag every tag of the repository is pushed. */
  reference: string;
  auth?: AuthConfig;
  progress: ProgressSink;
}

export interface RegistryServiceOptions extends RegistryConfig {
  userAgent?: string;
  /** Chunk size of chunked uploads (tests use small ones). */
  uploadChunkSize?: number;
}

export class RegistryService {
  readonly records: BlobRecords;

  constructor(readonly store: ImageStore, readonly options: RegistryServiceOptions = {}) {
    this.records = new BlobRecords(store.root);
  }

  private transport(host: string, auth: AuthConfig | undefined, scheme?: 'http' | 'https'): Transport {
    return new Transport({
      host, insecure: isInsecureRegistry(host, this.options), ...(scheme ? { scheme } : {}),
      ...(auth ? { auth } : {}), ...(this.options.userAgent ? { userAgent: this.options.userAgent } : {}),
    });
  }

  /** The repository to pull from: the first mirror that has the reference, else the registry. */
  private async pullRepository(ref: Reference, auth: AuthConfig | undefined): Promise<{ repo: Repository; source: string }> {
    const eps = endpointsFor(ref.domain, this.options);
    for (const ep of eps) {
      // Credentials for Docker Hub are not sent to mirrors.
      const repo = new Repository(this.transport(ep.host, ep.mirror ? undefined : auth, ep.scheme), ref.path);
      if (!ep.mirror) return { repo, source: `${ref.domain}/${ref.path}` };
      try {
        await repo.manifest(ref.digest ?? ref.tag ?? 'latest');
        return { repo, source: `${ref.domain}/${ref.path}` };
      } catch { /* next mirror, then the registry itself */ }
    }
    throw new RegistryError(`no endpoint for ${ref.domain}`);
  }

  async pull(req: PullRequest): Promise<void> {
    let ref: Reference;
    try {
      ref = parseReference(req.reference);
    } catch (err) {
      throw new RegistryError((err as Error).message, 400, 'NAME_INVALID');
    }
    const settings = {
      maxConcurrentDownloads: this.options.maxConcurrentDownloads ?? 3,
      progress: req.progress, records: this.records,
      ...(req.platform ? { platform: req.platform } : {}),
    };
    if (req.allTags) {
      if (ref.tag || ref.digest) throw new RegistryError('tag can\'t be used with --all-tags/-a', 400, 'TAG_INVALID');
      const { repo, source } = await this.pullRepository({ ...ref, tag: 'latest' }, req.auth);
      const tags = await repo.tags();
      let newer = false;
      for (const tag of tags) {
        const r = await pullOne(this.store, { repo, ref: { ...ref, tag }, source }, settings);
        req.progress({ status: `Digest: ${r.digest}` });
        newer ||= !r.upToDate;
      }
      req.progress({ status: `Status: ${newer ? 'Downloaded newer image for' : 'Image is up to date for'} ${familiarName(ref)}` });
      return;
    }
    const full = withDefaultTag(ref);
    const { repo, source } = await this.pullRepository(full, req.auth);
    const r = await pullOne(this.store, { repo, ref: full, source }, settings);
    req.progress({ status: `Digest: ${r.digest}` });
    req.progress({ status: `Status: ${r.upToDate ? 'Image is up to date for' : 'Downloaded newer image for'} ${familiarString(full)}` });
  }

  async push(req: PushRequest): Promise<void> {
    let ref: Reference;
    try {
      ref = parseReference(req.reference);
    } catch (err) {
      throw new RegistryError((err as Error).message, 400, 'NAME_INVALID');
    }
    const repoName = ref.name;
    const refs: Reference[] = ref.tag || ref.digest ? [ref] : Object.keys(this.store.db.view.Repositories[repoName] ?? {})
      .map((k) => parseReference(k)).filter((r) => r.tag && !r.digest).sort((a, b) => a.tag!.localeCompare(b.tag!));
    if (refs.length === 0) throw new RegistryError(`An image does not exist locally with the tag: ${familiarName(ref)}`, 404, 'NOT_FOUND');
    const images = [];
    for (const r of refs) {
      try {
        images.push({ ref: r, img: await this.store.get(referenceString(r)) });
      } catch {
        throw new RegistryError(`An image does not exist locally with the tag: ${familiarString(r)}`, 404, 'NOT_FOUND');
      }
    }
    req.progress({ status: `The push refers to repository [${repoName}]` });
    const host = registryHost(ref.domain);
    const repo = new Repository(this.transport(host, req.auth), ref.path);
    for (const { ref: r, img } of images) {
      const res = await pushImage(this.store, img, { repo, host: ref.domain, path: ref.path, ref: r.tag ?? r.digest! }, {
        progress: req.progress, records: this.records,
        maxConcurrentUploads: this.options.maxConcurrentUploads ?? 5,
        ...(this.options.uploadChunkSize ? { chunkSize: this.options.uploadChunkSize, monolithicMax: this.options.uploadChunkSize } : {}),
      });
      const tag = r.tag ?? r.digest!;
      req.progress({ status: `${tag}: digest: ${res.digest} size: ${res.size}` });
      req.progress({ progressDetail: {}, aux: { Tag: r.tag ?? '', Digest: res.digest, Size: res.size } });
      await this.store.register([{ id: img.id, manifestDigest: img.manifestDigest, tags: [{ name: r.name, domain: r.domain, path: r.path, digest: res.digest }] }]);
    }
  }

  /** POST /auth: checks credentials against the registry; throws a 401 RegistryError when wrong. */
  async login(auth: AuthConfig): Promise<{ Status: string; IdentityToken: string }> {
    const server = auth.serveraddress || 'https://index.docker.io/v1/';
    let host = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    if (host === 'index.docker.io' || host === 'docker.io') host = DOCKER_HUB_REGISTRY;
    const t = this.transport(host, auth);
    const res = await t.request('/v2/', {});
    await res.body.dump();
    return { Status: 'Login Succeeded', IdentityToken: '' };
  }
}
