// A faulty network between wharfd and a registry: a test proxy corrupts a byte of a layer, drops
// the connection mid-layer, or answers 401/429/500. The pull recovers (resume, retry) or fails
// with a clear error, and a failed pull keeps nothing: no image, no blob, no snapshot, no temp file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { startTestDaemon, type TestDaemon } from '../docker-cli/helpers.js';
import { serveRegistry, type RunningRegistry } from '../../../src/registry/server/main.js';
import { FIXTURES, api, skopeo } from './helpers.js';

type Fault = { kind: 'none' } | { kind: 'corrupt' } | { kind: 'drop' } | { kind: 'status'; status: number; times: number; on: RegExp };

let t: TestDaemon;
let reg: RunningRegistry;
let proxy: http.Server;
let proxyHost: string;
let tmp: string;
let fault: Fault = { kind: 'none' };
const seen: Array<{ method: string; url: string; range?: string }> = [];
const BIG_LAYER = /\/blobs\/sha256:/;

/** Forwards to the registry, applying `fault` to blob downloads. */
function startProxy(target: string): Promise<void> {
  proxy = http.createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, ...(req.headers.range ? { range: req.headers.range } : {}) });
    const f = fault;
    if (f.kind === 'status' && f.times > 0 && f.on.test(req.url!)) {
      f.times--;
      req.resume();
      res.writeHead(f.status, { 'content-type': 'application/json', ...(f.status === 401 ? { 'www-authenticate': 'Basic realm="proxy"' } : {}), ...(f.status === 429 ? { 'retry-after': '0' } : {}) });
      res.end(JSON.stringify({ errors: [{ code: f.status === 401 ? 'UNAUTHORIZED' : f.status === 429 ? 'TOOMANYREQUESTS' : 'UNKNOWN', message: `injected ${f.status}` }] }));
      return;
    }
    const up = http.request(`http://${target}${req.url}`, { method: req.method, headers: req.headers }, (ur) => {
      const layer = req.method === 'GET' && BIG_LAYER.test(req.url!) && Number(ur.headers['content-length']) > 100_000;
      res.writeHead(ur.statusCode!, ur.headers);
      if (!layer || f.kind === 'none' || f.kind === 'status') return void ur.pipe(res);
      let sent = 0;
      const half = Math.floor(Number(ur.headers['content-length']) / 2);
      ur.on('data', (c: Buffer) => {
        if (f.kind === 'corrupt' && sent <= half && sent + c.length > half) {
          c = Buffer.from(c);
          c[half - sent] ^= 0xff;
        }
        if (f.kind === 'drop' && !req.headers.range && sent + c.length > half) {
          res.write(c.subarray(0, half - sent));
          ur.destroy();
          res.socket?.destroy();
          return;
        }
        sent += c.length;
        res.write(c);
      });
      ur.on('end', () => res.end());
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return new Promise((r) => proxy.listen(0, '127.0.0.1', () => { proxyHost = `127.0.0.1:${(proxy.address() as AddressInfo).port}`; r(); }));
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-reg-faults-'));
  [t, reg] = await Promise.all([startTestDaemon(), serveRegistry({ addr: '127.0.0.1:0', root: path.join(tmp, 'registry') })]);
  await startProxy(reg.address);
  await skopeo(['copy', '--dest-tls-verify=false', `oci-archive:${path.join(FIXTURES, 'layers-oci-gzip.tar')}:layers-1.0`, `docker://${reg.address}/f/layers:1`]);
});

after(async () => {
  proxy?.closeAllConnections();
  await new Promise((r) => proxy ? proxy.close(r) : r(undefined));
  await Promise.allSettled([t?.cleanup(), reg?.close()]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** What a pull may leave behind: blobs, layer snapshots, temp files, images. */
async function footprint(): Promise<{ blobs: string[]; snaps: string[]; tmp: string[]; images: string }> {
  const root = path.join(t.dir, 'root');
  const ls = (d: string) => (fs.existsSync(d) ? fs.readdirSync(d).sort() : []);
  return {
    blobs: ls(path.join(root, 'blobs', 'sha256')),
    snaps: ls(path.join(root, 'snapshots')).filter((n) => !n.startsWith('.')),
    tmp: ls(path.join(root, 'tmp')).filter((n) => !n.startsWith('.')),
    images: await t.ok(['images', '-a', '--no-trunc', '-q']),
  };
}

async function failingPull(f: Fault, expect: RegExp): Promise<void> {
  const before = await footprint();
  fault = f;
  try {
    const r = await t.docker(['pull', `${proxyHost}/f/layers:1`], { timeoutMs: 30_000 });
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, expect);
  } finally {
    fault = { kind: 'none' };
  }
  assert.deepEqual(await footprint(), before);
}

test('a corrupted byte in a layer fails the pull with a digest error and keeps nothing', async () => {
  await failingPull({ kind: 'corrupt' }, /digest mismatch|diff ID mismatch|corrupt/);
});

test('a registry answering 500 on every blob fails the pull clearly after retries and keeps nothing', async () => {
  await failingPull({ kind: 'status', status: 500, times: 1000, on: BIG_LAYER }, /injected 500/);
});

test('401 from the registry is a 401 of the Engine API naming the registry', async () => {
  const before = await footprint();
  fault = { kind: 'status', status: 401, times: 1000, on: /\/manifests\// };
  try {
    const r = await api(t.d.socket, 'POST', `/images/create?fromImage=${proxyHost}/f/layers&tag=1`);
    assert.equal(r.status, 401, r.text);
    assert.match(JSON.parse(r.text).message, new RegExp(`${proxyHost}: unauthorized`));
    // The docker CLI turns a 401 into a login prompt, which it cannot show without a terminal.
    const cli = await t.docker(['pull', `${proxyHost}/f/layers:1`]);
    assert.notEqual(cli.code, 0);
  } finally {
    fault = { kind: 'none' };
  }
  assert.deepEqual(await footprint(), before);
});

test('dropped connections mid-layer are resumed with Range; 429 and 500 are retried; the image runs', async () => {
  seen.length = 0;
  fault = { kind: 'drop' };
  const r1 = await t.docker(['pull', `${proxyHost}/f/layers:1`], { timeoutMs: 30_000 });
  fault = { kind: 'none' };
  assert.equal(r1.code, 0, r1.stderr);
  assert.ok(seen.some((s) => s.range && /^bytes=\d+-$/.test(s.range)), 'no Range request after the drop');
  assert.equal(await t.ok(['run', '--rm', '--user', '0', `${proxyHost}/f/layers:1`, 'cat /srv/tree/sub/b']), 'b');
  await t.ok(['rmi', `${proxyHost}/f/layers:1`]);

  fault = { kind: 'status', status: 429, times: 1, on: /\/manifests\// };
  const r2 = await t.docker(['pull', `${proxyHost}/f/layers:1`], { timeoutMs: 30_000 });
  assert.equal(r2.code, 0, r2.stderr);
  await t.ok(['rmi', `${proxyHost}/f/layers:1`]);
  fault = { kind: 'status', status: 500, times: 2, on: BIG_LAYER };
  const r3 = await t.docker(['pull', `${proxyHost}/f/layers:1`], { timeoutMs: 30_000 });
  fault = { kind: 'none' };
  assert.equal(r3.code, 0, r3.stderr);
  assert.match(r3.stdout, /Downloaded newer image/);
  await t.ok(['rmi', `${proxyHost}/f/layers:1`]);
});
