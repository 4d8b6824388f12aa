import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NetworkStore } from '../../../src/network/store.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

function tempDir(): string { return fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-netstore-')); }

test('each container has its own endpoint file; a save rewrites only what changed and removes what is gone', async () => {
  const dir = tempDir();
  try {
    const store = new NetworkStore(dir);
    store.load();
    store.entries[A] = { desired: { n1: {} } };
    store.entries[B] = { desired: { n2: {} } };
    await store.save();
    const fileA = path.join(dir, 'endpoints', `${A}.json`);
    const fileB = path.join(dir, 'endpoints', `${B}.json`);
    const inodeA = fs.statSync(fileA).ino;
    const inodeB = fs.statSync(fileB).ino;

    store.entries[B] = { desired: { n3: {} } };
    await store.save();
    assert.equal(fs.statSync(fileA).ino, inodeA, 'the unchanged entry was rewritten');
    assert.notEqual(fs.statSync(fileB).ino, inodeB, 'the changed entry was not written (atomic writes replace the inode)');

    delete store.entries[A];
    await store.save();
    assert.equal(fs.existsSync(fileA), false);

    const again = new NetworkStore(dir);
    again.load();
    assert.deepEqual(again.entries, { [B]: { desired: { n3: {} } } });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the one-file endpoints.json of earlier versions is read and split into per-container files', async () => {
  const dir = tempDir();
  try {
    fs.writeFileSync(path.join(dir, 'networks.json'), JSON.stringify([]));
    fs.writeFileSync(path.join(dir, 'endpoints.json'), JSON.stringify({ [A]: { desired: { n1: {} } } }));
    const store = new NetworkStore(dir);
    store.load();
    assert.deepEqual(store.entries, { [A]: { desired: { n1: {} } } });
    await store.save();
    assert.equal(fs.existsSync(path.join(dir, 'endpoints.json')), false);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'endpoints', `${A}.json`), 'utf8')), { desired: { n1: {} } });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a temp file left by a crash mid-write is ignored and removed on load', () => {
  const dir = tempDir();
  try {
    fs.mkdirSync(path.join(dir, 'endpoints'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'endpoints', `${A}.json.tmp`), '{"desired":');
    const store = new NetworkStore(dir);
    store.load();
    assert.deepEqual(store.entries, {});
    assert.deepEqual(fs.readdirSync(path.join(dir, 'endpoints')), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
