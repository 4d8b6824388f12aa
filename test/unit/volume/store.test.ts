// The volume store and service on a temp data root: create/list/inspect/remove, metadata on
// disk, interrupted creates, references, filters, prune by API version, copy-up safety.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ANONYMOUS_LABEL, VolumeService, VolumeStore, copyImagePath, resolveInRoot } from '../../../src/volume/index.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-vol-unit-'));
const filters = (o: Record<string, string[]>) => new Map(Object.entries(o).map(([k, v]) => [k, new Set(v)]));

test('create writes metadata last; a reopened store sees the volume; half-created ones are dropped', async () => {
  const root = tmp();
  try {
    const store = await VolumeStore.open(root);
    const { volume, created } = await store.create('data', { labels: { a: 'b' }, options: null });
    assert.equal(created, true);
    assert.equal((await store.create('data')).created, false, 'same name: the existing volume');
    await assert.rejects(store.create('data', { driver: 'other' }), /volume name must be unique/);
    await assert.rejects(store.create('x'), /includes invalid characters/);
    await assert.rejects(store.create('nodrv', { driver: 'flocker' }), /error looking up volume plugin/);
    await assert.rejects(store.create('badopt', { options: { type: 'tmpfs' } }), /missing required option: "device"/);
    await assert.rejects(store.create('badopt', { options: { type: 'tmpfs', device: '--bind' } }), /invalid value for option "device"/);
    await assert.rejects(store.create('badopt', { options: { size: '1g' } }), /invalid option: "size"/);
    assert.equal(store.find('badopt'), undefined);
    const meta = JSON.parse(fs.readFileSync(path.join(root, 'volumes', 'data', 'volume.json'), 'utf8'));
    assert.deepEqual(meta, volume);
    fs.mkdirSync(path.join(root, 'volumes', 'half', '_data'), { recursive: true }); // crash before volume.json
    const again = await VolumeStore.open(root);
    assert.deepEqual(again.list().map((v) => v.Name), ['data']);
    assert.ok(!fs.existsSync(path.join(root, 'volumes', 'half')));
    fs.writeFileSync(path.join(again.dataDir('data'), 'f'), 'x');
    await again.remove('data');
    assert.ok(!fs.existsSync(path.join(root, 'volumes', 'data')));
    await assert.rejects(again.remove('data'), /remove data: no such volume/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('service: references block removal, filters, prune by API version, events', async () => {
  const root = tmp();
  try {
    const store = await VolumeStore.open(root);
    const refs = new Map<string, string[]>();
    const events: string[] = [];
    const svc = new VolumeService({ store, references: (n) => refs.get(n) ?? [], emit: (a, n) => events.push(`${a} ${n}`) });
    const named = await svc.create({ Name: 'named', Labels: { env: 'prod' } });
    assert.equal(named.Scope, 'local');
    assert.equal(named.Mountpoint, store.dataDir('named'));
    const anon = await svc.createAnonymous();
    assert.match(anon.Name, /^[0-9a-f]{64}$/);
    assert.deepEqual(anon.Labels, { [ANONYMOUS_LABEL]: '' });
    await svc.create({ Name: 'used' });
    refs.set('used', ['c1']);
    await assert.rejects(svc.remove('used'), (e: Error & { statusCode: number }) => e.statusCode === 409 && /remove used: volume is in use - \[c1\]/.test(e.message));
    await assert.rejects(svc.remove('nope'), (e: Error & { statusCode: number }) => e.statusCode === 404);
    await svc.remove('nope', true);
    const names = (f: Record<string, string[]>) => svc.list(filters(f)).Volumes.map((v) => v.Name).sort();
    assert.deepEqual(names({ dangling: ['true'] }), [anon.Name, 'named'].sort());
    assert.deepEqual(names({ dangling: ['false'] }), ['used']);
    assert.deepEqual(names({ label: ['env=prod'] }), ['named']);
    assert.deepEqual(names({ name: ['^us'] }), ['used']);
    assert.throws(() => svc.list(filters({ colour: ['x'] })), /invalid filter 'colour'/);
    assert.throws(() => svc.list(filters({ dangling: ['maybe'] })), /invalid filter 'dangling=maybe'/);
    await assert.rejects(svc.prune(filters({ all: ['true'] }), '1.41'), /invalid filter 'all'/);
    fs.writeFileSync(path.join(store.dataDir(anon.Name), 'f'), 'x'.repeat(1000));
    const modern = await svc.prune(filters({}), '1.43');
    assert.deepEqual(modern, { VolumesDeleted: [anon.Name], SpaceReclaimed: 1000 });
    assert.deepEqual(await svc.prune(filters({ 'label!': ['env=prod'] }), '1.41'), { VolumesDeleted: [], SpaceReclaimed: 0 });
    assert.deepEqual((await svc.prune(filters({ all: ['1'] }), '1.44')).VolumesDeleted, ['named']);
    assert.deepEqual(svc.list(filters({})).Volumes.map((v) => v.Name), ['used']);
    const du = await svc.diskUsage();
    assert.deepEqual(du.map((v) => [v.Name, v.UsageData]), [['used', { Size: 0, RefCount: 1 }]]);
    assert.ok(events.includes('create named') && events.includes(`destroy ${anon.Name}`) && events.includes('destroy named'));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('copy-up copies owners and modes, only into an empty volume, never through symlinks out of the root', async () => {
  const dir = tmp();
  try {
    const root = path.join(dir, 'rootfs');
    fs.mkdirSync(path.join(root, 'data', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(root, 'data', 'sub', 'f'), 'image file');
    fs.chownSync(path.join(root, 'data', 'sub', 'f'), 1234, 5678);
    fs.chmodSync(path.join(root, 'data'), 0o1770);
    fs.symlinkSync('/data', path.join(root, 'abs-link'));
    fs.symlinkSync('../../../../../../etc', path.join(root, 'escape'));
    const vol = path.join(dir, 'vol');
    fs.mkdirSync(vol);
    assert.equal(await copyImagePath(root, '/abs-link', vol), true, 'absolute links resolve inside the root');
    assert.equal(fs.readFileSync(path.join(vol, 'sub', 'f'), 'utf8'), 'image file');
    assert.equal(fs.statSync(path.join(vol, 'sub', 'f')).uid, 1234);
    assert.equal(fs.statSync(vol).mode & 0o7777, 0o1770);
    assert.equal(await copyImagePath(root, '/data', vol), false, 'a volume with content is left alone');
    fs.mkdirSync(path.join(root, 'etc'));
    fs.writeFileSync(path.join(root, 'etc', 'inside'), 'container etc');
    assert.equal(await resolveInRoot(root, '/escape'), path.join(root, 'etc'), '.. cannot leave the root');
    assert.equal(await resolveInRoot(root, '/missing/x'), null);
    const vol2 = path.join(dir, 'vol2');
    fs.mkdirSync(vol2);
    assert.equal(await copyImagePath(root, '/escape', vol2), true);
    assert.deepEqual(fs.readdirSync(vol2), ['inside'], "the container's /etc, never the host's");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a tmpfs volume is mounted for its first user and unmounted after its last', async () => {
  const root = tmp();
  const mounted = (p: string) => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === p);
  try {
    const store = await VolumeStore.open(root);
    await store.create('tv', { options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
    const dir = store.dataDir('tv');
    assert.equal(mounted(dir), false);
    assert.equal(await store.acquire('tv', 'c1'), dir);
    await store.acquire('tv', 'c2');
    assert.equal(mounted(dir), true);
    await store.release('tv', 'c1');
    assert.equal(mounted(dir), true, 'still used by c2');
    assert.equal(store.inUse('tv'), true);
    await store.release('tv', 'c2');
    assert.equal(mounted(dir), false);
    await store.create('broken', { options: { type: 'tmpfs', device: 'tmpfs', o: 'size=nonsense' } });
    await assert.rejects(store.acquire('broken', 'c1'), (e: Error & { statusCode: number }) => e.statusCode === 500 && /error while mounting volume/.test(e.message));
    assert.equal(store.inUse('broken'), false);
    await store.acquire('tv', 'c3');
    await store.remove('tv'); // never deletes through a mount: unmounts first
    assert.equal(mounted(dir), false);
    assert.ok(!fs.existsSync(path.dirname(dir)));
  } finally {
    for (const l of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const mp = l.split(' ')[4];
      if (mp?.startsWith(root + '/')) execFileSync('umount', ['-l', mp]);
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
});
