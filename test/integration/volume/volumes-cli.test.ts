// Volumes through the real docker CLIs against wharfd: `docker volume` commands, named volumes
// shared by containers and outliving them, anonymous volumes from an image's VOLUME (filled
// from the image, removed by rm -v and --rm), --volumes-from, in-use refusals, prune and df,
// a tmpfs-backed local volume mounted only while used, and commit leaving volume data out.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { loadImages } from '../../../src/image/index.js';
import { FIXTURES } from '../../helpers/fixtures.js';
import { DOCKER_NEW, DOCKER_OLD, startTestDaemon, type TestDaemon } from '../docker-cli/helpers.js';

const FIXTURE = 'wharf-fixture/layers:1.0';
let t: TestDaemon;
const rand = () => randomBytes(4).toString('hex');
const volumesDir = () => path.join(t.d.dataRoot, 'volumes');
const volumeNames = async (): Promise<string[]> => (await t.ok(['volume', 'ls', '-q'])).split('\n').filter(Boolean).sort();
const mountsUnder = (dir: string) => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(dir + '/'));

/** A raw Engine API call on the daemon's socket. */
function api(method: string, urlPath: string, body?: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ socketPath: t.d.socket, method, path: urlPath, headers: data ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

before(async () => {
  t = await startTestDaemon({}, async (store) => {
    await loadImages(store, fs.createReadStream(path.join(FIXTURES, 'layers-docker-save.tar')));
  });
});
after(async () => {
  await t?.cleanup();
});

test('volume create / ls / inspect / rm with both CLIs, Docker shapes and errors', async () => {
  const name = `v-${rand()}`;
  assert.equal(await t.ok(['volume', 'create', '--label', 'team=a', '--label', 'tier', name]), name);
  const [v] = JSON.parse(await t.ok(['volume', 'inspect', name])) as Record<string, unknown>[];
  assert.equal(v!.Name, name);
  assert.equal(v!.Driver, 'local');
  assert.equal(v!.Scope, 'local');
  assert.deepEqual(v!.Labels, { team: 'a', tier: '' });
  assert.equal(v!.Mountpoint, path.join(volumesDir(), name, '_data'));
  assert.ok(fs.statSync(v!.Mountpoint as string).isDirectory());
  assert.match(v!.CreatedAt as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  // create is idempotent for the same name
  assert.equal(await t.ok(['volume', 'create', name]), name);
  for (const cli of [DOCKER_OLD, DOCKER_NEW]) {
    assert.ok((await t.ok(['volume', 'ls', '--format', '{{.Driver}} {{.Name}}'], { cli })).split('\n').includes(`local ${name}`), cli);
    assert.equal(await t.ok(['volume', 'ls', '-q', '--filter', 'label=team=a'], { cli }), name);
    assert.equal(await t.ok(['volume', 'ls', '-q', '--filter', 'label=team=b'], { cli }), '');
    assert.equal(await t.ok(['volume', 'ls', '-q', '--filter', `name=${name.slice(0, 6)}`, '--filter', 'driver=local'], { cli }), name);
  }
  const bad = await t.docker(['volume', 'create', 'bad/name']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /includes invalid characters for a local volume name/);
  const badOpt = await t.docker(['volume', 'create', '--opt', 'colour=red', `v-${rand()}`]);
  assert.match(badOpt.stderr, /invalid option: "colour"/);
  const missing = await t.docker(['volume', 'inspect', 'no-such-volume']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /no such volume/i);
  assert.equal(await t.ok(['volume', 'rm', name]), name);
  assert.ok(!fs.existsSync(path.join(volumesDir(), name)), 'the volume directory is gone');
  assert.match((await t.docker(['volume', 'rm', name])).stderr, /no such volume/i);
  assert.equal((await t.docker(['volume', 'rm', '-f', name])).code, 0, 'rm -f of a missing volume is fine');
  assert.ok(!(await volumeNames()).includes(name));
});

test('a named volume: written by one container, read by another, outlives both; in use → rm refused', async () => {
  const name = `data-${rand()}`;
  await t.ok(['run', '--name', `w-${name}`, '-v', `${name}:/data`, 'busybox', 'sh', '-c', 'echo kept > /data/file']);
  assert.equal(await t.ok(['run', '--rm', '--mount', `type=volume,source=${name},target=/mnt`, 'busybox', 'cat', '/mnt/file']), 'kept');
  // The writer still exists (stopped): the volume is referenced, rm is refused with 409.
  const inUse = await t.docker(['volume', 'rm', name]);
  assert.notEqual(inUse.code, 0);
  assert.match(inUse.stderr, /volume is in use/);
  assert.equal(await t.ok(['volume', 'ls', '-q', '--filter', 'dangling=true']).then((s) => s.split('\n').includes(name)), false);
  const mounts = JSON.parse(await t.ok(['inspect', '-f', '{{json .Mounts}}', `w-${name}`])) as Record<string, unknown>[];
  assert.deepEqual(mounts, [{
    Type: 'volume', Name: name, Source: path.join(volumesDir(), name, '_data'), Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '',
  }]);
  assert.equal(await t.ok(['ps', '-a', '--format', '{{.Names}}', '--filter', `volume=${name}`]), `w-${name}`);
  assert.equal(await t.ok(['ps', '-a', '--format', '{{.Names}}', '--filter', 'volume=/data', '--filter', `name=w-${name}`]), `w-${name}`);
  assert.equal(await t.ok(['ps', '-a', '-q', '--filter', `volume=other-${name}`]), '');
  await t.ok(['rm', '-v', `w-${name}`]); // -v never removes named volumes
  assert.ok((await volumeNames()).includes(name));
  assert.ok((await t.ok(['volume', 'ls', '-q', '--filter', 'dangling=true'])).split('\n').includes(name));
  assert.equal(await t.ok(['run', '--rm', '-v', `${name}:/again:ro`, 'busybox', 'cat', '/again/file']), 'kept');
  await t.ok(['volume', 'rm', name]);
});

test('the image VOLUME gets an anonymous volume; empty volumes are filled from the image; rm -v and --rm remove them', async () => {
  const before = await volumeNames();
  const c = `anon-${rand()}`;
  // A numeric user (the fixture's USER root is uid 0): this test is about volumes, not passwd lookups.
  const u = ['-u', '0:0'];
  await t.ok(['create', '--name', c, ...u, FIXTURE, 'echo x > /data/vol/new; ls /data/vol']);
  const [m] = JSON.parse(await t.ok(['inspect', '-f', '{{json .Mounts}}', c])) as Record<string, string>[];
  assert.equal(m!.Type, 'volume');
  assert.equal(m!.Destination, '/data/vol');
  assert.match(m!.Name!, /^[0-9a-f]{64}$/);
  assert.deepEqual(await volumeNames(), [...before, m!.Name!].sort());
  assert.equal(await t.ok(['start', '-a', c]), 'new');
  assert.equal(fs.readFileSync(path.join(m!.Source!, 'new'), 'utf8'), 'x\n');
  await t.ok(['rm', '-v', c]);
  assert.deepEqual(await volumeNames(), before, 'rm -v removed the anonymous volume');
  assert.ok(!fs.existsSync(path.dirname(m!.Source!)));

  // Copy-up: a named volume mounted over image content receives it; nocopy leaves it empty.
  const named = `keep-${rand()}`;
  assert.equal(await t.ok(['run', '--rm', ...u, '-v', `${named}:/data/keep`, FIXTURE, 'cat /data/keep/f']), 'keep');
  assert.equal(fs.readFileSync(path.join(volumesDir(), named, '_data', 'f'), 'utf8'), 'keep\n');
  assert.equal(await t.ok(['run', '--rm', ...u, '--mount', `type=volume,target=/srv,volume-nocopy`, FIXTURE, 'ls -A /srv | wc -l']), '0');
  // An image built with VOLUME over existing content: its anonymous volume starts with that content.
  const img = `withvol-${rand()}`;
  await t.ok(['create', '--name', `src-${img}`, FIXTURE]);
  await t.ok(['commit', '--change', 'VOLUME /srv', `src-${img}`, img]);
  await t.ok(['rm', '-v', `src-${img}`]);
  const mid = await volumeNames();
  assert.equal(await t.ok(['run', '--rm', ...u, img, 'cat /srv/hello.txt; cat /srv/tree/sub/b']), 'hello from the build context\nb');
  // --rm removed the container's anonymous volumes (/srv and /data/vol) but not the named one.
  assert.deepEqual(await volumeNames(), mid);
  assert.ok(mid.includes(named));
  await t.ok(['volume', 'rm', named]);
  await t.ok(['rmi', img]);
});

test('--volumes-from shares the volumes (ro or rw) and keeps them referenced', async () => {
  const src = `vf-${rand()}`;
  const name = `shared-${rand()}`;
  await t.ok(['create', '--name', src, '-v', `${name}:/shared`, '-v', '/anon', 'busybox', 'true']);
  assert.equal(await t.ok(['run', '--rm', '--volumes-from', src, 'busybox', 'sh', '-c', 'echo one > /shared/f; echo two > /anon/g; cat /shared/f /anon/g']), 'one\ntwo');
  const ro = await t.docker(['run', '--rm', '--volumes-from', `${src}:ro`, 'busybox', 'sh', '-c', 'cat /anon/g; echo no > /shared/f']);
  assert.equal(ro.stdout.trim(), 'two');
  assert.match(ro.stderr, /Read-only file system/);
  assert.notEqual(ro.code, 0);
  const user = `vf-user-${rand()}`;
  await t.ok(['create', '--name', user, '--volumes-from', src, 'busybox', 'true']);
  const anon = (JSON.parse(await t.ok(['inspect', '-f', '{{json .Mounts}}', src])) as { Name: string; Destination: string }[]).find((m) => m.Destination === '/anon')!.Name;
  // rm -v of the source leaves the anonymous volume that another container still uses.
  await t.ok(['rm', '-v', src]);
  assert.ok((await volumeNames()).includes(anon));
  assert.match((await t.docker(['volume', 'rm', anon])).stderr, /volume is in use/);
  await t.ok(['rm', '-v', user]);
  assert.ok(!(await volumeNames()).includes(anon), 'the last user removed it');
  await t.ok(['volume', 'rm', name]);
});

test('volume prune: API 1.41 prunes every unused volume, newer clients only anonymous ones unless --all; df shows volumes', async () => {
  const keep = `keep-${rand()}`;
  const loose = `loose-${rand()}`;
  const labelled = `lab-${rand()}`;
  await t.ok(['volume', 'create', keep]);
  await t.ok(['volume', 'create', loose]);
  await t.ok(['volume', 'create', '--label', 'prune=no', labelled]);
  await t.ok(['create', '--name', `user-${keep}`, '-v', `${keep}:/k`, 'busybox', 'true']);
  await t.ok(['create', '--name', `anon-${keep}`, '-v', '/a', 'busybox', 'true']);
  const anon = (JSON.parse(await t.ok(['inspect', '-f', '{{json .Mounts}}', `anon-${keep}`])) as { Name: string }[])[0]!.Name;
  await t.ok(['run', '--rm', '-v', `${loose}:/l`, 'busybox', 'sh', '-c', 'head -c 10000 /dev/zero > /l/z']);
  await t.ok(['rm', `anon-${keep}`]); // without -v: the anonymous volume stays, unused

  const df = await t.ok(['system', 'df', '-v']);
  assert.match(df, new RegExp(`^${loose}\\s+0\\s+10(\\.\\d+)?kB$`, 'm'), df);
  assert.match(df, new RegExp(`^${keep}\\s+1\\s+0B$`, 'm'), df);

  // Docker 28 (API 1.51): only the anonymous volume goes.
  const modern = await t.ok(['volume', 'prune', '-f'], { cli: DOCKER_NEW });
  assert.match(modern, new RegExp(anon));
  assert.doesNotMatch(modern, new RegExp(loose));
  // Docker 20.10 (API 1.41): every unused volume the filter selects; space reported.
  const old = await t.ok(['volume', 'prune', '-f', '--filter', 'label!=prune=no']);
  assert.match(old, new RegExp(loose));
  assert.match(old, /Total reclaimed space: 10(\.\d+)?kB/);
  const left = await volumeNames();
  assert.ok(left.includes(keep) && left.includes(labelled) && !left.includes(loose) && !left.includes(anon), left.join(' '));
  assert.match(await t.ok(['volume', 'prune', '-f', '--all'], { cli: DOCKER_NEW }), new RegExp(labelled));
  assert.ok((await volumeNames()).includes(keep), 'a used volume is never pruned');
  await t.ok(['rm', `user-${keep}`]);
  await t.ok(['volume', 'rm', keep]);
});

test('a tmpfs-backed local volume is mounted while a container uses it (across a daemon restart), unmounted after', async () => {
  const name = `tmpv-${rand()}`;
  await t.ok(['volume', 'create', '--driver', 'local', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', '--opt', 'o=size=1m', name]);
  const data = path.join(volumesDir(), name, '_data');
  assert.deepEqual(mountsUnder(path.dirname(data)), [], 'not mounted before use');
  await t.ok(['run', '-d', '--name', name, '-v', `${name}:/v`, 'busybox', 'sh', '-c', 'echo in-tmpfs > /v/f; sleep 60']);
  assert.match(await t.ok(['exec', name, 'df', '-k', '/v']), /tmpfs\s+1024\s/);
  assert.deepEqual(mountsUnder(path.dirname(data)), [data], 'mounted on the host while used');
  assert.equal(fs.readFileSync(path.join(data, 'f'), 'utf8'), 'in-tmpfs\n');
  // A daemon killed and restarted picks the running container up: the volume stays mounted for it.
  await t.d.stop('SIGKILL');
  await t.restart();
  assert.deepEqual(mountsUnder(path.dirname(data)), [data]);
  assert.equal(await t.ok(['exec', name, 'cat', '/v/f']), 'in-tmpfs');
  await t.ok(['rm', '-f', name]);
  assert.deepEqual(mountsUnder(path.dirname(data)), [], 'unmounted after the last user');
  assert.equal(await t.ok(['volume', 'inspect', '-f', '{{.Options.type}} {{.Options.o}}', name]), 'tmpfs size=1m');
  await t.ok(['volume', 'rm', name]);
});

test('commit and export leave volume contents out', async () => {
  const c = `cm-${rand()}`;
  const name = `cmv-${rand()}`;
  const inVolume = `vol-marker-${rand()}`;
  const inLayer = `layer-marker-${rand()}`;
  await t.ok(['run', '--name', c, '-v', `${name}:/vol`, 'busybox', 'sh', '-c', `echo ${inVolume} > /vol/data; echo ${inLayer} > /in-layer`]);
  // Copied into the stopped container under the volume's path: volume content, not committed.
  const host = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-volcp-'));
  fs.writeFileSync(path.join(host, 'copied'), 'x');
  await t.ok(['cp', path.join(host, 'copied'), `${c}:/vol/copied`]).finally(() => fs.rmSync(host, { recursive: true, force: true }));
  const img = `cm-img-${rand()}`;
  await t.ok(['commit', c, img]);
  assert.equal(await t.ok(['run', '--rm', img, 'sh', '-c', 'cat /in-layer; ls -A /vol 2>/dev/null | wc -l']), `${inLayer}\n0`);
  const tar = await t.docker(['export', c]);
  assert.equal(tar.code, 0);
  assert.ok(tar.stdout.includes(inLayer), 'export has the layer');
  assert.ok(!tar.stdout.includes(inVolume), 'export does not have the volume');
  assert.equal(await t.ok(['run', '--rm', '-v', `${name}:/v`, 'busybox', 'cat', '/v/data']), inVolume);
  await t.ok(['rm', c]);
  await t.ok(['rmi', img]);
  await t.ok(['volume', 'rm', name]);
});

test('Engine API: status codes and shapes of /volumes', async () => {
  const name = `api-${rand()}`;
  const created = await api('POST', '/v1.41/volumes/create', { Name: name, Labels: { k: 'v' }, DriverOpts: {} });
  assert.equal(created.status, 201);
  assert.deepEqual(Object.keys(created.json).sort(), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
  const anon = await api('POST', '/v1.41/volumes/create', {});
  assert.equal(anon.status, 201);
  assert.match(anon.json.Name, /^[0-9a-f]{64}$/);
  const list = await api('GET', `/v1.41/volumes?filters=${encodeURIComponent(JSON.stringify({ label: ['k=v'] }))}`);
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.Volumes.map((v: { Name: string }) => v.Name), [name]);
  assert.deepEqual(list.json.Warnings, []);
  assert.equal((await api('GET', '/v1.41/volumes?filters=' + encodeURIComponent('{"bogus":["x"]}'))).status, 400);
  assert.equal((await api('POST', '/v1.41/volumes/create', { Name: 'bad name' })).status, 400);
  assert.equal((await api('GET', '/v1.41/volumes/nope')).status, 404);
  assert.equal((await api('DELETE', '/v1.41/volumes/nope')).status, 404);
  assert.equal((await api('DELETE', '/v1.41/volumes/nope?force=1')).status, 204);
  const c = await api('POST', '/v1.41/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: { Mounts: [{ Type: 'volume', Source: name, Target: '/m' }] } });
  assert.equal(c.status, 201);
  const inUse = await api('DELETE', `/v1.41/volumes/${name}`);
  assert.equal(inUse.status, 409);
  assert.match(inUse.json.message, new RegExp(`volume is in use - \\[${c.json.Id}\\]`));
  assert.equal((await api('DELETE', `/v1.41/containers/${c.json.Id}`)).status, 204);
  // API 1.43: only anonymous volumes are pruned by default; 1.41 rejects the `all` filter.
  const p143 = await api('POST', '/v1.43/volumes/prune');
  assert.equal(p143.status, 200);
  assert.ok(p143.json.VolumesDeleted.includes(anon.json.Name) && !p143.json.VolumesDeleted.includes(name));
  assert.equal((await api('POST', '/v1.41/volumes/prune?filters=' + encodeURIComponent('{"all":["true"]}'))).status, 400);
  assert.equal((await api('DELETE', `/v1.41/volumes/${name}`)).status, 204);
  assert.equal((await api('GET', `/v1.41/volumes/${name}`)).status, 404);
});
