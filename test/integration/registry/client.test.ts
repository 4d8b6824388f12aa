// wharf's registry client in process against wharf's registry server: platform choice from an
// index, --all-tags, pull by digest, registry mirrors for Docker Hub names, chunked uploads, and
// commit-style (uncompressed) layers gzipped once and recorded so pushing again uploads nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { ImageStore, buildBusyboxImage } from '../../../src/image/index.js';
import { RegistryService } from '../../../src/registry/service.js';
import type { ProgressMessage } from '../../../src/registry/client/progress.js';
import { serveRegistry, type RunningRegistry } from '../../../src/registry/server/main.js';
import { FIXTURES, skopeo } from './helpers.js';
import { chainIdsOfConfig } from '../../../src/image/chain.js';
import { UNSYNCED_MARKER } from '../../../src/storage/deferred-sync.js';

let tmp: string;
let reg: RunningRegistry;
const requests: string[] = [];

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-reg-client-'));
  reg = await serveRegistry({ addr: '127.0.0.1:0', root: path.join(tmp, 'registry'), log: (l) => requests.push(l) });
  await skopeo(['copy', '--dest-tls-verify=false', `oci-archive:${path.join(FIXTURES, 'layers-oci-gzip.tar')}:layers-1.0`, `docker://${reg.address}/library/layers:1.0`]);
  await skopeo(['copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${reg.address}/library/layers:1.0`, `docker://${reg.address}/library/layers:2.0`]);
});

after(async () => {
  await reg?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function openStore(name: string): Promise<ImageStore> {
  return ImageStore.open(path.join(tmp, name), { snapshotter: { driver: 'vfs' } });
}

const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

async function put(url: string, body: Buffer | string, type: string): Promise<Response> {
  const r = await fetch(url, { method: 'PUT', body: body as BodyInit, headers: { 'content-type': type } });
  assert.ok(r.status < 300, `${url}: ${r.status} ${await r.clone().text()}`);
  return r;
}

test('an index resolves to the host platform, or to --platform; pull by digest; --all-tags', async () => {
  const base = `${reg.url}/v2/library/layers`;
  const amd = await fetch(`${base}/manifests/1.0`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  const amdBytes = Buffer.from(await amd.arrayBuffer());
  const amdManifest = JSON.parse(amdBytes.toString());
  // An "arm64" image: the same layers with a config saying arm64.
  const cfg = JSON.parse(Buffer.from(await (await fetch(`${base}/blobs/${amdManifest.config.digest}`)).arrayBuffer()).toString());
  const armCfg = Buffer.from(JSON.stringify({ ...cfg, architecture: 'arm64', variant: 'v8' }));
  const up = await fetch(`${base}/blobs/uploads/?digest=${sha(armCfg)}`, { method: 'POST', body: armCfg as BodyInit });
  assert.equal(up.status, 201);
  const armManifest = Buffer.from(JSON.stringify({ ...amdManifest, config: { ...amdManifest.config, digest: sha(armCfg), size: armCfg.length } }));
  await put(`${base}/manifests/${sha(armManifest)}`, armManifest, 'application/vnd.oci.image.manifest.v1+json');
  const index = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(armManifest), size: armManifest.length, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(amdBytes), size: amdBytes.length, platform: { os: 'linux', architecture: 'amd64' } },
    ],
  }));
  await put(`${base}/manifests/multi`, index, 'application/vnd.oci.image.index.v1+json');

  const store = await openStore('platform');
  const svc = new RegistryService(store);
  const msgs: ProgressMessage[] = [];
  await svc.pull({ reference: `${reg.address}/library/layers:multi`, progress: (m) => msgs.push(m) });
  const host = await store.get(`${reg.address}/library/layers:multi`);
  assert.equal(host.id, amdManifest.config.digest);
  assert.ok(host.repoDigests.includes(`${reg.address}/library/layers@${sha(index)}`));
  assert.ok(msgs.some((m) => m.status === `Digest: ${sha(index)}`));
  assert.ok(msgs.some((m) => m.status === 'Downloading' && m.progressDetail?.total));
  assert.equal(msgs.filter((m) => m.status === 'Pull complete').length, 5);

  await svc.pull({ reference: `${reg.address}/library/layers:multi`, platform: { os: 'linux', architecture: 'arm64' }, progress: (m) => msgs.push(m) });
  const arm = await store.get(`${reg.address}/library/layers:multi`);
  assert.equal(arm.id, sha(armCfg));
  assert.equal(arm.config.architecture, 'arm64');
  await assert.rejects(svc.pull({ reference: `${reg.address}/library/layers:multi`, platform: { os: 'linux', architecture: 's390x' }, progress: () => {} }),
    /no matching manifest for linux\/s390x/);

  const byDigest = await openStore('digest');
  await new RegistryService(byDigest).pull({ reference: `${reg.address}/library/layers@${sha(amdBytes)}`, progress: () => {} });
  assert.equal((await byDigest.get(`${reg.address}/library/layers@${sha(amdBytes)}`)).id, amdManifest.config.digest);

  const all = await openStore('all');
  const allMsgs: ProgressMessage[] = [];
  await new RegistryService(all).pull({ reference: `${reg.address}/library/layers`, allTags: true, progress: (m) => allMsgs.push(m) });
  for (const tag of ['1.0', '2.0', 'multi']) assert.ok(all.resolve(`${reg.address}/library/layers:${tag}`));
  assert.ok(allMsgs.some((m) => m.status === `Status: Downloaded newer image for ${reg.address}/library/layers`));
});

test('registry mirrors serve Docker Hub names (docker.io/library/...) without reaching Docker Hub', async () => {
  const store = await openStore('mirror');
  const svc = new RegistryService(store, { mirrors: [reg.url] });
  const msgs: string[] = [];
  await svc.pull({ reference: 'layers:1.0', progress: (m) => { if (m.status) msgs.push(m.status); } });
  assert.ok(store.resolve('layers:1.0'));
  assert.ok(msgs.includes('Status: Downloaded newer image for layers:1.0'), msgs.join('\n'));
  assert.ok(msgs.includes('Pulling from library/layers'));
});

test('uncompressed local layers are gzipped while pushed in chunks, recorded, and a re-push uploads nothing', async () => {
  const store = await openStore('push');
  const { id } = await buildBusyboxImage(store);
  const img = await store.byId(id);
  assert.ok(img.manifest.layers.every((l) => !l.mediaType.endsWith('gzip')), 'busybox layers should start uncompressed');
  await store.tag(id, `${reg.address}/pushed/bb:1`);
  const svc = new RegistryService(store, { uploadChunkSize: 64 * 1024 });
  requests.length = 0;
  const msgs: ProgressMessage[] = [];
  await svc.push({ reference: `${reg.address}/pushed/bb:1`, progress: (m) => msgs.push(m) });
  const patches = requests.filter((r) => r.startsWith('PATCH /v2/pushed/bb/blobs/uploads/')).length;
  assert.ok(patches > 1, `expected several PATCH chunks, got ${patches}`);
  const aux = msgs.find((m) => m.aux)!.aux as { Tag: string; Digest: string; Size: number };
  assert.equal(aux.Tag, '1');
  const manifest = JSON.parse(Buffer.from(await (await fetch(`${reg.url}/v2/pushed/bb/manifests/1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).arrayBuffer()).toString());
  assert.ok(manifest.layers.every((l: { mediaType: string }) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar+gzip'));
  assert.equal(manifest.config.digest, id);
  const records = JSON.parse(fs.readFileSync(path.join(tmp, 'push', 'registry', 'blobs.json'), 'utf8'));
  assert.equal(records.compressed[img.config.rootfs.diff_ids[0]!].digest, manifest.layers[0].digest);
  assert.ok(fs.existsSync(store.content.path(manifest.layers[0].digest)), 'the gzip blob is kept');

  // A second repository: the recorded gzip blob is mounted (no upload, no recompression).
  await store.tag(id, `${reg.address}/pushed/again:1`);
  requests.length = 0;
  const again: ProgressMessage[] = [];
  await svc.push({ reference: `${reg.address}/pushed/again:1`, progress: (m) => again.push(m) });
  assert.equal(requests.filter((r) => r.startsWith('PATCH')).length, 0, requests.join('\n'));
  assert.ok(again.some((m) => m.status === 'Mounted from pushed/bb'));
  assert.equal((again.find((m) => m.aux)!.aux as { Digest: string }).Digest, aux.Digest);
  const pushedAgain = await svc.push({ reference: `${reg.address}/pushed/again:1`, progress: (m) => again.push(m) }).then(() => again);
  assert.ok(pushedAgain.some((m) => m.status === 'Layer already exists'));
});

test('HTTP_PROXY from the environment carries registry traffic (undici EnvHttpProxyAgent)', async () => {
  const http = await import('node:http');
  const net = await import('node:net');
  const { spawn } = await import('node:child_process');
  const proxied: string[] = [];
  // A forward proxy: registry.invalid (which no DNS resolves) is the real registry behind it.
  const proxy = http.createServer((req, res) => {
    proxied.push(`${req.method} ${req.url}`);
    const u = new URL(req.url!);
    const up = http.request(`${reg.url}${u.pathname}${u.search}`, { method: req.method, headers: { ...req.headers, host: reg.address } }, (ur) => {
      res.writeHead(ur.statusCode!, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  proxy.on('connect', (req, socket: import('node:net').Socket, head: Buffer) => {
    proxied.push(`CONNECT ${req.url}`);
    if (!req.url!.startsWith('registry.invalid:')) return void socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    const up = net.connect(Number(reg.address.split(':')[1]), '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as import('node:net').AddressInfo).port}`;
  const name = `registry.invalid:${reg.address.split(':')[1]}`;
  const dist = new URL('../../../src/', import.meta.url).pathname;
  const script = `
    import { ImageStore } from '${dist}image/index.js';
    import { RegistryService } from '${dist}registry/service.js';
    const store = await ImageStore.open(${JSON.stringify(path.join(tmp, 'proxied'))}, { snapshotter: { driver: 'vfs' } });
    await new RegistryService(store, { insecureRegistries: ['${name}'] }).pull({ reference: '${name}/library/layers:1.0', progress: () => {} });
    console.log(store.resolve('${name}/library/layers:1.0'));`;
  try {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...withoutProxyVars(process.env), HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const code = await new Promise((r) => child.on('close', r));
    assert.equal(code, 0, err);
    assert.match(out, /^sha256:[0-9a-f]{64}$/m);
    assert.ok(proxied.some((p) => p === `CONNECT ${name}` || p.startsWith(`GET http://${name}/v2/`)), proxied.join('\n'));
  } finally {
    proxy.closeAllConnections();
    await new Promise((r) => proxy.close(r));
  }
});

function withoutProxyVars(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !/^(https?|no)_proxy$/i.test(k)));
}

test('pulled layers are synced after the pull; left unsynced by a machine crash, they are unpacked again from their blobs', async () => {
  const root = path.join(tmp, 'deferred');
  const ref = `${reg.address}/library/layers:1.0`;
  const store = await ImageStore.open(root, { snapshotter: { driver: 'vfs' } });
  await new RegistryService(store).pull({ reference: ref, progress: () => {} });
  const chains = chainIdsOfConfig((await store.get(ref)).config);
  assert.ok(chains.length > 1);
  const dirOf = (c: string) => path.dirname(store.snapshots.layerDir(c as `sha256:${string}`));
  const listing = (dir: string): string[] => fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => `${path.relative(dir, path.join(e.parentPath, e.name))}:${e.isFile() ? fs.readFileSync(path.join(e.parentPath, e.name)).toString('base64') : e.isDirectory() ? 'dir' : 'other'}`).sort();
  const before = chains.map((c) => listing(store.snapshots.layerDir(c as `sha256:${string}`)));
  // The machine crashed before the background sync and came back (another boot ID).
  for (const c of chains) fs.writeFileSync(path.join(dirOf(c), UNSYNCED_MARKER), 'another-boot\n');
  const after = await ImageStore.open(root, { snapshotter: { driver: 'vfs' } });
  assert.deepEqual([...after.snapshots.droppedLayers].sort(), [...chains].sort());
  assert.equal((await after.list()).length, 1, 'the image itself is still there');
  await after.ensureImageLayers(ref);
  assert.deepEqual(chains.map((c) => listing(after.snapshots.layerDir(c as `sha256:${string}`))), before);
  for (const c of chains) assert.equal(fs.existsSync(path.join(dirOf(c), UNSYNCED_MARKER)), false, 'made again durably');

  // Without a crash the markers go once synced (at the latest when the store settles).
  const other = await ImageStore.open(path.join(tmp, 'deferred-2'), { snapshotter: { driver: 'vfs' } });
  await new RegistryService(other).pull({ reference: ref, progress: () => {} });
  await other.snapshots.settle();
  for (const c of chains) assert.equal(fs.existsSync(path.join(path.dirname(other.snapshots.layerDir(c as `sha256:${string}`)), UNSYNCED_MARKER)), false);
  assert.deepEqual((await ImageStore.open(path.join(tmp, 'deferred-2'), { snapshotter: { driver: 'vfs' } })).snapshots.droppedLayers, []);
});
