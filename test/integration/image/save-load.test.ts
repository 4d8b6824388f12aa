// save -> load round trips by digest in both formats; other tools (skopeo) read what we write.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { loadImages, saveImages, type ImageStore } from '../../../src/image/index.js';
import { openTempStore, fixture, tempDir, cleanupDir, readTar, mountImage } from './helpers.js';

let src: ImageStore;
let closeSrc: () => Promise<void>;
let out: string;

before(async () => {
  ({ store: src, close: closeSrc } = await openTempStore());
  out = tempDir('wharf-imgsave-');
  await loadImages(src, fs.createReadStream(fixture('busybox-docker-save.tar')));
  await loadImages(src, fs.createReadStream(fixture('layers-docker-save.tar')));
  await loadImages(src, fs.createReadStream(fixture('layers-oci-zstd.tar')), { repository: 'zstd/layers' });
  await src.tag('bb', 'bb:second');
});
after(async () => { await closeSrc(); await cleanupDir(out); });

async function saveTo(name: string, refs: string[], format: 'docker' | 'oci'): Promise<string> {
  const file = path.join(out, name);
  await saveImages(src, refs, fs.createWriteStream(file), { format });
  return file;
}

async function roundTrip(file: string, check: (dst: ImageStore) => Promise<void>) {
  const { store: dst, close } = await openTempStore();
  try {
    await loadImages(dst, fs.createReadStream(file));
    await check(dst);
  } finally {
    await close();
  }
}

test('docker format: several images, tags kept, same IDs and diff IDs after load', async () => {
  const file = await saveTo('multi.tar', ['bb', 'wharf-fixture/layers:1.0'], 'docker');
  const entries = await readTar(file);
  const names = entries.map((e) => e.header.name);
  const manifest = JSON.parse(entries.find((e) => e.header.name === 'manifest.json')!.data.toString()) as Array<{ Config: string; RepoTags: string[]; Layers: string[] }>;
  assert.equal(manifest.length, 2);
  assert.deepEqual(manifest[0]!.RepoTags.sort(), ['bb:latest', 'bb:second'], '`bb` saves every tag of the repository');
  assert.deepEqual(manifest[1]!.RepoTags, ['wharf-fixture/layers:1.0']);
  const repos = JSON.parse(entries.find((e) => e.header.name === 'repositories')!.data.toString());
  assert.deepEqual(Object.keys(repos).sort(), ['bb', 'wharf-fixture/layers']);
  for (const l of manifest[1]!.Layers) {
    const dir = path.dirname(l);
    assert.ok(names.includes(`${dir}/json`) && names.includes(`${dir}/VERSION`), 'legacy layer dirs');
  }
  // Layers are stored uncompressed: each layer.tar hashes to its diff ID.
  const layersImg = await src.get('wharf-fixture/layers:1.0');
  manifest[1]!.Layers.forEach((l, i) => {
    const data = entries.find((e) => e.header.name === l)!.data;
    assert.equal('sha256:' + (execFileSync('sha256sum', { input: data, encoding: 'utf8' }).split(' ')[0]), layersImg.config.rootfs.diff_ids[i]);
  });

  await roundTrip(file, async (dst) => {
    for (const ref of ['bb:latest', 'bb:second', 'wharf-fixture/layers:1.0']) {
      const a = await src.get(ref);
      const b = await dst.get(ref);
      assert.equal(b.id, a.id, ref);
      assert.deepEqual(b.config.rootfs.diff_ids, a.config.rootfs.diff_ids, ref);
    }
  });
});

test('zstd image saved in docker format is decompressed, verified, and loads back to the same image', async () => {
  const file = await saveTo('zstd-as-docker.tar', ['zstd/layers:layers-1.0'], 'docker');
  const orig = await src.get('zstd/layers:layers-1.0');
  await roundTrip(file, async (dst) => {
    const img = await dst.get('zstd/layers:layers-1.0');
    assert.equal(img.id, orig.id);
    const m = await mountImage(dst, img.id);
    try {
      assert.equal(fs.readFileSync(path.join(m.dir, 'srv/hello.txt'), 'utf8'), 'hello from the build context\n');
    } finally {
      await m.release();
    }
  });
});

test('OCI layout: blobs kept as stored, manifest digest and image ID round-trip', async () => {
  const file = await saveTo('oci.tar', ['zstd/layers:layers-1.0', 'bb:latest'], 'oci');
  const entries = await readTar(file);
  const index = JSON.parse(entries.find((e) => e.header.name === 'index.json')!.data.toString());
  const orig = await src.get('zstd/layers:layers-1.0');
  const desc = index.manifests.find((m: { annotations?: Record<string, string> }) => m.annotations?.['io.containerd.image.name'] === 'docker.io/zstd/layers:layers-1.0');
  assert.equal(desc.digest, orig.manifestDigest);
  assert.equal(desc.annotations['org.opencontainers.image.ref.name'], 'layers-1.0');
  assert.ok(orig.manifest.layers.every((l) => l.mediaType.endsWith('+zstd')));
  await roundTrip(file, async (dst) => {
    const img = await dst.get('zstd/layers:layers-1.0');
    assert.equal(img.id, orig.id);
    assert.equal(img.manifestDigest, orig.manifestDigest);
    assert.equal((await dst.get('bb:latest')).id, (await src.get('bb:latest')).id);
  });
});

test('skopeo reads wharf save output (docker-archive and oci-archive)', async () => {
  const dockerFile = await saveTo('skopeo-docker.tar', ['wharf-fixture/layers:1.0'], 'docker');
  const img = await src.get('wharf-fixture/layers:1.0');
  const info = JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${dockerFile}`], { encoding: 'utf8' }));
  assert.deepEqual(info.Layers, img.config.rootfs.diff_ids);
  assert.deepEqual(info.Env, img.config.config!.Env);
  assert.equal(info.Architecture, 'amd64');

  const ociFile = await saveTo('skopeo-oci.tar', ['zstd/layers:layers-1.0'], 'oci');
  const zimg = await src.get('zstd/layers:layers-1.0');
  const oinfo = JSON.parse(execFileSync('skopeo', ['inspect', `oci-archive:${ociFile}`], { encoding: 'utf8' }));
  assert.equal(oinfo.Digest, zimg.manifestDigest);
  assert.deepEqual(oinfo.Layers, zimg.manifest.layers.map((l) => l.digest));
  // skopeo can also copy it back out into a docker-archive that we load again.
  const copied = path.join(out, 'skopeo-copy.tar');
  execFileSync('skopeo', ['copy', '-q', `docker-archive:${dockerFile}`, `docker-archive:${copied}:copied/layers:1`], { stdio: 'pipe' });
  await roundTrip(copied, async (dst) => {
    assert.deepEqual((await dst.get('copied/layers:1')).config.rootfs.diff_ids, img.config.rootfs.diff_ids);
  });
});

test('save by image ID writes no tags; unknown names fail with No such image', async () => {
  const id = (await src.get('bb')).id;
  const file = await saveTo('by-id.tar', [id.slice(7, 19)], 'docker');
  const manifest = JSON.parse((await readTar(file)).find((e) => e.header.name === 'manifest.json')!.data.toString());
  assert.equal(manifest[0].RepoTags, null);
  const sink = new PassThrough();
  await assert.rejects(saveImages(src, ['nope:1'], sink), /No such image: nope:1/);
  assert.equal(sink.read(), null, 'nothing written');
});
