// A commit killed with -9 at any stage leaves no image visible, and the next ImageStore.open
// removes what it left behind (temp diff, blobs, half-unpacked or unreferenced layer snapshots).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ImageStore, commitContainer } from '../../../src/image/index.js';
import { storeWithBusybox, newContainer } from './helpers.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'commit-child.js');

async function contents(store: ImageStore) {
  return {
    images: store.ids(),
    blobs: (await store.content.list()).map((b) => b.digest).sort(),
    snapshots: (await store.snapshots.list()).map((s) => s.key).sort(),
    ops: fs.readdirSync(store.opsDir),
  };
}

const tmpLeftovers = (root: string) => fs.readdirSync(path.join(root, 'tmp')).filter((n) => /^(ingest-|snap-|image-)/.test(n));

/** Runs the child until it prints FROZEN, checks the in-flight state, then kills it with SIGKILL. */
async function commitAndKill(args: string[], inFlight: () => void): Promise<void> {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d; });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child never froze: ${out} ${err}`)), 30_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        if (out.includes('FROZEN')) { clearTimeout(timer); resolve(); }
      });
      child.on('exit', () => { clearTimeout(timer); reject(new Error(`child exited early: ${out} ${err}`)); });
    });
    inFlight();
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

test('commit killed with -9 (after capture, while unpacking, before registering) leaves nothing', async () => {
  const s = await storeWithBusybox();
  try {
    const key = await newContainer(s.store, s.busyboxId);
    const upper = s.store.snapshots.upperDir(key);
    fs.writeFileSync(path.join(upper, 'big'), randomBytes(4 << 20));
    fs.rmSync(path.join(upper, 'etc'), { recursive: true, force: true });
    fs.mkdirSync(path.join(upper, 'etc'));
    fs.writeFileSync(path.join(upper, 'etc/motd'), 'hi');
    const before = await contents(s.store);
    const stages: Array<[string, () => void]> = [
      ['captured', () => assert.ok(tmpLeftovers(s.root).some((n) => n.startsWith('image-')), 'the diff was captured to a temp dir')],
      ['unpacking', () => {
        assert.ok(tmpLeftovers(s.root).some((n) => n.startsWith('snap-')), 'a layer is half unpacked');
        assert.equal(fs.readdirSync(path.join(s.root, 'images/ops')).length, 1, 'the commit is marked in flight');
      }],
      ['before-register', () => {
        assert.equal(fs.readdirSync(path.join(s.root, 'snapshots')).filter((n) => /^[0-9a-f]{64}$/.test(n)).length, 2, 'the new layer was unpacked');
        assert.ok(fs.readdirSync(path.join(s.root, 'blobs/sha256')).length > before.blobs.length, 'blobs were stored');
      }],
    ];
    for (const [stage, check] of stages) {
      await commitAndKill([s.root, key, s.busyboxId, stage], check);
      const reopened = await ImageStore.open(s.root);
      assert.deepEqual(await contents(reopened), before, `after a kill at ${stage}`);
      assert.deepEqual(tmpLeftovers(s.root), [], `temp leftovers after a kill at ${stage}`);
      assert.throws(() => reopened.resolve('crashed:1'));
    }
    // The store and the container are intact: the commit now succeeds.
    const store = await ImageStore.open(s.root);
    const { id } = await commitContainer(store, { snapshotKey: key, parentImageId: s.busyboxId, containerConfig: { Cmd: ['sh'] }, reference: 'crashed:1' });
    assert.equal(store.resolve('crashed:1'), id);
  } finally {
    await s.close();
  }
});
