// A build writes its steps without fsyncs and makes them durable once, before it answers
// (src/build/durability.ts). Proven by effect: a daemon killed (SIGKILL) right after builds, a
// successful and a failed one, restarts with every image, tag and step of them, and rebuilding
// takes every step that had succeeded from the cache.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { buildBusyboxImage, ImageStore } from '../../../src/image/index.js';
import { makeTempDir, startWharfd, type Wharfd } from '../../helpers/wharfd.js';
import { apiBuild, buildLeftovers, buildOk, makeContext } from './helpers.js';

let dir: string;
let d: Wharfd | undefined;
const ctxs: string[] = [];
const ctx = (files: Record<string, string>): string => { const c = makeContext(files); ctxs.push(c); return c; };

function getJson(socket: string, p: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    http.get({ socketPath: socket, path: p }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    }).on('error', reject);
  });
}

before(async () => {
  dir = makeTempDir();
  const store = await ImageStore.open(path.join(dir, 'root'));
  await buildBusyboxImage(store);
  d = await startWharfd({ dir });
});

after(async () => {
  try {
    await d?.stop();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const c of ctxs) fs.rmSync(c, { recursive: true, force: true });
  }
});

test('images, tags and steps of finished builds survive a daemon killed right after them', async () => {
  const good = ctx({ Dockerfile: 'FROM busybox\nCOPY a.txt /a.txt\nRUN echo ran > /ran.txt\nENV MODE=kept\n', 'a.txt': 'a\n' });
  const tagged = await buildOk(d!.socket, good, { t: 'durable:tagged' });
  const untagged = await buildOk(d!.socket, ctx({ Dockerfile: 'FROM busybox\nRUN echo other > /other.txt\n' }));
  const bad = ctx({ Dockerfile: 'FROM busybox\nCOPY b.txt /b.txt\nRUN echo one > /one.txt\nRUN exit 3\n', 'b.txt': 'b\n' });
  const failed = await apiBuild(d!.socket, bad, { t: 'durable:bad' });
  assert.equal(failed.code, 3);
  // Nothing of the builds is in flight any more: no step, no operation marker.
  assert.deepEqual(buildLeftovers(path.join(dir, 'root')), []);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'root', 'images', 'ops')), []);

  await d!.stop('SIGKILL');
  d = await startWharfd({ dir });
  const img = await getJson(d.socket, '/v1.41/images/durable:tagged/json');
  assert.equal(img.status, 200);
  assert.equal((img.body as { Id: string }).Id, tagged.id);
  assert.deepEqual((img.body as { Config: { Env: string[] } }).Config.Env.filter((e) => e.startsWith('MODE=')), ['MODE=kept']);
  assert.equal((await getJson(d.socket, `/v1.41/images/${untagged.id}/json`)).status, 200);
  const history = (await getJson(d.socket, '/v1.41/images/durable:tagged/history')).body as Array<{ CreatedBy: string }>;
  assert.ok(history.some((h) => /echo ran/.test(h.CreatedBy)), JSON.stringify(history));

  // Every step that had succeeded (intermediate images and their layers) is still there.
  const again = await buildOk(d.socket, good, { t: 'durable:tagged' });
  assert.equal(again.id, tagged.id);
  assert.equal(again.output.match(/Using cache/g)?.length, 3, again.output);
  const fixed = ctx({ Dockerfile: 'FROM busybox\nCOPY b.txt /b.txt\nRUN echo one > /one.txt\nRUN echo fixed\n', 'b.txt': 'b\n' });
  const rebuilt = await buildOk(d.socket, fixed, { t: 'durable:fixed' });
  assert.equal(rebuilt.output.match(/Using cache/g)?.length, 2, rebuilt.output);
  assert.match(rebuilt.output, /^fixed$/m);
});
