// The real docker CLIs (Debian's 20.10 with API 1.41, and the newer one) managing images on a
// wharfd: load of the shared fixtures, images/ls with --format and filters, inspect, history, tag,
// rmi with its conflicts, save/load round trip, pull of local images and registry errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startWharfd, type Wharfd } from '../../helpers/wharfd.js';
import { CLIS, NEW_CLI, OLD_CLI, busyboxRootfsTar, docker, fixture, ok } from './helpers.js';

let d: Wharfd;
let tmp: string;
const rand = () => randomBytes(4).toString('hex');
const cli = CLIS[0]!;

before(async () => {
  assert.ok(CLIS.length > 0, 'no docker CLI installed');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cli-images-'));
  d = await startWharfd();
});

after(async () => {
  await d?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('docker load < fixture: docker-save archives and OCI layouts (gzip, zstd) made by real tools', async () => {
  assert.equal(await ok(d, OLD_CLI, ['load'], { input: fixture('busybox-docker-save.tar') }), 'Loaded image: bb:latest');
  assert.equal(await ok(d, cli, ['load', '-q'], { input: fixture('layers-docker-save.tar') }), 'Loaded image: wharf-fixture/layers:1.0');
  const gz = await ok(d, cli, ['load', '-i', fixture('layers-oci-gzip.tar')]);
  assert.match(gz, /^Loaded image ID: sha256:[0-9a-f]{64}$/);
  const zst = await ok(d, CLIS.at(-1)!, ['load', '-i', fixture('layers-oci-zstd.tar')]);
  assert.match(zst, /^Loaded image ID: sha256:[0-9a-f]{64}$/);
  // The loaded image runs and shows what its layers hold.
  assert.equal(await ok(d, cli, ['run', '--rm', 'wharf-fixture/layers:1.0']), 'hello from the build context');
  // A broken archive is refused and changes nothing.
  const junk = path.join(tmp, 'junk.tar');
  fs.writeFileSync(junk, 'this is not a tar archive'.repeat(100));
  const before = await ok(d, cli, ['images', '-aq', '--no-trunc']);
  const bad = await docker(d, cli, ['load', '-i', junk]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr + bad.stdout, /tar|archive/i);
  assert.equal(await ok(d, cli, ['images', '-aq', '--no-trunc']), before);
});

test('docker images / image ls: --format, -q, --digests, --no-trunc and filters, with both CLIs', async () => {
  const bbId = await ok(d, cli, ['image', 'inspect', '-f', '{{.Id}}', 'bb']);
  const layersId = await ok(d, cli, ['image', 'inspect', '-f', '{{.Id}}', 'wharf-fixture/layers:1.0']);
  for (const c of CLIS) {
    const rows = (await ok(d, c, ['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'])).split('\n');
    assert.ok(rows.includes(`bb:latest ${bbId.slice(7, 19)}`), `${c}: ${rows.join(' | ')}`);
    assert.ok(rows.includes(`wharf-fixture/layers:1.0 ${layersId.slice(7, 19)}`), `${c}: ${rows.join(' | ')}`);
    assert.ok(rows.some((r) => r.startsWith('<none>:<none> ')), `${c}: the untagged OCI image shows as <none>`);

    const dangling = (await ok(d, c, ['image', 'ls', '-q', '--filter', 'dangling=true'])).split('\n');
    assert.ok(dangling.length >= 1 && !dangling.includes(bbId.slice(7, 19)), `${c}: ${dangling}`);
    const tagged = await ok(d, c, ['image', 'ls', '--format', '{{.Repository}}', '--filter', 'dangling=false']);
    assert.deepEqual(tagged.split('\n').sort(), ['bb', 'wharf-fixture/layers']);

    // The OCI copies of the fixture carry the same label (they are untagged).
    const labelled = await ok(d, c, ['images', '--format', '{{.Repository}}', '--filter', 'label=org.example.fixture=layers']);
    assert.deepEqual(labelled.split('\n').sort(), ['<none>', 'wharf-fixture/layers']);
    assert.equal(await ok(d, c, ['images', '-q', '--filter', 'label=org.example.fixture=other']), '');
    assert.equal(await ok(d, c, ['images', '--format', '{{.Repository}}', '--filter', 'reference=wharf-*/*']), 'wharf-fixture/layers');
    assert.equal(await ok(d, c, ['images', '--format', '{{.Repository}}:{{.Tag}}', 'bb']), 'bb:latest');
    assert.equal(await ok(d, c, ['images', '--format', '{{.Repository}}', '--filter', 'before=wharf-fixture/layers:1.0', '--filter', 'dangling=false']), 'bb');
    const since = (await ok(d, c, ['images', '-q', '--no-trunc', '--filter', 'since=bb'])).split('\n');
    assert.ok(since.includes(layersId) && !since.includes(bbId), `${c}: since=bb gave ${since}`);
    assert.equal(await ok(d, c, ['images', '-q', '--no-trunc', 'bb']), bbId);

    const bad = await docker(d, c, ['images', '--filter', 'color=blue']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid filter 'color'/);
  }
  const table = await ok(d, OLD_CLI, ['images', '--digests']);
  assert.match(table.split('\n')[0]!, /^REPOSITORY\s+TAG\s+DIGEST\s+IMAGE ID\s+CREATED\s+SIZE$/);
});

test('docker image inspect -f and docker history', async () => {
  for (const c of CLIS) {
    const id = await ok(d, c, ['image', 'inspect', '-f', '{{.Id}}', 'wharf-fixture/layers:1.0']);
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await ok(d, c, ['image', 'inspect', '-f', '{{.Id}}', id.slice(7, 19)]), id, 'short ID prefix resolves');
    assert.equal(await ok(d, c, ['image', 'inspect', '-f', '{{json .Config.Entrypoint}} {{.Config.WorkingDir}} {{.Os}}', id]), '["/bin/sh","-c"] /srv linux');
    const missing = await docker(d, c, ['image', 'inspect', 'no-such-image-' + rand()]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /No such image/);

    const hist = (await ok(d, c, ['history', '--no-trunc', '--format', '{{.ID}}|{{.CreatedBy}}|{{.Size}}', 'wharf-fixture/layers:1.0'])).split('\n');
    assert.ok(hist.length >= 13, `${c}: ${hist.length} history rows`);
    assert.equal(hist[0]!.split('|')[0], id, 'the newest entry carries the image ID');
    assert.ok(hist.slice(1).every((h) => h.startsWith('<missing>|')), hist.join('\n'));
    assert.match(hist[0]!, /CMD \["cat \/srv\/hello.txt"\]/);
    assert.ok(hist.some((h) => /COPY .*hello.txt/.test(h) && !/\|0B$/.test(h)), 'COPY steps have a size');
  }
});

test('docker tag, docker rmi and its conflicts, as against dockerd', async () => {
  const rootfs = busyboxRootfsTar(tmp);
  const repo = `conflict-${rand()}`;
  const id = await ok(d, cli, ['import', rootfs, `${repo}:1`]);
  await ok(d, cli, ['tag', `${repo}:1`, `${repo}:2`]);
  await ok(d, NEW_CLI, ['image', 'tag', id, `registry.example:5000/team/${repo}`]);
  const refs = (await ok(d, cli, ['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}', '--filter', `reference=*${repo}*`, `--filter`, `reference=*/*/${repo}`])).split('\n').sort();
  assert.deepEqual(refs.map((r) => r.split(' ')[0]), [`${repo}:1`, `${repo}:2`, `registry.example:5000/team/${repo}:latest`].sort());
  assert.ok(refs.every((r) => r.endsWith(id.slice(7, 19))));
  const badTag = await docker(d, cli, ['tag', `${repo}:1`, 'UPPER:case']);
  assert.notEqual(badTag.code, 0);
  assert.match(badTag.stderr, /invalid reference format/);

  // By ID with several repositories: refused unless forced.
  const multi = await docker(d, cli, ['rmi', id.slice(7, 19)]);
  assert.equal(multi.code, 1);
  assert.match(multi.stderr, /conflict: unable to delete [0-9a-f]{12} \(must be forced\) - image is referenced in multiple repositories/);
  assert.equal(await ok(d, cli, ['rmi', `registry.example:5000/team/${repo}`]), `Untagged: registry.example:5000/team/${repo}:latest`);
  assert.equal(await ok(d, cli, ['rmi', `${repo}:2`]), `Untagged: ${repo}:2`);

  // A container uses the image: its last reference cannot go without force; nothing changes.
  const ctr = `ctr-${rand()}`;
  await ok(d, cli, ['create', '--name', ctr, `${repo}:1`, 'true']);
  const used = await docker(d, OLD_CLI, ['rmi', `${repo}:1`]);
  assert.equal(used.code, 1);
  assert.match(used.stderr, new RegExp(`conflict: unable to remove repository reference "${repo}:1" \\(must force\\)`));
  const usedById = await docker(d, NEW_CLI, ['rmi', id]);
  assert.equal(usedById.code, 1);
  assert.match(usedById.stderr, /\(must be forced\) - image is being used by/);
  assert.equal(await ok(d, cli, ['image', 'inspect', '-f', '{{.Id}}', `${repo}:1`]), id);

  // A running container: force only untags, the image itself stays.
  await ok(d, cli, ['rm', ctr]);
  const running = await ok(d, cli, ['run', '-d', `${repo}:1`, 'sleep', '30']);
  try {
    assert.equal(await ok(d, cli, ['rmi', '-f', `${repo}:1`]), `Untagged: ${repo}:1`);
    assert.ok((await ok(d, cli, ['images', '-aq', '--no-trunc'])).split('\n').includes(id));
    const hard = await docker(d, cli, ['rmi', '-f', id]);
    assert.equal(hard.code, 1);
    assert.match(hard.stderr, /\(cannot be forced\) - image is being used by running container/);
  } finally {
    await ok(d, cli, ['rm', '-f', running]);
  }
  const removed = (await ok(d, cli, ['rmi', id])).split('\n');
  assert.equal(removed[0], `Deleted: ${id}`);
  const gone = await docker(d, cli, ['image', 'inspect', id]);
  assert.notEqual(gone.code, 0);
  assert.match(gone.stderr, /No such image/);
  const again = await docker(d, cli, ['rmi', id]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /No such image/);
});

test('docker save -o, rmi, docker load -i: the same image ID comes back and runs', async () => {
  await ok(d, cli, ['tag', 'bb', 'busybox']);
  const id = await ok(d, cli, ['image', 'inspect', '-f', '{{.Id}}', 'busybox']);
  for (const c of CLIS) {
    const file = path.join(tmp, `busybox-${path.basename(c)}-${rand()}.tar`);
    await ok(d, c, ['save', '-o', file, 'busybox']);
    assert.ok(fs.statSync(file).size > 1_000_000);
    const removed = await ok(d, c, ['rmi', 'busybox', 'bb']);
    assert.match(removed, /Untagged: busybox:latest/);
    assert.match(removed, new RegExp(`Deleted: ${id}`));
    assert.ok(!(await ok(d, c, ['images', '-aq', '--no-trunc'])).split('\n').includes(id));
    assert.equal(await ok(d, c, ['load', '-i', file]), 'Loaded image: busybox:latest');
    assert.equal(await ok(d, c, ['image', 'inspect', '-f', '{{.Id}}', 'busybox']), id);
    await ok(d, c, ['tag', 'busybox', 'bb']);
    fs.rmSync(file);
  }
  assert.equal(await ok(d, cli, ['run', '--rm', 'busybox', 'echo', 'reloaded']), 'reloaded');
  // Saving to stdout streams the same archive format.
  const viaStdout = path.join(tmp, 'stdout.tar');
  await ok(d, NEW_CLI, ['save', 'busybox', '-o', viaStdout]);
  const names = (await import('node:child_process')).execFileSync('tar', ['-tf', viaStdout], { encoding: 'utf8' });
  assert.match(names, /^manifest\.json$/m);
  assert.match(names, new RegExp(`^${id.slice(7)}\\.json$`, 'm'));
  const missing = await docker(d, cli, ['save', '-o', path.join(tmp, 'none.tar'), 'no-such-image']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /No such image/);
});

test('docker pull of a local image is up to date; missing images and search give clear errors', async () => {
  for (const c of CLIS) {
    const pulled = await docker(d, c, ['pull', 'busybox']);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stdout, /Status: Image is up to date for busybox:latest/);
    const missing = await docker(d, c, ['pull', `not-here-${rand()}:1.0`]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /registries/);
    const search = await docker(d, c, ['search', 'busybox']);
    assert.notEqual(search.code, 0);
    assert.match(search.stderr, /registry search not supported offline/);
  }
  const run = await docker(d, cli, ['run', '--rm', `not-here-${rand()}`, 'true']);
  assert.equal(run.code, 125);
  assert.match(run.stderr, /Unable to find image[\s\S]*registries/);
});
