// The registry server's HTTP API (OCI distribution spec v1.1 / Docker registry v2) on node:http.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { RegistryStorage, DIGEST_RE, NAME_RE, TAG_RE, type Descriptor } from './storage.js';
import { Uploads } from './uploads.js';
import { allows, basicCredentials, parseScopes, type Access, type Htpasswd, type TokenIssuer } from './auth.js';

export interface HandlerOptions {
  storage: RegistryStorage;
  htpasswd?: Htpasswd;
  /** Token auth: clients get tokens from GET /token (Basic credentials checked against htpasswd). */
  tokens?: TokenIssuer;
  /** Called per request (method, path, status); never given credentials. */
  log?: (line: string) => void;
}

const MANIFEST_MAX = 4 << 20;
const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) { super(message); }
}

function send(res: ServerResponse, status: number, headers: Record<string, string | number>, body?: string | Buffer): void {
  const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
  res.writeHead(status, { 'Docker-Distribution-API-Version': 'registry/2.0', ...(data ? { 'Content-Length': data.length } : { 'Content-Length': 0 }), ...headers });
  res.end(data);
}

const json = (res: ServerResponse, status: number, o: unknown, headers: Record<string, string> = {}) =>
  send(res, status, { 'Content-Type': 'application/json', ...headers }, JSON.stringify(o));

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > max) throw new HttpError(413, 'SIZE_INVALID', `body exceeds ${max} bytes`);
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

/** Splits /v2/<name>/<kind>/<rest>; the name may hold slashes. */
function route(p: string): { name: string; kind: string; rest: string } | null {
  const m = /^\/v2\/(.+?)\/(blobs\/uploads|blobs|manifests|tags|referrers)\/?(.*)$/.exec(p);
  if (!m) return null;
  return { name: m[1]!, kind: m[2]!, rest: m[3]! };
}

function paginate(all: string[], q: URLSearchParams, base: string): { items: string[]; link?: string } {
  const last = q.get('last');
  let items = last ? all.filter((x) => x > last) : all;
  const nText = q.get('n');
  if (nText !== null) {
    const n = Number(nText);
    if (!Number.isInteger(n) || n < 0) throw new HttpError(400, 'PAGINATION_NUMBER_INVALID', `invalid n=${nText}`);
    if (items.length > n) {
      items = items.slice(0, n);
      return { items, ...(n > 0 ? { link: `<${base}?n=${n}&last=${encodeURIComponent(items.at(-1)!)}>; rel="next"` } : {}) };
    }
    items = items.slice(0, n);
  }
  return { items };
}

export function createHandler(opts: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { storage } = opts;
  const uploads = new Uploads(storage);

  function challenge(req: IncomingMessage, scope?: string): Record<string, string> {
    if (opts.tokens) {
      const proto = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
      const realm = `${proto}://${req.headers.host ?? 'localhost'}/token`;
      return { 'WWW-Authenticate': `Bearer realm="${realm}",service="${opts.tokens.service}"${scope ? `,scope="${scope}"` : ''}` };
    }
    return { 'WWW-Authenticate': 'Basic realm="wharf-registry"' };
  }

  /** Throws 401 unless the request may do `action` on repository `name` (undefined: base /v2/). */
  function authorize(req: IncomingMessage, name: string | undefined, action: string): Access[] | 'all' {
    if (opts.tokens) {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      const grants = m ? opts.tokens.verify(m[1]!) : null;
      if (grants && (name === undefined || allows(grants, name, action))) return grants;
      const scope = name === undefined ? undefined : name === '' ? 'registry:catalog:*' : `repository:${name}:${action === 'pull' ? 'pull' : 'pull,push'}`;
      throw new HttpError(401, 'UNAUTHORIZED', 'authentication required', challenge(req, scope));
    }
    if (opts.htpasswd) {
      const c = basicCredentials(req.headers.authorization);
      if (!c || !opts.htpasswd.check(c.user, c.password)) throw new HttpError(401, 'UNAUTHORIZED', 'authentication required', challenge(req));
    }
    return 'all';
  }

  function canPull(grants: Access[] | 'all', name: string): boolean {
    return grants === 'all' || allows(grants, name, 'pull');
  }

  async function token(req: IncomingMessage, res: ServerResponse, q: URLSearchParams): Promise<void> {
    const c = basicCredentials(req.headers.authorization);
    let subject = '';
    if (opts.htpasswd) {
      if (!c || !opts.htpasswd.check(c.user, c.password)) throw new HttpError(401, 'UNAUTHORIZED', 'incorrect username or password', { 'WWW-Authenticate': 'Basic realm="wharf-registry"' });
      subject = c.user;
    }
    const access = parseScopes(q.getAll('scope')).map((a) => ({ ...a, actions: a.actions.filter((x) => ['pull', 'push', 'delete', '*'].includes(x)) }));
    const t = opts.tokens!.issue(subject, access);
    json(res, 200, { token: t, access_token: t, expires_in: opts.tokens!.ttlSeconds, issued_at: new Date().toISOString() });
  }

  async function blobs(req: IncomingMessage, res: ServerResponse, name: string, digest: string): Promise<void> {
    if (!DIGEST_RE.test(digest)) throw new HttpError(400, 'DIGEST_INVALID', `invalid digest ${digest}`);
    if (req.method === 'DELETE') {
      if (!(await storage.unlinkBlob(name, digest))) throw new HttpError(404, 'BLOB_UNKNOWN', `blob unknown to registry: ${digest}`);
      return send(res, 202, {});
    }
    const size = await storage.repoBlobSize(name, digest);
    if (size === null) throw new HttpError(404, 'BLOB_UNKNOWN', `blob unknown to registry: ${digest}`);
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': digest, 'Accept-Ranges': 'bytes', ETag: `"${digest}"`,
    };
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    let status = 200;
    let span: { start: number; end: number } | undefined;
    if (range && req.method === 'GET') {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size || start > end) throw new HttpError(416, 'RANGE_INVALID', `range ${req.headers.range} outside the blob (${size} bytes)`, { 'Content-Range': `bytes */${size}` });
      span = { start, end };
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
    headers['Content-Length'] = span ? span.end - span.start + 1 : size;
    res.writeHead(status, { 'Docker-Distribution-API-Version': 'registry/2.0', ...headers });
    if (req.method === 'HEAD') return void res.end();
    const stream = storage.openBlob(digest, span);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  async function finishUpload(res: ServerResponse, name: string, id: string, size: number, digest: string | null): Promise<void> {
    if (!digest || !DIGEST_RE.test(digest)) throw new HttpError(400, 'DIGEST_INVALID', `digest query parameter missing or invalid: ${digest}`);
    const actual = await uploads.digest(id, size);
    if (actual !== digest) {
      uploads.forget(id);
      await storage.dropUpload(id);
      throw new HttpError(400, 'DIGEST_INVALID', `provided digest ${digest} does not match uploaded content ${actual}`);
    }
    await storage.commitBlob(storage.uploadFile(id), digest);
    await storage.linkBlob(name, digest);
    uploads.forget(id);
    await storage.dropUpload(id);
    send(res, 201, { Location: `/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest });
  }

  async function upload(req: IncomingMessage, res: ServerResponse, name: string, id: string, q: URLSearchParams, grants: Access[] | 'all'): Promise<void> {
    const progress = (n: number) => ({
      Location: `/v2/${name}/blobs/uploads/${id}`, Range: `0-${Math.max(n - 1, 0)}`, 'Docker-Upload-UUID': id,
    });
    if (req.method === 'POST' && !id) {
      const mount = q.get('mount');
      const from = q.get('from');
      if (mount && from && DIGEST_RE.test(mount) && NAME_RE.test(from) && canPull(grants, from) && (await storage.repoBlobSize(from, mount)) !== null) {
        await storage.linkBlob(name, mount);
        return send(res, 201, { Location: `/v2/${name}/blobs/${mount}`, 'Docker-Content-Digest': mount });
      }
      id = await storage.newUpload(name);
      const digest = q.get('digest');
      if (digest) {
        const size = await uploads.append(id, 0, req);
        return finishUpload(res, name, id, size, digest);
      }
      return send(res, 202, progress(0));
    }
    const size = await storage.uploadSize(name, id);
    if (size === null) throw new HttpError(404, 'BLOB_UPLOAD_UNKNOWN', `blob upload unknown: ${id}`);
    switch (req.method) {
      case 'GET': return send(res, 204, progress(size));
      case 'DELETE': uploads.forget(id); await storage.dropUpload(id); return send(res, 204, {});
      case 'PATCH': {
        const cr = /^(?:bytes )?(\d+)-(\d+)$/.exec(req.headers['content-range'] ?? '');
        if (cr && Number(cr[1]) !== size) throw new HttpError(416, 'BLOB_UPLOAD_INVALID', `chunk starts at ${cr[1]} but the upload holds ${size} bytes`, { ...progress(size) });
        const n = await uploads.append(id, size, req);
        return send(res, 202, progress(n));
      }
      case 'PUT': {
        const n = await uploads.append(id, size, req);
        return finishUpload(res, name, id, n, q.get('digest'));
      }
      default: throw new HttpError(405, 'UNSUPPORTED', `method ${req.method} not allowed here`);
    }
  }

  async function manifests(req: IncomingMessage, res: ServerResponse, name: string, ref: string): Promise<void> {
    const byDigest = DIGEST_RE.test(ref);
    if (!byDigest && !TAG_RE.test(ref)) throw new HttpError(400, 'TAG_INVALID', `invalid tag or digest ${ref}`);
    if (req.method === 'PUT') return putManifest(req, res, name, ref, byDigest);
    if (req.method === 'DELETE') {
      const ok = byDigest ? await storage.deleteManifest(name, ref) : await storage.deleteTag(name, ref);
      if (!ok) throw new HttpError(404, 'MANIFEST_UNKNOWN', `manifest unknown: ${ref}`);
      return send(res, 202, {});
    }
    const digest = byDigest ? ref : await storage.resolveTag(name, ref);
    const type = digest ? await storage.manifestType(name, digest) : null;
    if (!digest || !type) throw new HttpError(404, 'MANIFEST_UNKNOWN', `manifest unknown: ${name}:${ref}`);
    const size = (await storage.blobSize(digest))!;
    const headers = { 'Content-Type': type, 'Docker-Content-Digest': digest, ETag: `"${digest}"` };
    if (req.method === 'HEAD') { res.writeHead(200, { ...headers, 'Content-Length': size, 'Docker-Distribution-API-Version': 'registry/2.0' }); return void res.end(); }
    const chunks: Buffer[] = [];
    for await (const c of storage.openBlob(digest)) chunks.push(c as Buffer);
    send(res, 200, headers, Buffer.concat(chunks));
  }

  async function putManifest(req: IncomingMessage, res: ServerResponse, name: string, ref: string, byDigest: boolean): Promise<void> {
    const bytes = await readBody(req, MANIFEST_MAX);
    const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
    if (byDigest && digest !== ref) throw new HttpError(400, 'DIGEST_INVALID', `manifest digest ${digest} does not match ${ref}`);
    let m: { schemaVersion?: number; mediaType?: string; artifactType?: string; config?: Descriptor; layers?: Array<Descriptor & { urls?: string[] }>; manifests?: Descriptor[]; subject?: Descriptor; annotations?: Record<string, string> };
    try { m = JSON.parse(bytes.toString('utf8')); } catch { throw new HttpError(400, 'MANIFEST_INVALID', 'manifest is not valid JSON'); }
    if (m?.schemaVersion !== 2) throw new HttpError(400, 'MANIFEST_INVALID', 'manifest schemaVersion must be 2');
    const mediaType = m.mediaType ?? (req.headers['content-type'] ?? '').split(';')[0]!.trim() ?? '';
    if (m.mediaType && req.headers['content-type'] && !req.headers['content-type'].startsWith(m.mediaType)) {
      throw new HttpError(400, 'MANIFEST_INVALID', `Content-Type ${req.headers['content-type']} does not match the manifest's mediaType ${m.mediaType}`);
    }
    const missing: string[] = [];
    if (INDEX_TYPES.has(mediaType) || Array.isArray(m.manifests)) {
      for (const d of m.manifests ?? []) if (!(await storage.manifestType(name, d.digest))) missing.push(d.digest);
      if (missing.length) throw new HttpError(400, 'MANIFEST_UNKNOWN', `manifests referenced by the index are not in ${name}: ${missing.join(', ')}`);
    } else {
      if (!m.config || !Array.isArray(m.layers)) throw new HttpError(400, 'MANIFEST_INVALID', 'image manifest needs config and layers');
      for (const d of [m.config, ...m.layers]) {
        if (!d || !DIGEST_RE.test(d.digest)) throw new HttpError(400, 'MANIFEST_INVALID', `invalid descriptor ${JSON.stringify(d)}`);
        if ((d as { urls?: string[] }).urls?.length) continue; // foreign layer
        const size = await storage.repoBlobSize(name, d.digest);
        if (size === null) missing.push(d.digest);
        else if (size !== d.size) throw new HttpError(400, 'SIZE_INVALID', `blob ${d.digest} has ${size} bytes, the manifest says ${d.size}`);
      }
      if (missing.length) throw new HttpError(400, 'MANIFEST_BLOB_UNKNOWN', `blob unknown to registry: ${missing.join(', ')}`);
    }
    const subject = m.subject && DIGEST_RE.test(m.subject.digest) ? {
      ...m.subject,
      self: {
        mediaType, digest, size: bytes.length,
        ...(m.artifactType ?? m.config?.mediaType ? { artifactType: m.artifactType ?? m.config!.mediaType } : {}),
        ...(m.annotations ? { annotations: m.annotations } : {}),
      },
    } : undefined;
    await storage.putManifest(name, digest, mediaType, bytes, byDigest ? undefined : ref, subject);
    send(res, 201, { Location: `/v2/${name}/manifests/${digest}`, 'Docker-Content-Digest': digest, ...(subject ? { 'OCI-Subject': subject.digest } : {}) });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://registry');
    const p = url.pathname;
    const q = url.searchParams;
    if (p === '/token' && opts.tokens) return token(req, res, q);
    if (p === '/v2/' || p === '/v2') { authorize(req, undefined, 'pull'); return json(res, 200, {}); }
    if (p === '/v2/_catalog') {
      authorize(req, '', 'catalog');
      const { items, link } = paginate(await storage.catalog(), q, '/v2/_catalog');
      return json(res, 200, { repositories: items }, link ? { Link: link } : {});
    }
    const r = route(p);
    if (!r) throw new HttpError(404, 'NOT_FOUND', `no such endpoint ${p}`);
    if (!NAME_RE.test(r.name)) throw new HttpError(400, 'NAME_INVALID', `invalid repository name ${r.name}`);
    const action = req.method === 'GET' || req.method === 'HEAD' ? 'pull' : req.method === 'DELETE' ? 'delete' : 'push';
    const grants = authorize(req, r.name, action === 'delete' && opts.tokens ? 'push' : action);
    switch (r.kind) {
      case 'blobs/uploads': return upload(req, res, r.name, r.rest.replace(/\/$/, ''), q, grants);
      case 'blobs': return blobs(req, res, r.name, r.rest);
      case 'manifests': return manifests(req, res, r.name, r.rest);
      case 'tags': {
        if (r.rest !== 'list') throw new HttpError(404, 'NOT_FOUND', `no such endpoint ${p}`);
        const all = await storage.tags(r.name);
        if (!all) throw new HttpError(404, 'NAME_UNKNOWN', `repository name not known to registry: ${r.name}`);
        const { items, link } = paginate(all, q, `/v2/${r.name}/tags/list`);
        return json(res, 200, { name: r.name, tags: items }, link ? { Link: link } : {});
      }
      case 'referrers': {
        if (!DIGEST_RE.test(r.rest)) throw new HttpError(400, 'DIGEST_INVALID', `invalid digest ${r.rest}`);
        const type = q.get('artifactType');
        let list = await storage.referrers(r.name, r.rest);
        if (type) list = list.filter((d) => d.artifactType === type);
        return json(res, 200, { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: list },
          { 'Content-Type': 'application/vnd.oci.image.index.v1+json', ...(type ? { 'OCI-Filters-Applied': 'artifactType' } : {}) });
      }
    }
  }

  return (req, res) => {
    handle(req, res).then(() => {
      opts.log?.(`${req.method} ${(req.url ?? '').split('?')[0]} ${res.statusCode}`);
    }, (err: unknown) => {
      const e = err instanceof HttpError ? err : new HttpError(500, 'UNKNOWN', (err as Error).message);
      opts.log?.(`${req.method} ${(req.url ?? '').split('?')[0]} ${e.status} ${e.code}`);
      req.resume();
      if (res.headersSent) return void res.destroy();
      json(res, e.status, { errors: [{ code: e.code, message: e.message, detail: null }] }, e.headers);
    });
  };
}
