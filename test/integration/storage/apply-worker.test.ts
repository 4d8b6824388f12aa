/**
 * gzip layers unpack in a worker thread: the tree, diff ID and errors are those of the plain
 * path; a hostile entry or a failing source keeps nothing, and the caller's directory is no longer
 * written once applyLayer has answered; several layers unpack side by side.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { applyLayer } from '../../../src/storage/index.js';
import { buildTar, stream, tmpDir, type E } from './helpers.js';

const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');

/** path -> mode, owner, mtime (not of dirs), links and content digest (or link target, node) of every entry below dir. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const p = path.join(dir, r);
      const st = fs.lstatSync(p);
      const what = st.isSymbolicLink() ? `-> ${fs.readlinkSync(p)}` : st.isFile() ? sha(fs.readFileSync(p)) : st.isDirectory() ? 'dir' : `node ${st.rdev}`;
      // Parent dirs the archive does not list get the time of their creation.
      out[r] = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${st.isDirectory() ? '' : st.mtimeMs} ${st.nlink} ${what}`;
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}

function layer(n: number): E[] {
  return [
    { name: 'etc', type: 'dir', mode: 0o755, mtime: 1600000000 },
    { name: 'etc/conf', data: `conf ${n}`, mode: 0o640, uid: 7, gid: 8 },
    { name: 'usr/bin/tool', data: Buffer.alloc(3 << 20, n), mode: 0o755 },
    { name: 'usr/bin/alias', type: 'link', linkname: 'usr/bin/tool' },
    { name: 'usr/bin/sym', type: 'symlink', linkname: 'tool' },
    { name: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 },
    ...Array.from({ length: 200 }, (_, i): E => ({ name: `usr/share/doc/f${i}`, data: `doc ${i} `.repeat(i) })),
  ];
}

test('the same tree and diff ID as the plain path, for several layers side by side', async () => {
  const base = tmpDir('worker');
  try {
    const tars = [1, 2, 3].map((n) => buildTar(layer(n)));
    const plain = await Promise.all(tars.map((t, i) => applyLayer(stream(t), path.join(base, `plain${i}`), { whiteouts: 'overlay' })));
    const gz = await Promise.all(tars.map((t, i) => applyLayer(Readable.from([gzipSync(t)]), path.join(base, `gz${i}`), {
      whiteouts: 'overlay', expectDiffId: sha(t),
    })));
    tars.forEach((t, i) => {
      assert.equal(gz[i]!.diffId, sha(t));
      assert.deepEqual(gz[i], plain[i]);
      assert.deepEqual(snapshot(path.join(base, `gz${i}`)), snapshot(path.join(base, `plain${i}`)), `layer ${i}`);
    });
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('a hostile entry, a diff ID mismatch or a corrupt gzip keeps nothing, with the plain path\'s errors', async () => {
  const base = tmpDir('worker');
  try {
    const cases: Array<[Buffer, RegExp, string?]> = [
      [buildTar([{ name: 'ok', data: 'x' }, { name: '../../escape', data: 'x' }]), /path escapes the layer root/],
      [buildTar([{ name: 'ok', data: 'x' }]), /diff ID mismatch/, sha(Buffer.from('something else'))],
    ];
    for (const [i, [tar, msg, expect]] of cases.entries()) {
      const target = path.join(base, `t${i}`);
      await assert.rejects(applyLayer(Readable.from([gzipSync(tar)]), target, {
        whiteouts: 'overlay', ...(expect ? { expectDiffId: expect } : {}),
      }), msg);
      assert.deepEqual(fs.readdirSync(base), [], 'nothing kept');
    }
    const gz = gzipSync(buildTar(layer(4)));
    gz[Math.floor(gz.length / 2)] ^= 0x55;
    await assert.rejects(applyLayer(Readable.from([gz]), path.join(base, 'corrupt'), { whiteouts: 'overlay' }), /corrupt or truncated gzip data|checksum|diff ID/);
    assert.deepEqual(fs.readdirSync(base), []);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('a source failing midway: its error, nothing kept, and no writes after the answer', async () => {
  const base = tmpDir('worker');
  try {
    const gz = gzipSync(buildTar(layer(5)));
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent >= gz.length / 2) { this.destroy(new Error('connection reset by the test')); return; }
        const c = gz.subarray(sent, sent + 65_536);
        sent += c.length;
        this.push(Buffer.from(c));
      },
    });
    const dir = path.join(base, 'inplace');
    fs.mkdirSync(dir);
    await assert.rejects(applyLayer(failing, dir, { whiteouts: 'overlay', inPlace: true }), /connection reset by the test/);
    const after = JSON.stringify(snapshot(dir));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(JSON.stringify(snapshot(dir)), after, 'the worker stopped before applyLayer answered');
    assert.ok(failing.destroyed);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});
