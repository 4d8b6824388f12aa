// Interop on loopback, both directions: wharfd (driven by the docker CLI) pushes to and pulls from
// Debian's docker-registry (distribution 2.8); skopeo and the docker CLI use wharf's registry
// server. Images travel identical by digest.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { startTestDaemon, type TestDaemon } from '../docker-cli/helpers.js';
import { serveRegistry, type RunningRegistry } from '../../../src/registry/server/main.js';
import { FIXTURES, rand, skopeo, skopeoDigest, startDistribution, type Distribution } from './helpers.js';

let t: TestDaemon;
let dist: Distribution;
let wreg: RunningRegistry;
let tmp: string;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-reg-interop-'));
  [t, dist, wreg] = await Promise.all([
    startTestDaemon(),
    startDistribution(),
    serveRegistry({ addr: '127.0.0.1:0', root: path.join(tmp, 'registry') }),
  ]);
});

after(async () => {
  await Promise.allSettled([t?.cleanup(), dist?.stop(), wreg?.close()]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);

test('docker push/pull through wharfd against distribution 2.8: same digest as skopeo sees, re-push is free', async () => {
  const ref = `${dist.host}/test/busybox:1`;
  await t.ok(['tag', 'busybox', ref]);
  const pushed = await t.ok(['push', ref], { timeoutMs: 30_000 });
  assert.match(pushed, new RegExp(`The push refers to repository \\[${dist.host}/test/busybox\\]`));
  assert.match(pushed, /Pushed/);
  const m = /1: digest: (sha256:[0-9a-f]{64}) size: (\d+)/.exec(pushed);
  assert.ok(m, pushed);
  assert.equal(await skopeoDigest(`docker://${ref}`), m[1]);
  // skopeo reads every blob and checks it against the manifest: the pushed image is complete.
  await skopeo(['copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${path.join(tmp, 'from-dist')}:x`]);

  const again = await t.ok(['push', ref], { timeoutMs: 30_000 });
  assert.match(again, /Layer already exists/);
  assert.doesNotMatch(again, /Pushed/);
  assert.match(again, new RegExp(`1: digest: ${m[1]}`));

  // Pull back into an empty image store: layers are downloaded, verified and unpacked.
  await t.ok(['rmi', ref, 'busybox']);
  assert.equal(await t.ok(['images', '-q']), '');
  const pulled = await t.ok(['pull', ref], { timeoutMs: 30_000 });
  assert.match(pulled, /Pull complete/);
  assert.match(pulled, new RegExp(`Digest: ${m[1]}`));
  assert.match(pulled, new RegExp(`Status: Downloaded newer image for ${ref}`));
  assert.equal(await t.ok(['run', '--rm', ref, 'echo', 'pulled-ok']), 'pulled-ok');
  const digests = await t.ok(['image', 'inspect', '-f', '{{json .RepoDigests}}', ref]);
  assert.deepEqual(JSON.parse(digests), [`${dist.host}/test/busybox@${m[1]}`]);
  const up = await t.ok(['pull', ref]);
  assert.match(up, new RegExp(`Status: Image is up to date for ${ref}`));
  // Pull by digest resolves to the same image.
  const byDigest = await t.ok(['pull', `${dist.host}/test/busybox@${m[1]}`]);
  assert.match(byDigest, new RegExp(`Digest: ${m[1]}`));
  await t.ok(['tag', ref, 'busybox']); // give the rest of the file its busybox back
});

test('skopeo pushes to wharf\'s registry, wharfd pulls it (gzip and zstd layers), runs it, and pushes it on to distribution unchanged', async () => {
  for (const [file, repo] of [['layers-oci-gzip.tar', 'gz'], ['layers-oci-zstd.tar', 'zst']] as const) {
    const ref = `${wreg.address}/fixture/${repo}:1.0`;
    await skopeo(['copy', '--dest-tls-verify=false', `oci-archive:${path.join(FIXTURES, file)}:layers-1.0`, `docker://${ref}`]);
    const digest = await skopeoDigest(`docker://${ref}`);
    const out = await t.ok(['pull', ref], { timeoutMs: 30_000 });
    assert.match(out, new RegExp(`Digest: ${digest}`));
    assert.equal((out.match(/Pull complete/g) ?? []).length + (out.match(/Already exists/g) ?? []).length, 5, out);
    // --user 0: the image's USER root is looked up by the engine, which is not what this test is about.
    assert.equal(await t.ok(['run', '--rm', '--user', '0', ref]), 'hello from the build context');
    const inspect = JSON.parse(await t.ok(['image', 'inspect', ref]))[0];
    const raw = await skopeo(['inspect', '--tls-verify=false', '--config', '--raw', `docker://${ref}`]);
    assert.equal(inspect.Id, 'sha256:' + createHash('sha256').update(raw).digest('hex'));
    assert.ok(inspect.RepoDigests.includes(`${wreg.address}/fixture/${repo}@${digest}`));
    // Pushed on to distribution, the pulled image keeps its manifest: the same digest there.
    const onward = `${dist.host}/fixture/${repo}:1.0`;
    await t.ok(['tag', ref, onward]);
    const pushed = await t.ok(['push', onward], { timeoutMs: 30_000 });
    assert.match(pushed, new RegExp(`1\\.0: digest: ${digest}`));
    assert.equal(await skopeoDigest(`docker://${onward}`), digest);
  }
});

test('docker push through wharfd to wharf\'s registry; skopeo pulls the same digest; a second repo mounts the blobs', async () => {
  const ref = `${wreg.address}/mine/busybox:v${rand()}`;
  await t.ok(['tag', 'busybox', ref]);
  const out = await t.ok(['push', ref], { timeoutMs: 30_000 });
  const m = /: digest: (sha256:[0-9a-f]{64}) size: (\d+)/.exec(out);
  assert.ok(m, out);
  assert.equal(await skopeoDigest(`docker://${ref}`), m[1]);
  const dir = path.join(tmp, 'from-wharf');
  await skopeo(['copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${dir}:x`]);
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
  assert.equal(index.manifests[0].digest, m[1]);

  const other = `${wreg.address}/other/copy:1`;
  await t.ok(['tag', 'busybox', other]);
  const mounted = await t.ok(['push', other]);
  assert.match(mounted, /Mounted from mine\/busybox/);
  assert.match(mounted, new RegExp(`1: digest: ${m[1]}`));
  const tags = await (await fetch(`${wreg.url}/v2/other/copy/tags/list`)).json();
  assert.deepEqual(tags, { name: 'other/copy', tags: ['1'] });
  for (const l of lines(mounted)) assert.doesNotMatch(l, /Pushing/);
});
