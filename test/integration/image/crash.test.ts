// A load killed with -9 part-way leaves no image, and the next open removes what it left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ImageStore, loadImages } from '../../../src/image/index.js';
import { fixture, tempDir, cleanupDir, storeContents } from './helpers.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load-child.js');

/** Runs the child until it prints `marker`, then kills it with SIGKILL. */
async function runAndKill(args: string[], marker: string, inspect: () => void): Promise<void> {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d; });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child did not print ${marker}: ${out} ${err}`)), 30_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        if (out.includes(marker)) { clearTimeout(timer); resolve(); }
      });
      child.on('exit', () => { clearTimeout(timer); reject(new Error(`child exited early: ${out} ${err}`)); });
    });
    inspect();
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

const files = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

async function expectCleanAfterReopen(root: string) {
  const store = await ImageStore.open(root);
  assert.deepEqual(await storeContents(store), { images: [], blobs: [], snapshots: [], ops: [] });
  assert.deepEqual(files(path.join(root, 'tmp')).filter((n) => /^(ingest-|snap-|image-)/.test(n)), []);
  // And the store works normally afterwards.
  const res = await loadImages(store, fs.createReadStream(fixture('busybox-docker-save.tar')));
  assert.deepEqual(res.messages, ['Loaded image: bb:latest']);
}

test('killed while the archive streams in: partial blobs are removed at the next open', async () => {
  const root = tempDir('wharf-imgcrash-');
  try {
    await runAndKill([root, fixture('layers-docker-save.tar'), 'stall', String(2_500_000)], 'STALLED', () => {
      assert.ok(files(path.join(root, 'blobs/sha256')).length >= 1, 'a complete layer blob was stored');
      assert.ok(files(path.join(root, 'tmp')).some((n) => n.startsWith('ingest-')), 'a blob was half written');
      assert.equal(files(path.join(root, 'images/ops')).length, 1, 'the load is marked in flight');
    });
    await expectCleanAfterReopen(root);
  } finally {
    await cleanupDir(root);
  }
});

test('killed after unpacking, before registering: no image, snapshots and blobs cleaned at next open', async () => {
  const root = tempDir('wharf-imgcrash-');
  try {
    await runAndKill([root, fixture('layers-docker-save.tar'), 'before-register'], 'READY', () => {
      assert.equal(files(path.join(root, 'snapshots')).filter((n) => /^[0-9a-f]{64}$/.test(n)).length, 5, 'all five layers were unpacked');
      const db = path.join(root, 'images/repositories.json');
      const images = fs.existsSync(db) ? Object.keys(JSON.parse(fs.readFileSync(db, 'utf8')).Images) : [];
      assert.deepEqual(images, [], 'nothing registered');
    });
    await expectCleanAfterReopen(root);
  } finally {
    await cleanupDir(root);
  }
});
