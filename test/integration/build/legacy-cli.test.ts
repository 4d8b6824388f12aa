// `DOCKER_BUILDKIT=0 docker build` (docker CLI 20.10) against wharfd: the fixture image's
// Dockerfile (shared/fixtures/images/README.md) builds into an image whose root filesystem holds
// exactly what the README lists, with Docker's history; a rebuild is all cache; changing one
// copied file rebuilds from that step on; a failing RUN reports its exit code and leaves nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestDaemon, type TestDaemon } from '../docker-cli/helpers.js';
import { buildLeftovers, exportImage, makeContext, readImageFiles, writeFiles } from './helpers.js';

const FIXTURE_DOCKERFILE = `FROM busybox
LABEL org.example.fixture="layers"
ENV GREETING=hello PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
RUN mkdir -p /data/keep /data/gone /opq && echo keep > /data/keep/f && echo gone > /data/gone/f \\
    && echo old > /opq/old && echo x > /data/file-to-delete && ln -s /data/keep/f /data/link \\
    && ln /data/keep/f /data/hardlink && mkdir -p /usr/local/bin && cp /bin/busybox /usr/local/bin/suidbox \\
    && chmod 4755 /usr/local/bin/suidbox && mkfifo /data/fifo
RUN rm -rf /data/gone /data/file-to-delete && rm -rf /opq && mkdir /opq && echo new > /opq/new
COPY hello.txt /srv/hello.txt
COPY tree /srv/tree
WORKDIR /srv
USER root
EXPOSE 8080/tcp
VOLUME ["/data/vol"]
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /srv/hello.txt"]
`;

let t: TestDaemon;
let ctx: string;
const build = (args: string[]) => t.docker(['build', ...args], { timeoutMs: 60_000 });

before(async () => {
  t = await startTestDaemon();
  t.d.env.DOCKER_BUILDKIT = '0'; // the classic builder (POST /build), as wharfd serves it
  ctx = makeContext({ 'Dockerfile': FIXTURE_DOCKERFILE, 'hello.txt': 'hello from the build context\n', 'tree/a': 'a\n', 'tree/sub/b': 'b\n' });
});

after(async () => {
  try {
    await t.cleanup();
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
  }
});

test('the fixture Dockerfile builds with the legacy docker CLI into the image the README describes', async () => {
  const r = await build(['-t', 'wharf-fixture/layers:1.0', ctx]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^Step 1\/13 : FROM busybox$/m);
  assert.match(r.stdout, /^Step 4\/13 : RUN mkdir -p/m);
  assert.match(r.stdout, /^ ---> Running in [0-9a-f]{12}$/m);
  assert.match(r.stdout, /^Removing intermediate container [0-9a-f]{12}$/m);
  assert.match(r.stdout, /^Successfully built [0-9a-f]{12}$/m);
  assert.match(r.stdout, /^Successfully tagged wharf-fixture\/layers:1\.0$/m);

  const img = await exportImage(t, 'wharf-fixture/layers:1.0');
  try {
    const root = img.root;
    const p = (x: string) => path.join(root, x);
    assert.equal(fs.readFileSync(p('data/keep/f'), 'utf8'), 'keep\n');
    assert.equal(fs.readlinkSync(p('data/link')), '/data/keep/f');
    assert.equal(fs.statSync(p('data/hardlink')).ino, fs.statSync(p('data/keep/f')).ino);
    assert.ok(fs.lstatSync(p('data/fifo')).isFIFO());
    assert.equal(fs.statSync(p('usr/local/bin/suidbox')).mode & 0o7777, 0o4755);
    assert.ok(!fs.existsSync(p('data/gone')));
    assert.ok(!fs.existsSync(p('data/file-to-delete')));
    assert.deepEqual(fs.readdirSync(p('opq')), ['new']);
    assert.equal(fs.readFileSync(p('srv/hello.txt'), 'utf8'), 'hello from the build context\n');
    assert.equal(fs.readFileSync(p('srv/tree/a'), 'utf8'), 'a\n');
    assert.equal(fs.readFileSync(p('srv/tree/sub/b'), 'utf8'), 'b\n');
  } finally {
    img.dispose();
  }

  // History as Docker's legacy builder writes it (the COPY checksums are Docker's own values).
  const history = (await t.ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'wharf-fixture/layers:1.0'])).split('\n');
  assert.equal(history[0], '/bin/sh -c #(nop)  CMD ["cat /srv/hello.txt"]');
  assert.ok(history.includes('/bin/sh -c #(nop)  ENTRYPOINT ["/bin/sh" "-c"]'));
  assert.ok(history.includes('/bin/sh -c #(nop)  VOLUME [/data/vol]'));
  assert.ok(history.includes('/bin/sh -c #(nop) WORKDIR /srv'));
  assert.ok(history.includes('/bin/sh -c #(nop) COPY file:be1b4059d20db816b307adfce5eb3cf420d1c92d83693ae3ab499980825f7db6 in /srv/hello.txt '));
  assert.ok(history.includes('/bin/sh -c #(nop) COPY dir:c5502af7c536997d5b35d1d1bdd0279b46c6ef56f7ff5c2c3d05dc5f3b7fb3d1 in /srv/tree '));
  assert.ok(history.includes('/bin/sh -c #(nop)  LABEL org.example.fixture=layers'));
  const inspect = JSON.parse(await t.ok(['image', 'inspect', 'wharf-fixture/layers:1.0']))[0];
  assert.deepEqual(inspect.Config.Env, ['PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', 'GREETING=hello']);
  assert.deepEqual(inspect.Config.Entrypoint, ['/bin/sh', '-c']);
  assert.deepEqual(inspect.Config.Cmd, ['cat /srv/hello.txt']);
  assert.equal(inspect.Config.WorkingDir, '/srv');
  assert.deepEqual(inspect.Config.ExposedPorts, { '8080/tcp': {} });
  assert.deepEqual(inspect.Config.Volumes, { '/data/vol': {} });
  assert.equal(inspect.RootFS.Layers.length, 5);

  const run = await t.docker(['run', '--rm', 'wharf-fixture/layers:1.0']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'hello from the build context\n');
});

test('a second build with no change takes every step from the cache', async () => {
  const first = await t.ok(['image', 'inspect', '--format', '{{.Id}}', 'wharf-fixture/layers:1.0']);
  const r = await build(['-t', 'wharf-fixture/layers:1.0', ctx]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((r.stdout.match(/ ---> Using cache/g) ?? []).length, 12);
  assert.doesNotMatch(r.stdout, /Running in/);
  assert.equal(await t.ok(['image', 'inspect', '--format', '{{.Id}}', 'wharf-fixture/layers:1.0']), first);
});

test('changing one copied file rebuilds from that step only', async () => {
  writeFiles(ctx, { 'tree/a': 'A changed\n' });
  const r = await build(['-t', 'wharf-fixture/layers:2.0', ctx]);
  assert.equal(r.code, 0, r.stderr);
  const steps = r.stdout.split(/^Step /m).slice(1);
  assert.equal(steps.length, 13);
  steps.forEach((s, i) => {
    const n = i + 1;
    if (n === 1) return; // FROM
    if (n < 7) assert.match(s, /Using cache/, `step ${n} should come from the cache:\n${s}`);
    else assert.doesNotMatch(s, /Using cache/, `step ${n} should be rebuilt:\n${s}`);
  });
  assert.deepEqual(await readImageFiles(t, 'wharf-fixture/layers:2.0', ['srv/tree/a', 'srv/tree/sub/b']), ['A changed\n', 'b\n']);
});

test('a failing RUN shows its output and exit code and leaves no container, image or layer', async () => {
  const images = await t.ok(['images', '-aq', '--no-trunc']);
  const containers = await t.ok(['ps', '-aq', '--no-trunc']);
  const dir = makeContext({ Dockerfile: 'FROM busybox\nRUN echo before-failure && exit 3\nRUN echo never\n' });
  try {
    const r = await build(['-t', 'failing:1', dir]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /before-failure/);
    assert.match(r.stderr, /The command '\/bin\/sh -c echo before-failure && exit 3' returned a non-zero code: 3/);
    assert.doesNotMatch(r.stdout, /never/);
    assert.equal(await t.ok(['ps', '-aq', '--no-trunc']), containers);
    assert.equal(await t.ok(['images', '-aq', '--no-trunc']), images);
    assert.deepEqual(buildLeftovers(t.d.dataRoot), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('errors in the Dockerfile are refused before any step, naming file, line and instruction', async () => {
  const dir = makeContext({ Dockerfile: 'FROM busybox\nRUN true\nFOO bar\n' });
  try {
    const r = await build([dir]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Dockerfile:3: unknown instruction: FOO/);
    assert.doesNotMatch(r.stdout, /Step 1/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('-f outside the context, --build-arg, --target, --label, --iidfile, -q and a Dockerfile on stdin', async () => {
  const dfDir = makeContext({ 'Dockerfile.other': 'FROM busybox AS one\nARG X=def\nRUN echo $X > /x\nCOPY hello.txt /\nFROM one AS two\nRUN exit 9\n' });
  try {
    const iid = path.join(dfDir, 'iid');
    const r = await build(['-f', path.join(dfDir, 'Dockerfile.other'), '--build-arg', 'X=given', '--target', 'one', '--label', 'built.by=test', '--iidfile', iid, '-t', 'opts:1', ctx]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^Step 5\/5 : LABEL "built.by"='test'$/m);
    const id = fs.readFileSync(iid, 'utf8');
    assert.equal(await t.ok(['image', 'inspect', '--format', '{{.Id}}', 'opts:1']), id);
    assert.deepEqual(await readImageFiles(t, 'opts:1', ['x', 'hello.txt']), ['given\n', 'hello from the build context\n']);
    const q = await build(['-q', '-f', path.join(dfDir, 'Dockerfile.other'), '--build-arg', 'X=given', '--target', 'one', '--label', 'built.by=test', ctx]);
    assert.equal(q.stdout.trim(), id);
    const stdin = await t.docker(['build', '-t', 'stdin:1', '-'], { input: 'FROM busybox\nRUN echo from-stdin > /s\n', timeoutMs: 60_000 });
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.deepEqual(await readImageFiles(t, 'stdin:1', ['s']), ['from-stdin\n']);
  } finally {
    fs.rmSync(dfDir, { recursive: true, force: true });
  }
});
