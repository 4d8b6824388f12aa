import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ContainerStore } from '../../../src/engine/container-store.js';
import { newId } from '../../../src/engine/ids.js';

interface Cfg { image: string }
interface St { status: string; exitCode?: number }

function tempRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cstore-'));
}

test('create, persist, reload: records, names and states survive a new store instance', async () => {
  const root = tempRoot();
  try {
    const s1 = new ContainerStore<Cfg, St>(path.join(root, 'containers'));
    await s1.load();
    const a = await s1.create({ name: '/web', config: { image: 'busybox' }, state: { status: 'created' } });
    const b = await s1.create({ config: { image: 'alpine' }, state: { status: 'created' } });
    assert.equal(a.name, 'web');
    assert.match(b.name, /^[a-z]+_[a-z]+$/);
    await s1.saveState(a.id, { status: 'exited', exitCode: 3 });
    // Files are complete JSON and no temp files remain.
    const dir = s1.dirOf(a.id);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['config.json', 'state.json']);
    assert.equal((fs.statSync(path.join(dir, 'state.json')).mode & 0o777), 0o600);

    const s2 = new ContainerStore<Cfg, St>(path.join(root, 'containers'));
    const report = await s2.load();
    assert.deepEqual(report, { loaded: 2, skipped: [] });
    const a2 = s2.resolve('web');
    assert.equal(a2.id, a.id);
    assert.deepEqual(a2.state, { status: 'exited', exitCode: 3 });
    assert.deepEqual(a2.config, { image: 'busybox' });
    assert.equal(a2.created, a.created);
    assert.equal(s2.resolve(b.name).id, b.id);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('lookup by ID, name, /name and prefix; missing is 404, ambiguous is 400', async () => {
  const root = tempRoot();
  try {
    const s = new ContainerStore<Cfg, St>(root);
    await s.load();
    const id1 = 'abc' + newId().slice(3);
    const id2 = 'abd' + newId().slice(3);
    await s.create({ id: id1, name: 'one', config: { image: 'x' }, state: { status: 'created' } });
    await s.create({ id: id2, name: 'two', config: { image: 'x' }, state: { status: 'created' } });
    assert.equal(s.resolve(id1).name, 'one');
    assert.equal(s.resolve('/two').id, id2);
    assert.equal(s.resolve('abc').id, id1);
    assert.throws(() => s.resolve('nope'), (e: Error & { statusCode?: number }) => e.statusCode === 404 && e.message === 'No such container: nope');
    assert.throws(() => s.resolve('ab'), (e: Error & { statusCode?: number }) => e.statusCode === 400 && /multiple IDs found with provided prefix: ab/.test(e.message));
    assert.throws(() => s.resolve(''), (e: Error & { statusCode?: number }) => e.statusCode === 400);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('names are unique, including between concurrent creates; invalid names change nothing', async () => {
  const root = tempRoot();
  try {
    const s = new ContainerStore<Cfg, St>(root);
    await s.load();
    const results = await Promise.allSettled(Array.from({ length: 8 }, () =>
      s.create({ name: 'same', config: { image: 'x' }, state: { status: 'created' } })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(rejected.length, 7);
    assert.match(rejected[0].reason.message, /^Conflict\. The container name "\/same" is already in use by container "[0-9a-f]{64}"\. You have to remove \(or rename\) that container to be able to reuse that name\.$/);
    assert.equal(rejected[0].reason.statusCode, 409);
    await assert.rejects(s.create({ name: 'bad name', config: { image: 'x' }, state: { status: 'created' } }), /Invalid container name/);
    assert.equal(fs.readdirSync(root).length, 1);
    assert.equal(s.size, 1);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('rename frees the old name and persists; remove deletes the directory and the name', async () => {
  const root = tempRoot();
  try {
    const s = new ContainerStore<Cfg, St>(root);
    await s.load();
    const a = await s.create({ name: 'old', config: { image: 'x' }, state: { status: 'created' } });
    const b = await s.create({ name: 'other', config: { image: 'x' }, state: { status: 'created' } });
    await assert.rejects(s.rename(a.id, 'other'), (e: Error & { statusCode?: number }) => e.statusCode === 409);
    await assert.rejects(s.rename(a.id, 'old'), /same name as its current name/);
    assert.deepEqual(await s.rename(a.id, '/new'), { oldName: 'old', newName: 'new' });
    assert.equal(s.isNameTaken('old'), false);
    await s.create({ name: 'old', config: { image: 'y' }, state: { status: 'created' } }); // reusable now
    const reloaded = new ContainerStore<Cfg, St>(root);
    await reloaded.load();
    assert.equal(reloaded.resolve('new').id, a.id);
    await s.remove(b.id);
    assert.equal(fs.existsSync(s.dirOf(b.id)), false);
    assert.equal(s.find('other'), undefined);
    await s.create({ name: 'other', config: { image: 'z' }, state: { status: 'created' } });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('concurrent state saves land in call order; broken directories are reported, not loaded', async () => {
  const root = tempRoot();
  try {
    const s = new ContainerStore<Cfg, St>(root);
    await s.load();
    const a = await s.create({ name: 'aa', config: { image: 'x' }, state: { status: 'created' } });
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.saveState(a.id, { status: `s${i}` })));
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(s.dirOf(a.id), 'state.json'), 'utf8')), { status: 's19' });

    const broken = newId();
    fs.mkdirSync(path.join(root, broken));
    fs.writeFileSync(path.join(root, broken, 'config.json'), '{"ID": "trunc');
    fs.writeFileSync(path.join(s.dirOf(a.id), '.state.json.tmp-123456'), 'partial');
    fs.mkdirSync(path.join(root, 'not-an-id'));
    const s2 = new ContainerStore<Cfg, St>(root);
    const report = await s2.load();
    assert.equal(report.loaded, 1);
    assert.equal(report.skipped.length, 1);
    assert.equal(report.skipped[0].id, broken);
    assert.equal(fs.existsSync(path.join(s.dirOf(a.id), '.state.json.tmp-123456')), false);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a state.json lost or torn by a machine crash loads with the fallback state; without one it is skipped', async () => {
  const root = tempRoot();
  try {
    const s = new ContainerStore<Cfg, St>(root);
    await s.load();
    const a = await s.create({ name: 'lost', config: { image: 'img-a' }, state: { status: 'running' } });
    const b = await s.create({ name: 'torn', config: { image: 'img-b' }, state: { status: 'running' } });
    fs.rmSync(path.join(s.dirOf(a.id), 'state.json'));
    fs.writeFileSync(path.join(s.dirOf(b.id), 'state.json'), '{"status": "runn');

    const strict = new ContainerStore<Cfg, St>(root);
    assert.deepEqual((await strict.load()).skipped.map((x) => x.id).sort(), [a.id, b.id].sort());

    const seen: string[] = [];
    const tolerant = new ContainerStore<Cfg, St>(root, (cfg) => { seen.push(cfg.image); return { status: 'unknown' }; });
    const report = await tolerant.load();
    assert.equal(report.loaded, 2);
    assert.deepEqual(report.skipped, []);
    assert.deepEqual(tolerant.resolve('lost').state, { status: 'unknown' });
    assert.deepEqual(tolerant.resolve('torn').state, { status: 'unknown' });
    assert.deepEqual(seen.sort(), ['img-a', 'img-b']);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('state saves rewrite state.json in place (same inode); a shorter state still loads exactly', async () => {
  const root = tempRoot();
  try {
    const s = new ContainerStore<Cfg, St>(root, () => ({ status: 'lost' }));
    await s.load();
    const a = await s.create({ name: 'inplace', config: { image: 'x' }, state: { status: 'created' } });
    const file = path.join(s.dirOf(a.id), 'state.json');
    const ino = fs.statSync(file).ino;
    await s.saveState(a.id, { status: 'x'.repeat(300), exitCode: 1 });
    await s.saveState(a.id, { status: 'exited' });
    assert.equal(fs.statSync(file).ino, ino, 'no new file per save');
    const reloaded = new ContainerStore<Cfg, St>(root, () => ({ status: 'lost' }));
    await reloaded.load();
    assert.deepEqual(reloaded.resolve('inplace').state, { status: 'exited' });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('load removes what a crash left of creates (no or empty config.json) and of removals (renamed aside)', async () => {
  const root = tempRoot();
  try {
    const s = new ContainerStore<Cfg, St>(root, () => ({ status: 'lost' }));
    await s.load();
    const kept = await s.create({ name: 'kept', config: { image: 'x' }, state: { status: 'created' } });
    const gone = await s.create({ name: 'gone', config: { image: 'x' }, state: { status: 'created' } });
    await s.remove(gone.id);
    await s.settle();
    const noConfig = newId();
    fs.mkdirSync(path.join(root, noConfig));
    fs.writeFileSync(path.join(root, noConfig, 'state.json'), '{}');
    const emptyConfig = newId();
    fs.mkdirSync(path.join(root, emptyConfig));
    fs.writeFileSync(path.join(root, emptyConfig, 'config.json'), '');
    fs.mkdirSync(path.join(root, `.trash-${newId()}-1234`, 'rootfs'), { recursive: true });
    const reloaded = new ContainerStore<Cfg, St>(root, () => ({ status: 'lost' }));
    assert.deepEqual(await reloaded.load(), { loaded: 1, skipped: [] });
    assert.deepEqual(fs.readdirSync(root), [kept.id]);
    assert.equal(reloaded.isNameTaken('gone'), false);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
