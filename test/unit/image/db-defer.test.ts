// ImageDb deferWrite: the change is visible at once but reaches the file only with the next
// written update or flush() (how a build registers its steps before making them durable).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ImageDb } from '../../../src/image/db.js';

const onDisk = (file: string): Record<string, unknown> => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).Images : {});

test('deferred updates stay in memory until a written update or flush() writes them all', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-db-'));
  try {
    const file = path.join(dir, 'repositories.json');
    const db = new ImageDb(file);
    await db.load();
    await db.update((d) => { d.Images['sha256:a'] = { manifest: 'sha256:ma', added: 'now' }; }, { deferWrite: true });
    assert.ok(db.view.Images['sha256:a']);
    assert.deepEqual(onDisk(file), {});
    await db.update((d) => { d.Images['sha256:b'] = { manifest: 'sha256:mb', added: 'now' }; });
    assert.deepEqual(Object.keys(onDisk(file)).sort(), ['sha256:a', 'sha256:b']);
    await db.update((d) => { d.Images['sha256:c'] = { manifest: 'sha256:mc', added: 'now' }; }, { deferWrite: true });
    assert.deepEqual(Object.keys(onDisk(file)).sort(), ['sha256:a', 'sha256:b']);
    await db.flush();
    assert.deepEqual(Object.keys(onDisk(file)).sort(), ['sha256:a', 'sha256:b', 'sha256:c']);
    // A failed deferred update changes nothing, in memory or on disk.
    await assert.rejects(db.update(() => { throw new Error('no'); }, { deferWrite: true }), /no/);
    const reopened = new ImageDb(file);
    await reopened.load();
    assert.deepEqual(Object.keys(reopened.view.Images).sort(), ['sha256:a', 'sha256:b', 'sha256:c']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('sync hooks run before every written update (the file sees the state after them), never for deferred ones, until removed', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-db-'));
  try {
    const file = path.join(dir, 'repositories.json');
    const db = new ImageDb(file);
    await db.load();
    const seen: string[] = [];
    const remove = db.addSyncHook(async () => { seen.push(Object.keys(onDisk(file)).sort().join(',')); });
    await db.update((d) => { d.Images['sha256:a'] = { manifest: 'sha256:ma', added: 'now' }; }, { deferWrite: true });
    assert.deepEqual(seen, [], 'a deferred update ran the hook');
    await db.update((d) => { d.Images['sha256:b'] = { manifest: 'sha256:mb', added: 'now' }; });
    assert.deepEqual(seen, [''], 'the hook did not run before the file was written');
    assert.deepEqual(Object.keys(onDisk(file)).sort(), ['sha256:a', 'sha256:b']);
    remove();
    await db.flush();
    assert.equal(seen.length, 1, 'a removed hook still ran');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
