// wharf's registry server over loopback HTTP: uploads (monolithic, chunked, resumable state, bad
// offsets and digests), manifests, tags and catalog pagination, referrers, deletes, garbage
// collection, concurrent pushes of one blob, and token auth.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { serveRegistry, type RunningRegistry } from '../../../src/registry/server/main.js';
import { RegistryStorage } from '../../../src/registry/server/storage.js';
import { garbageCollect } from '../../../src/registry/server/gc.js';
import { Transport } from '../../../src/registry/client/transport.js';
import { Repository } from '../../../src/registry/client/repository.js';

let tmp: string;
let reg: RunningRegistry;
const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const OCI = 'application/vnd.oci.image.manifest.v1+json';

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-reg-server-'));
  reg = await serveRegistry({ addr: '127.0.0.1:0', root: path.join(tmp, 'root') });
});

after(async () => {
  await reg?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function req(method: string, p: string, body?: Buffer | string, headers: Record<string, string> = {}) {
  const r = await fetch(p.startsWith('http') ? p : `${reg.url}${p}`, { method, headers, ...(body !== undefined ? { body: body as BodyInit } : {}) });
  const buf = Buffer.from(await r.arrayBuffer());
  return { status: r.status, headers: r.headers, body: buf, json: () => JSON.parse(buf.toString()) };
}

async function pushBlob(repo: string, data: Buffer): Promise<string> {
  const r = await req('POST', `/v2/${repo}/blobs/uploads/?digest=${sha(data)}`, data);
  assert.equal(r.status, 201, r.body.toString());
  return sha(data);
}

async function pushImage(repo: string, tag: string, extra: Record<string, unknown> = {}): Promise<{ digest: string; bytes: Buffer }> {
  const layer = Buffer.from(`layer of ${repo}:${tag} ${Math.random()}`);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(layer)] } }));
  await pushBlob(repo, layer);
  await pushBlob(repo, config);
  const bytes = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: OCI,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(layer), size: layer.length }],
    ...extra,
  }));
  const r = await req('PUT', `/v2/${repo}/manifests/${tag}`, bytes, { 'content-type': OCI });
  assert.equal(r.status, 201, r.body.toString());
  assert.equal(r.headers.get('docker-content-digest'), sha(bytes));
  return { digest: sha(bytes), bytes };
}

test('chunked upload with Content-Range; a wrong offset is 416; status shows the progress; digest is checked', async () => {
  const data = Buffer.alloc(300_000, 7);
  const start = await req('POST', '/v2/c/chunked/blobs/uploads/');
  assert.equal(start.status, 202);
  let loc = start.headers.get('location')!;
  const a = await req('PATCH', loc, data.subarray(0, 100_000), { 'content-range': '0-99999' });
  assert.equal(a.status, 202);
  assert.equal(a.headers.get('range'), '0-99999');
  loc = a.headers.get('location')!;
  const wrong = await req('PATCH', loc, data.subarray(100_000, 200_000), { 'content-range': '50000-149999' });
  assert.equal(wrong.status, 416);
  const status = await req('GET', loc);
  assert.equal(status.status, 204);
  assert.equal(status.headers.get('range'), '0-99999');
  await req('PATCH', loc, data.subarray(100_000, 200_000), { 'content-range': '100000-199999' });
  const bad = await req('PUT', `${loc}?digest=${sha('nope')}`, data.subarray(200_000));
  assert.equal(bad.status, 400);
  assert.equal(bad.json().errors[0].code, 'DIGEST_INVALID');
  assert.equal((await req('HEAD', `/v2/c/chunked/blobs/${sha(data)}`)).status, 404);

  const again = (await req('POST', '/v2/c/chunked/blobs/uploads/')).headers.get('location')!;
  await req('PATCH', again, data.subarray(0, 150_000));
  const done = await req('PUT', `${again}?digest=${sha(data)}`, data.subarray(150_000));
  assert.equal(done.status, 201);
  const head = await req('HEAD', `/v2/c/chunked/blobs/${sha(data)}`);
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), '300000');
  const range = await req('GET', `/v2/c/chunked/blobs/${sha(data)}`, undefined, { range: 'bytes=299990-' });
  assert.equal(range.status, 206);
  assert.equal(range.body.length, 10);
  assert.equal(range.headers.get('content-range'), 'bytes 299990-299999/300000');
  // Blobs are per repository: another repository does not see it until mounted.
  assert.equal((await req('HEAD', `/v2/c/other/blobs/${sha(data)}`)).status, 404);
  const mount = await req('POST', `/v2/c/other/blobs/uploads/?mount=${sha(data)}&from=c/chunked`);
  assert.equal(mount.status, 201);
  assert.equal((await req('HEAD', `/v2/c/other/blobs/${sha(data)}`)).status, 200);
});

test('concurrent uploads of the same blob to several repositories all succeed with the same content', async () => {
  const data = Buffer.alloc(2_000_000, 3);
  const results = await Promise.all(Array.from({ length: 6 }, (_, i) => req('POST', `/v2/conc/r${i % 2}/blobs/uploads/?digest=${sha(data)}`, data)));
  for (const r of results) assert.equal(r.status, 201);
  const back = await req('GET', `/v2/conc/r1/blobs/${sha(data)}`);
  assert.equal(sha(back.body), sha(data));
  assert.deepEqual(fs.readdirSync(path.join(tmp, 'root', 'uploads')), []);
});

test('manifests need their blobs; tags and catalog paginate with Link; delete by tag and digest', async () => {
  const orphan = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI, config: { mediaType: 'x', digest: sha('missing'), size: 7 }, layers: [] }));
  const missing = await req('PUT', '/v2/p/repo/manifests/bad', orphan, { 'content-type': OCI });
  assert.equal(missing.status, 400);
  assert.equal(missing.json().errors[0].code, 'MANIFEST_BLOB_UNKNOWN');
  for (const tag of ['a', 'b', 'c', 'd', 'e']) await pushImage('p/repo', tag);
  const page1 = await req('GET', '/v2/p/repo/tags/list?n=2');
  assert.deepEqual(page1.json(), { name: 'p/repo', tags: ['a', 'b'] });
  assert.equal(page1.headers.get('link'), '</v2/p/repo/tags/list?n=2&last=b>; rel="next"');
  const page3 = await req('GET', '/v2/p/repo/tags/list?n=2&last=d');
  assert.deepEqual(page3.json().tags, ['e']);
  assert.equal(page3.headers.get('link'), null);
  // The client follows Link headers.
  const client = new Repository(new Transport({ host: reg.address, insecure: true }), 'p/repo');
  assert.deepEqual(await client.tags(), ['a', 'b', 'c', 'd', 'e']);
  await pushImage('p/zz', '1');
  const cat = await req('GET', '/v2/_catalog?n=1&last=p/repo');
  assert.deepEqual(cat.json().repositories, ['p/zz']);
  assert.equal((await req('GET', '/v2/nope/tags/list')).json().errors[0].code, 'NAME_UNKNOWN');

  const got = await req('GET', '/v2/p/repo/manifests/a');
  assert.equal(got.headers.get('content-type'), OCI);
  const digest = got.headers.get('docker-content-digest')!;
  assert.equal(sha(got.body), digest);
  assert.equal((await req('DELETE', '/v2/p/repo/manifests/b')).status, 202);
  assert.equal((await req('GET', '/v2/p/repo/manifests/b')).status, 404);
  assert.equal((await req('DELETE', `/v2/p/repo/manifests/${digest}`)).status, 202);
  assert.equal((await req('HEAD', '/v2/p/repo/manifests/a')).status, 404);
  assert.deepEqual((await req('GET', '/v2/p/repo/tags/list')).json().tags, ['c', 'd', 'e']);
});

test('referrers list manifests whose subject is the digest, filtered by artifactType', async () => {
  const subject = await pushImage('ref/app', 'v1');
  const desc = { mediaType: OCI, digest: subject.digest, size: subject.bytes.length };
  const sig = await pushImage('ref/app', 'sig', { artifactType: 'application/vnd.example.sig', subject: desc, annotations: { who: 'me' } });
  await pushImage('ref/app', 'sbom', { artifactType: 'application/vnd.example.sbom', subject: desc });
  const all = await req('GET', `/v2/ref/app/referrers/${subject.digest}`);
  assert.equal(all.status, 200);
  assert.equal(all.json().manifests.length, 2);
  const only = await req('GET', `/v2/ref/app/referrers/${subject.digest}?artifactType=application/vnd.example.sig`);
  assert.equal(only.headers.get('oci-filters-applied'), 'artifactType');
  assert.deepEqual(only.json().manifests, [{ mediaType: OCI, digest: sig.digest, size: sig.bytes.length, artifactType: 'application/vnd.example.sig', annotations: { who: 'me' } }]);
  assert.deepEqual((await req('GET', `/v2/ref/app/referrers/${sha('none')}`)).json().manifests, []);
});

test('garbage collection deletes blobs no manifest references and keeps the rest', async () => {
  const kept = await pushImage('gc/app', 'keep');
  const junk = await pushBlob('gc/app', Buffer.from('unreferenced blob'));
  const gone = await pushImage('gc/app', 'gone');
  await req('DELETE', `/v2/gc/app/manifests/${gone.digest}`);
  const report = await garbageCollect(new RegistryStorage(path.join(tmp, 'root')));
  assert.ok(report.deleted.includes(junk));
  assert.ok(report.deleted.includes(gone.digest));
  assert.ok(!report.deleted.includes(kept.digest));
  assert.equal((await req('HEAD', `/v2/gc/app/blobs/${junk}`)).status, 404);
  const m = JSON.parse((await req('GET', '/v2/gc/app/manifests/keep')).body.toString());
  for (const d of [m.config, ...m.layers]) assert.equal((await req('GET', `/v2/gc/app/blobs/${d.digest}`)).status, 200);
});

test('token auth: 401 with a Bearer challenge, tokens from /token for valid credentials only, scoped to the repository', async () => {
  const htpasswd = path.join(tmp, 'htpasswd');
  fs.writeFileSync(htpasswd, `bob:${bcrypt.hashSync('hunter2', 4)}\n`);
  const treg = await serveRegistry({ addr: '127.0.0.1:0', root: path.join(tmp, 'token-root'), htpasswd, token: true });
  try {
    const r = await fetch(`${treg.url}/v2/team/app/tags/list`);
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate')!, new RegExp(`^Bearer realm="${treg.url}/token",service="wharf-registry",scope="repository:team/app:pull"$`));
    const noCreds = await fetch(`${treg.url}/token?service=wharf-registry&scope=repository:team/app:pull`);
    assert.equal(noCreds.status, 401);
    const basic = 'Basic ' + Buffer.from('bob:hunter2').toString('base64');
    const tok = await (await fetch(`${treg.url}/token?service=wharf-registry&scope=repository:team/app:pull`, { headers: { authorization: basic } })).json() as { token: string };
    const ok = await fetch(`${treg.url}/v2/team/app/tags/list`, { headers: { authorization: `Bearer ${tok.token}` } });
    assert.equal(ok.status, 404); // authorized; the repository does not exist
    const other = await fetch(`${treg.url}/v2/team/other/tags/list`, { headers: { authorization: `Bearer ${tok.token}` } });
    assert.equal(other.status, 401);
    const push = await fetch(`${treg.url}/v2/team/app/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${tok.token}` } });
    assert.equal(push.status, 401, 'a pull token must not allow pushing');
    const forged = await fetch(`${treg.url}/v2/team/app/tags/list`, { headers: { authorization: `Bearer ${tok.token.slice(0, -2)}xx` } });
    assert.equal(forged.status, 401);
    // The client runs the whole flow itself.
    const client = new Repository(new Transport({ host: treg.address, insecure: true, auth: { username: 'bob', password: 'hunter2' } }), 'team/app');
    const data = Buffer.from('token-pushed');
    await client.uploadBytes(sha(data), data);
    assert.equal(await client.hasBlob(sha(data)), true);
    const wrong = new Repository(new Transport({ host: treg.address, insecure: true, auth: { username: 'bob', password: 'bad' } }), 'team/app');
    await assert.rejects(wrong.hasBlob(sha(data)), (e: Error) => /unauthorized: incorrect username or password/.test(e.message) && !e.message.includes('bad'));
  } finally {
    await treg.close();
  }
});

test('`registry serve` runs from the command line (TLS with --tls-cert/--tls-key), and bad flags are clear errors', async () => {
  const { spawn, spawnSync } = await import('node:child_process');
  const main = new URL('../../../src/registry/server/main.js', import.meta.url).pathname;
  const cert = path.join(tmp, 'cert.pem');
  const key = path.join(tmp, 'key.pem');
  const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  assert.equal(gen.status, 0, gen.stderr.toString());
  const child = spawn(process.execPath, [main, 'serve', '--addr', '127.0.0.1:0', '--root', path.join(tmp, 'tls-root'), '--tls-cert', cert, '--tls-key', key, '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; const m = /listening on (\S+)/.exec(out); if (m) resolve(m[1]!); });
      child.on('exit', (c) => reject(new Error(`registry exited ${c}`)));
    });
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    // The client talks TLS to it (loopback: certificate not verified, like Docker's insecure registries).
    const repo = new Repository(new Transport({ host: url.slice('https://'.length), insecure: true }), 'tls/app');
    const data = Buffer.from('over tls');
    await repo.uploadBytes(sha(data), data);
    assert.equal(await repo.hasBlob(sha(data)), true);
    assert.equal(await repo.transport.baseUrl(), url);
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  const bad = spawnSync(process.execPath, [main, 'serve', '--addr', 'nonsense', '--root', tmp]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr.toString(), /--addr: expected HOST:PORT, got "nonsense"/);
});
