// The image endpoints over raw HTTP on wharfd's socket: response shapes per API version, status
// codes and error messages, streamed import/load/save bodies, prune filters, /system/df.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { FIXTURES } from '../../helpers/fixtures.js';
import { startWharfd, type Wharfd } from '../../helpers/wharfd.js';
import { busyboxRootfsTar } from '../docker-cli-images/helpers.js';

let d: Wharfd;
let tmp: string;
let rootfs: string;
const rand = () => randomBytes(4).toString('hex');

interface Res {
  status: number;
  type: string;
  body: Buffer;
  text: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function api(method: string, url: string, body?: Buffer | string | Readable | object, headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const isJson = body !== undefined && !Buffer.isBuffer(body) && typeof body !== 'string' && !(body instanceof Readable);
    const req = http.request({
      socketPath: d.socket, method, path: url,
      headers: { ...(isJson ? { 'Content-Type': 'application/json' } : body !== undefined ? { 'Content-Type': 'application/x-tar' } : {}), ...headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, type: String(res.headers['content-type'] ?? ''), body: buf, text: buf.toString(), json: () => JSON.parse(buf.toString()) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body instanceof Readable) body.pipe(req);
    else req.end(isJson ? JSON.stringify(body) : body);
  });
}

const jsonLines = (text: string) => text.split(/\r?\n/).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const fileBody = (name: string) => fs.createReadStream(path.join(FIXTURES, name));
const q = (o: unknown) => encodeURIComponent(JSON.stringify(o));

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-api-images-'));
  rootfs = busyboxRootfsTar(tmp);
  d = await startWharfd();
});

after(async () => {
  await d?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('POST /images/load streams Docker\'s JSON lines; a broken archive reports an error and changes nothing', async () => {
  const r = await api('POST', '/v1.41/images/load?quiet=1', fileBody('busybox-docker-save.tar'));
  assert.equal(r.status, 200);
  assert.equal(r.type, 'application/json');
  assert.deepEqual(jsonLines(r.text), [{ stream: 'Loaded image: bb:latest\n' }]);
  const r2 = await api('POST', '/images/load', fileBody('layers-oci-gzip.tar'));
  assert.match(String(jsonLines(r2.text)[0]!.stream), /^Loaded image ID: sha256:[0-9a-f]{64}\n$/);

  const before = (await api('GET', '/images/json?all=1')).json().length;
  const bad = await api('POST', '/images/load', Buffer.alloc(50_000, 0x42));
  assert.equal(bad.status, 200);
  const [line] = jsonLines(bad.text);
  assert.ok(typeof line!.error === 'string' && (line!.errorDetail as { message: string }).message === line!.error, bad.text);
  assert.equal((await api('GET', '/images/json?all=1')).json().length, before);
});

test('GET /images/json: v1.41 shape (placeholders, VirtualSize) and newer versions; shared-size', async () => {
  const old = (await api('GET', '/v1.41/images/json')).json() as Record<string, unknown>[];
  const untagged = old.find((i) => (i.RepoTags as string[])[0] === '<none>:<none>');
  assert.ok(untagged, JSON.stringify(old));
  assert.deepEqual(untagged.RepoDigests, ['<none>@<none>']);
  for (const i of old) {
    assert.match(String(i.Id), /^sha256:[0-9a-f]{64}$/);
    assert.equal(i.VirtualSize, i.Size);
    assert.equal(i.SharedSize, -1);
    assert.equal(i.Containers, -1);
    assert.equal(typeof i.Created, 'number');
    assert.equal(typeof i.ParentId, 'string');
  }
  const bb = old.find((i) => (i.RepoTags as string[]).includes('bb:latest'))!;
  assert.deepEqual(bb.Labels, {});

  const cur = (await api('GET', '/v1.51/images/json?shared-size=1')).json() as Record<string, unknown>[];
  const plain = cur.find((i) => i.Id === untagged.Id)!;
  assert.deepEqual([plain.RepoTags, plain.RepoDigests], [[], []]);
  assert.ok(!('VirtualSize' in plain));
  // The OCI image is built on busybox's layer: both share it.
  assert.ok((plain.SharedSize as number) > 1_000_000, `SharedSize ${plain.SharedSize}`);
  assert.equal(cur.find((i) => i.Id === bb.Id)!.SharedSize, plain.SharedSize);

  const filtered = (await api('GET', `/images/json?filters=${q({ reference: ['b*'] })}`)).json() as Record<string, unknown>[];
  assert.deepEqual(filtered.map((i) => i.RepoTags), [['bb:latest']]);
  const legacy = (await api('GET', `/images/json?filters=${q({ dangling: { true: true } })}`)).json() as Record<string, unknown>[];
  assert.deepEqual(legacy.map((i) => i.Id), [untagged.Id]);

  for (const [filters, message] of [
    [encodeURIComponent('{not json'), /invalid filter/],
    [q({ colour: ['red'] }), /invalid filter 'colour'/],
    [q({ dangling: ['maybe'] }), /invalid filter 'dangling=maybe'/],
    [q({ before: ['no-such-image'] }), /No such image: no-such-image/],
  ] as const) {
    const r = await api('GET', `/images/json?filters=${filters}`);
    assert.ok(r.status === 400 || r.status === 404, `${filters}: ${r.status}`);
    assert.match(r.json().message, message);
  }
});

test('inspect and history of a name with slashes; fields per API version; 404s', async () => {
  assert.equal(JSON.parse((await api('POST', '/images/load', fileBody('layers-docker-save.tar'))).text.split('\r\n')[0]!).stream, 'Loaded image: wharf-fixture/layers:1.0\n');
  const v41 = await api('GET', '/v1.41/images/wharf-fixture/layers:1.0/json');
  assert.equal(v41.status, 200);
  const img = v41.json();
  assert.deepEqual(img.RepoTags, ['wharf-fixture/layers:1.0']);
  assert.deepEqual(img.Config.Entrypoint, ['/bin/sh', '-c']);
  assert.equal(img.Config.Labels['org.example.fixture'], 'layers');
  assert.equal(img.RootFS.Type, 'layers');
  assert.ok('ContainerConfig' in img && 'VirtualSize' in img);
  const v51 = (await api('GET', `/v1.51/images/${img.Id}/json`)).json();
  assert.equal(v51.Id, img.Id);
  assert.ok(!('ContainerConfig' in v51) && !('Container' in v51) && !('VirtualSize' in v51));
  assert.equal((await api('GET', `/images/${img.Id.slice(7, 17)}/json`)).json().Id, img.Id, 'ID prefix');

  const hist = (await api('GET', '/images/wharf-fixture/layers:1.0/history')).json() as Record<string, unknown>[];
  assert.ok(hist.length >= 13);
  assert.deepEqual(Object.keys(hist[0]!).sort(), ['Comment', 'Created', 'CreatedBy', 'Id', 'Size', 'Tags']);
  assert.equal(hist[0]!.Id, img.Id);
  assert.deepEqual(hist[0]!.Tags, ['wharf-fixture/layers:1.0']);

  for (const url of ['/images/nope/json', '/images/nope/history', '/images/a/b/nope:1/json']) {
    const r = await api('GET', url);
    assert.equal(r.status, 404, url);
    assert.equal(r.type, 'application/json');
    assert.match(r.json().message, /^No such image: /);
  }
  assert.equal((await api('GET', '/images/bb/frobnicate')).status, 404);
});

test('tag and delete: 201/200 answers, Docker\'s item lists, 400/404/409 errors', async () => {
  const repo = `api-${rand()}`;
  assert.equal((await api('POST', `/images/bb/tag?repo=${repo}&tag=x`)).status, 201);
  assert.equal((await api('POST', `/images/bb/tag?repo=localhost:5000/${repo}:y`)).status, 201);
  const bad = await api('POST', `/images/bb/tag?repo=${repo}&tag=${encodeURIComponent('bad tag')}`);
  assert.equal(bad.status, 400);
  assert.match(bad.json().message, /invalid reference format/);
  assert.equal((await api('POST', '/images/bb/tag')).status, 400, 'repo is required');
  assert.equal((await api('POST', `/images/missing-${rand()}/tag?repo=a`)).status, 404);
  assert.deepEqual((await api('GET', `/images/localhost:5000/${repo}:y/json`)).json().RepoTags.sort(), ['bb:latest', `${repo}:x`, `localhost:5000/${repo}:y`].sort());

  const del = await api('DELETE', `/images/localhost:5000/${repo}:y`);
  assert.equal(del.status, 200);
  assert.deepEqual(del.json(), [{ Untagged: `localhost:5000/${repo}:y` }]);
  const conflict = await api('DELETE', '/images/bb');
  assert.equal(conflict.status, 200, 'bb has another repository: untag only');
  const id = (await api('GET', `/images/${repo}:x/json`)).json().Id;
  const byId = await api('DELETE', `/images/${id}`);
  assert.equal(byId.status, 200, 'one reference left: deleting by ID untags and deletes');
  assert.deepEqual(byId.json().slice(0, 2), [{ Untagged: `${repo}:x` }, { Deleted: id }]);
  const missing = await api('DELETE', `/images/${id}`);
  assert.equal(missing.status, 404);
  assert.match(missing.json().message, /No such image/);
  // Restore bb for the later tests.
  assert.equal(JSON.parse((await api('POST', '/images/load', fileBody('busybox-docker-save.tar'))).text.trim()).stream, 'Loaded image: bb:latest\n');
});

test('POST /images/create?fromSrc=- and fromSrc=<url> import; bad input is refused before anything is stored', async () => {
  const ref = `imp-${rand()}`;
  const r = await api('POST', `/images/create?fromSrc=-&repo=${ref}&tag=t1&message=hi&changes=${encodeURIComponent('CMD ["sh"]')}&changes=${encodeURIComponent('LABEL a=b')}`, fs.createReadStream(rootfs));
  assert.equal(r.status, 200);
  assert.equal(r.type, 'application/json');
  const [{ status }] = jsonLines(r.text) as [{ status: string }];
  assert.match(status, /^sha256:[0-9a-f]{64}$/);
  const img = (await api('GET', `/images/${ref}:t1/json`)).json();
  assert.equal(img.Id, status);
  assert.equal(img.Comment, 'hi');
  assert.deepEqual(img.Config.Cmd, ['sh']);
  assert.deepEqual(img.Config.Labels, { a: 'b' });

  // From a URL (a loopback HTTP server), tag inside repo.
  const server = http.createServer((_req, res) => fs.createReadStream(rootfs).pipe(res));
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  try {
    const port = (server.address() as AddressInfo).port;
    const u = await api('POST', `/images/create?fromSrc=${encodeURIComponent(`http://127.0.0.1:${port}/rootfs.tar`)}&repo=${ref}:url`);
    assert.equal(u.status, 200, u.text);
    const urlImg = (await api('GET', `/images/${ref}:url/json`)).json();
    assert.equal(urlImg.Comment, `Imported from http://127.0.0.1:${port}/rootfs.tar`);
    assert.deepEqual(urlImg.RootFS.Layers, img.RootFS.Layers, 'same layer content');
    const bad404 = await api('POST', `/images/create?fromSrc=${encodeURIComponent(`127.0.0.1:1/x.tar`)}&repo=${ref}:never`);
    assert.equal(bad404.status, 400, bad404.text);
  } finally {
    server.close();
  }

  const before = (await api('GET', '/images/json?all=1')).json().length;
  for (const [query, message] of [
    [`fromSrc=-&repo=${ref}:bad&changes=${encodeURIComponent('FROM busybox')}`, /FROM/],
    [`fromSrc=-&repo=${encodeURIComponent('Not/Valid')}`, /invalid reference format/],
    ['fromSrc=-&platform=windows/amd64', /only linux/],
    ['fromSrc=ftp://example/x.tar', /http and https only/],
    ['', /fromImage .* or fromSrc/],
  ] as const) {
    const b = await api('POST', `/images/create?${query}`, fs.createReadStream(rootfs));
    assert.equal(b.status, 400, `${query}: ${b.text}`);
    assert.match(b.json().message, message);
  }
  const notTar = await api('POST', `/images/create?fromSrc=-&repo=${ref}:junk`, Buffer.alloc(8192, 0x41));
  assert.equal(notTar.status, 400, notTar.text);
  assert.equal((await api('GET', '/images/json?all=1')).json().length, before);
});

test('POST /images/create?fromImage= reports local images up to date, else a clear 404', async () => {
  const r = await api('POST', '/images/create?fromImage=bb&tag=latest');
  assert.equal(r.status, 200);
  assert.deepEqual(jsonLines(r.text), [{ status: 'Status: Image is up to date for bb:latest' }]);
  const m = await api('POST', `/images/create?fromImage=library/nothing-${rand()}&tag=1`);
  assert.equal(m.status, 404);
  assert.match(m.json().message, /registries/);
  const s = await api('GET', '/images/search?term=busybox');
  assert.equal(s.status, 500);
  assert.match(s.json().message, /registry search not supported offline/);
});

test('GET /images/get and /images/{name}/get stream docker-save archives', async () => {
  const r = await api('GET', '/images/get?names=bb&names=wharf-fixture/layers:1.0');
  assert.equal(r.status, 200);
  assert.equal(r.type, 'application/x-tar');
  const entries = new Map<string, Buffer>();
  const extract = tar.extract();
  extract.on('entry', (h, stream, next) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: unknown) => { parts.push(c as Buffer); });
    stream.on('end', () => { entries.set(h.name, Buffer.concat(parts)); next(); });
  });
  await new Promise<void>((res, rej) => { extract.on('finish', res); extract.on('error', rej); extract.end(r.body); });
  const manifest = JSON.parse(entries.get('manifest.json')!.toString()) as { RepoTags: string[]; Layers: string[] }[];
  assert.deepEqual(manifest.map((m) => m.RepoTags), [['bb:latest'], ['wharf-fixture/layers:1.0']]);
  assert.equal(manifest[1]!.Layers.length, 5);
  const one = await api('GET', '/images/wharf-fixture/layers:1.0/get');
  assert.equal(one.status, 200);
  assert.ok(one.body.length > 3_000_000);
  const missing = await api('GET', '/images/get?names=bb&names=nope');
  assert.equal(missing.status, 404);
  assert.match(missing.json().message, /No such image: nope/);
  assert.equal((await api('GET', '/images/get')).status, 400);
});

test('POST /images/prune: until and label filters, then dangling images go; /system/df shapes', async () => {
  const imp = await api('POST', '/images/create?fromSrc=-&changes=LABEL%20prune%3Dme', fs.createReadStream(rootfs));
  const id = (jsonLines(imp.text)[0] as { status: string }).status;
  const old = await api('POST', `/images/prune?filters=${q({ until: ['10m'] })}`);
  assert.equal(old.status, 200);
  assert.ok(!old.json().ImagesDeleted.some((i: { Deleted?: string }) => i.Deleted === id), 'created now: not older than 10m');
  const other = (await api('POST', `/images/prune?filters=${q({ label: ['prune=other'] })}`)).json();
  assert.ok(!other.ImagesDeleted.some((i: { Deleted?: string }) => i.Deleted === id));
  assert.equal((await api('POST', `/images/prune?filters=${q({ colour: ['x'] })}`)).status, 400);
  const pruned = (await api('POST', `/images/prune?filters=${q({ label: ['prune=me'] })}`)).json();
  assert.deepEqual(pruned.ImagesDeleted[0], { Deleted: id });
  assert.ok(pruned.SpaceReclaimed > 0);
  assert.equal((await api('GET', `/images/${id}/json`)).status, 404);

  const df = (await api('GET', '/v1.41/system/df')).json();
  assert.deepEqual(Object.keys(df).sort(), ['BuildCache', 'Containers', 'Images', 'LayersSize', 'Volumes']);
  assert.ok(df.LayersSize > 3_000_000);
  assert.ok(df.Images.every((i: { Containers: number; SharedSize: number }) => i.Containers === 0 && i.SharedSize >= 0));
  const onlyImages = (await api('GET', '/v1.51/system/df?type=image')).json();
  assert.deepEqual(Object.keys(onlyImages).sort(), ['Images', 'LayersSize']);
  assert.equal((await api('GET', '/system/df?type=bogus')).status, 400);
});

test('POST /commit makes a child image; deleting it prunes its untagged parent unless noprune', async () => {
  for (const noprune of [false, true]) {
    const base = `base-${rand()}`;
    const imp = await api('POST', `/images/create?fromSrc=-&repo=${base}:1`, fs.createReadStream(rootfs));
    const baseId = (jsonLines(imp.text)[0] as { status: string }).status;
    const created = await api('POST', '/containers/create', { Image: `${base}:1`, Cmd: ['true'], Env: ['FROM_CREATE=1'] });
    assert.equal(created.status, 201, created.text);
    const ctr = created.json().Id as string;
    const commit = await api('POST', `/commit?container=${ctr.slice(0, 12)}&repo=child-${base}&comment=c1&changes=${encodeURIComponent('ENV CHANGED=1')}`, { Labels: { from: 'body' } });
    assert.equal(commit.status, 201, commit.text);
    const childId = commit.json().Id as string;
    const child = (await api('GET', `/images/child-${base}:latest/json`)).json();
    assert.equal(child.Id, childId);
    assert.equal(child.Parent, baseId);
    assert.equal(child.Comment, 'c1');
    assert.deepEqual(child.Config.Labels, { from: 'body' });
    assert.ok(child.Config.Env.includes('FROM_CREATE=1') && child.Config.Env.includes('CHANGED=1'), JSON.stringify(child.Config.Env));
    assert.equal((await api('DELETE', `/containers/${ctr}`)).status, 204);

    // The parent only loses its tag while the child depends on it; by ID it cannot go at all.
    const untag = await api('DELETE', `/images/${base}:1`);
    assert.equal(untag.status, 200, untag.text);
    assert.deepEqual(untag.json(), [{ Untagged: `${base}:1` }]);
    const byId = await api('DELETE', `/images/${baseId}?force=1`);
    assert.equal(byId.status, 409, byId.text);
    assert.match(byId.json().message, /\(cannot be forced\) - image has dependent child images/);
    const del = (await api('DELETE', `/images/child-${base}${noprune ? '?noprune=1' : ''}`)).json() as Record<string, string>[];
    assert.deepEqual(del.slice(0, 2), [{ Untagged: `child-${base}:latest` }, { Deleted: childId }]);
    assert.equal(del.some((i) => i.Deleted === baseId), !noprune);
    assert.equal((await api('GET', `/images/${baseId}/json`)).status, noprune ? 200 : 404);
    if (noprune) assert.equal((await api('DELETE', `/images/${baseId}`)).status, 200);
  }
});

test('POST /commit: unknown container 404, bad body 400', async () => {
  const r = await api('POST', `/commit?container=nope-${rand()}`, {});
  assert.equal(r.status, 404);
  assert.match(r.json().message, /No such container/);
  const b = await api('POST', '/commit?container=x', [1, 2]);
  assert.equal(b.status, 400);
  const none = await api('POST', '/commit', {});
  assert.equal(none.status, 400);
});

test('python3-docker: images.list/get/save/load/tag/remove', async (t) => {
  const { execFile } = await import('node:child_process');
  const script = `
import docker, json
c = docker.from_env()
out = {}
out['list'] = sorted(t for i in c.images.list() for t in i.tags)
img = c.images.get('bb')
out['id'] = img.id
out['short'] = img.short_id
data = b''.join(img.save(named=True))
out['saved'] = len(data)
img.tag('pyrepo', 'pytag')
out['tags'] = sorted(c.images.get('pyrepo:pytag').tags)
c.images.remove('pyrepo:pytag')
c.images.remove('bb')
# By full reference: a bare "bb" may also match an image ID prefix (Docker searches those too),
# and commits earlier in this file make images with random IDs.
try:
    c.images.get('bb:latest')
    out['after_remove'] = 'still there'
except docker.errors.ImageNotFound:
    out['after_remove'] = 'gone'
out['loaded'] = [i.id for i in c.images.load(data)]
out['history'] = c.images.get('bb').history()[0]['Id']
print(json.dumps(out))
`;
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('python3', ['-c', script], { env: d.env, timeout: 30_000 }, (err, so, se) => (err ? reject(new Error(`${err.message}\n${se}`)) : resolve(so)));
  }).catch((err: Error) => {
    if (/No module named 'docker'/.test(err.message)) { t.skip('python3-docker is not installed'); return ''; }
    throw err;
  });
  if (!stdout) return;
  const out = JSON.parse(stdout);
  assert.ok(out.list.includes('bb:latest') && out.list.includes('wharf-fixture/layers:1.0'), JSON.stringify(out.list));
  assert.match(out.id, /^sha256:[0-9a-f]{64}$/);
  assert.equal(out.short, out.id.slice(0, 19));
  assert.ok(out.saved > 1_000_000);
  assert.deepEqual(out.tags, ['bb:latest', 'pyrepo:pytag']);
  assert.equal(out.after_remove, 'gone');
  assert.deepEqual(out.loaded, [out.id]);
  assert.equal(out.history, out.id);
});
