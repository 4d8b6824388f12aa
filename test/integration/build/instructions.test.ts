// POST /build, instruction by instruction, proven by what the built images hold and do:
// multi-stage COPY --from (unneeded stages not built), ARG/ENV expansion, .dockerignore,
// ONBUILD, HEALTHCHECK, USER/WORKDIR, ADD of a tar and of a URL, heredocs, labels, target, -q.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { PassThrough } from 'node:stream';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { startTestDaemon, type TestDaemon } from '../docker-cli/helpers.js';
import { apiBuild, buildLeftovers, buildOk, exportImage, makeContext, readImageFiles } from './helpers.js';
import * as path from 'node:path';

let t: TestDaemon;
const dirs: string[] = [];
const ctx = (files: Record<string, string | Buffer>): string => { const d = makeContext(files); dirs.push(d); return d; };
/** Contents of files in an image (read from an export, no container is started). */
const read = (image: string, ...files: string[]) => readImageFiles(t, image, files);
const inspect = async (image: string) => JSON.parse(await t.ok(['image', 'inspect', image]))[0];

before(async () => { t = await startTestDaemon(); });
after(async () => {
  try {
    await t.cleanup();
  } finally {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
});

test('multi-stage: COPY --from a named and a numbered stage; stages the target does not need are not built', async () => {
  const dir = ctx({
    Dockerfile: [
      'FROM busybox AS builder', 'RUN mkdir /out && echo built-artifact > /out/artifact',
      'FROM busybox', 'RUN echo second > /second',
      'FROM busybox AS unused', 'RUN exit 42',
      'FROM scratch', 'COPY --from=builder /out/artifact /artifact', 'COPY --from=1 /second /bin/busybox /',
      '',
    ].join('\n'),
  });
  const r = await buildOk(t.d.socket, dir, { t: 'multi:1' });
  assert.doesNotMatch(r.output, /exit 42/);
  assert.match(r.output, /^Step 1\/7 : FROM busybox AS builder$/m);
  const dir2 = ctx({ Dockerfile: 'FROM multi:1\nCMD ["/busybox", "cat", "/artifact", "/second"]\n' });
  await buildOk(t.d.socket, dir2, { t: 'multi:2' });
  assert.deepEqual(await read('multi:2', 'artifact', 'second'), ['built-artifact\n', 'second\n']);
  assert.equal((await inspect('multi:2')).RootFS.Layers.length, 2);
  // --target stops at a stage.
  const tr = await buildOk(t.d.socket, dir, { t: 'multi:builder', target: 'builder' });
  assert.match(tr.output, /^Step 2\/2 : RUN mkdir/m);
  assert.deepEqual(await read('multi:builder', 'out/artifact'), ['built-artifact\n']);
});

test('ARG and ENV are expanded where Docker expands them, build args reach RUN and history', async () => {
  const dir = ctx({
    Dockerfile: [
      'ARG BASE=busybox', 'FROM ${BASE}', 'ARG WHO=world', 'ARG UNSET',
      'ENV GREETING="hello ${WHO}" DIR=/opt/${WHO:-none} ALT=${UNSET:-fallback} PLUS=${WHO:+set}',
      'WORKDIR $DIR', 'RUN echo "$GREETING $ALT $PLUS" > greeting.txt && echo "$WHO" > who.txt', 'LABEL who=$WHO',
      '',
    ].join('\n'),
  });
  const r = await buildOk(t.d.socket, dir, { t: 'args:1', buildargs: JSON.stringify({ WHO: 'wharf', NOTUSED: 'x' }) });
  assert.match(r.output, /\[Warning\] One or more build-args \[NOTUSED\] were not consumed/);
  assert.deepEqual(await read('args:1', 'opt/wharf/greeting.txt', 'opt/wharf/who.txt'), ['hello wharf fallback set\n', 'wharf\n']);
  const img = await inspect('args:1');
  assert.equal(img.Config.WorkingDir, '/opt/wharf');
  assert.equal(img.Config.Labels.who, 'wharf');
  assert.ok(img.Config.Env.includes('GREETING=hello wharf'));
  assert.ok(!img.Config.Env.some((e: string) => e.startsWith('WHO=')), 'build args do not persist in the image');
  const history = await t.ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'args:1']);
  assert.match(history, /^\|1 WHO=wharf \/bin\/sh -c echo "\$GREETING \$ALT \$PLUS" > greeting.txt/m);
  // Another build-arg value is another cache key for RUN.
  const again = await buildOk(t.d.socket, dir, { t: 'args:2', buildargs: JSON.stringify({ WHO: 'other' }) });
  assert.deepEqual(await read('args:2', 'opt/other/who.txt'), ['other\n']);
  assert.notEqual(again.id, r.id);
});

/** A raw context tar (the daemon, not the client, applies .dockerignore here). */
function rawTar(files: Record<string, string>): PassThrough {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, content);
  pack.finalize();
  const out = new PassThrough();
  pack.pipe(out);
  return out;
}

test('.dockerignore excludes files from the context (exceptions with !)', async () => {
  const body = rawTar({
    'Dockerfile': 'FROM busybox\nCOPY . /ctx/\n',
    '.dockerignore': '# comment\nsecret.txt\n*.log\n!keep.log\nsub/private\n',
    'secret.txt': 'secret', 'a.log': 'log', 'keep.log': 'kept', 'app.txt': 'app', 'sub/private': 'p', 'sub/public': 'q',
  });
  await buildOk(t.d.socket, body, { t: 'ignore:1' });
  const img = await exportImage(t, 'ignore:1');
  try {
    const listing: string[] = [];
    const walk = (d: string, rel: string): void => { for (const n of fs.readdirSync(d).sort()) { const p = path.join(d, n); if (fs.statSync(p).isDirectory()) walk(p, `${rel}${n}/`); else listing.push(rel + n); } };
    walk(path.join(img.root, 'ctx'), '');
    // As Docker: the Dockerfile and .dockerignore are part of the context unless listed.
    assert.deepEqual(listing, ['.dockerignore', 'Dockerfile', 'app.txt', 'keep.log', 'sub/public']);
  } finally {
    img.dispose();
  }
});

test('ONBUILD triggers run when the image is used as a base', async () => {
  const parent = ctx({ Dockerfile: 'FROM busybox\nONBUILD RUN echo triggered > /onbuild.txt\nONBUILD COPY child.txt /child.txt\n' });
  await buildOk(t.d.socket, parent, { t: 'onbuild:parent' });
  assert.deepEqual((await inspect('onbuild:parent')).Config.OnBuild, ['RUN echo triggered > /onbuild.txt', 'COPY child.txt /child.txt']);
  const parentFs = await exportImage(t, 'onbuild:parent');
  assert.ok(!fs.existsSync(path.join(parentFs.root, 'onbuild.txt')), 'triggers do not run in the image that declares them');
  parentFs.dispose();
  const child = ctx({ Dockerfile: 'FROM onbuild:parent\nRUN cat /onbuild.txt /child.txt > /both.txt\n', 'child.txt': 'from the child context\n' });
  const r = await buildOk(t.d.socket, child, { t: 'onbuild:child' });
  assert.match(r.output, /# Executing 2 build triggers/);
  assert.deepEqual(await read('onbuild:child', 'both.txt'), ['triggered\nfrom the child context\n']);
  assert.equal((await inspect('onbuild:child')).Config.OnBuild, null);
});

test('HEALTHCHECK sets the image health check (and NONE disables it)', async () => {
  const dir = ctx({ Dockerfile: 'FROM busybox\nHEALTHCHECK --interval=5s --timeout=3s --start-period=1m30s --retries=2 CMD test -f /ok || exit 1\n' });
  await buildOk(t.d.socket, dir, { t: 'health:1' });
  assert.deepEqual((await inspect('health:1')).Config.Healthcheck, {
    Test: ['CMD-SHELL', 'test -f /ok || exit 1'], Interval: 5e9, Timeout: 3e9, StartPeriod: 90e9, Retries: 2,
  });
  const history = await t.ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'health:1']);
  assert.match(history, /#\(nop\)  HEALTHCHECK &\{\["CMD-SHELL" "test -f \/ok \|\| exit 1"\] "5s" "3s" "1m30s" '\\x02'\}/);
  const none = ctx({ Dockerfile: 'FROM health:1\nHEALTHCHECK NONE\n' });
  await buildOk(t.d.socket, none, { t: 'health:none' });
  assert.deepEqual((await inspect('health:none')).Config.Healthcheck.Test, ['NONE']);
});

test('USER and WORKDIR apply to the following RUN steps and to the image', async () => {
  const dir = ctx({ Dockerfile: 'FROM busybox\nWORKDIR /work\nWORKDIR sub\nUSER nobody\nRUN id -u > /tmp/uid && pwd > /tmp/pwd\nUSER 0:0\nRUN stat -c %U /work > /tmp/owner\nUSER nobody\n' });
  await buildOk(t.d.socket, dir, { t: 'user:1' });
  assert.deepEqual(await read('user:1', 'tmp/uid', 'tmp/pwd', 'tmp/owner'), ['65534\n', '/work/sub\n', 'root\n']);
  const img = await inspect('user:1');
  assert.equal(img.Config.User, 'nobody');
  assert.equal(img.Config.WorkingDir, '/work/sub');
});

function tarGz(entries: Array<{ name: string; content?: string; uid?: number; type?: 'directory' }>): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, mode: e.type ? 0o755 : 0o640, uid: e.uid ?? 0, gid: e.uid ?? 0, ...(e.type ? { type: e.type } : {}) }, e.content ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const gz = createGzip();
    gz.on('data', (c: Buffer) => chunks.push(c));
    gz.on('end', () => resolve(Buffer.concat(chunks)));
    gz.on('error', reject);
    pack.pipe(gz);
  });
}

test('ADD extracts a local tar archive (owners kept); COPY copies it as a file; ADD fetches a URL', async () => {
  const archive = await tarGz([{ name: 'pkg/', type: 'directory', uid: 1234 }, { name: 'pkg/data.txt', content: 'from the archive\n', uid: 1234 }]);
  const server = http.createServer((req, res) => {
    if (req.url === '/remote.txt') { res.setHeader('Last-Modified', 'Wed, 21 Oct 2015 07:28:00 GMT'); res.end('downloaded\n'); } else { res.statusCode = 404; res.end(); }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const dir = ctx({
      Dockerfile: `FROM busybox\nADD archive.tar.gz /unpacked/\nCOPY archive.tar.gz /raw/\nADD http://127.0.0.1:${port}/remote.txt /dl/\n`,
      'archive.tar.gz': archive,
    });
    await buildOk(t.d.socket, dir, { t: 'add:1' });
    const img = await exportImage(t, 'add:1');
    try {
      const p = (x: string) => path.join(img.root, x);
      assert.equal(fs.readFileSync(p('unpacked/pkg/data.txt'), 'utf8'), 'from the archive\n');
      const st = fs.statSync(p('unpacked/pkg/data.txt'));
      assert.deepEqual([st.uid, st.mode & 0o777], [1234, 0o640]);
      assert.deepEqual(fs.readdirSync(p('raw')), ['archive.tar.gz']);
      assert.ok(fs.statSync(p('raw/archive.tar.gz')).isFile());
      assert.equal(fs.readFileSync(p('dl/remote.txt'), 'utf8'), 'downloaded\n');
      const dl = fs.statSync(p('dl/remote.txt'));
      assert.deepEqual([dl.mode & 0o777, dl.mtimeMs / 1000], [0o600, 1445412480]);
    } finally {
      img.dispose();
    }
  } finally {
    server.close();
  }
});

test('heredocs: RUN <<EOF runs a script, COPY <<EOF writes a file (variables expanded)', async () => {
  const dir = ctx({ Dockerfile: 'FROM busybox\nENV NAME=wharf\nRUN <<EOF\necho "script line 1" > /script.txt\necho "$NAME" >> /script.txt\nEOF\nCOPY <<-EOT /etc/motd\n\thello ${NAME}\nEOT\nRUN <<A cat > /fed.txt\nfed through stdin\nA\n' });
  await buildOk(t.d.socket, dir, { t: 'heredoc:1' });
  assert.deepEqual(await read('heredoc:1', 'script.txt', 'etc/motd', 'fed.txt'), ['script line 1\nwharf\n', 'hello wharf\n', 'fed through stdin\n']);
});

test('labels, quiet output and Docker-shaped errors', async () => {
  const dir = ctx({ Dockerfile: 'FROM busybox\nCMD ["true"]\n' });
  const q = await apiBuild(t.d.socket, dir, { t: 'labels:1', labels: JSON.stringify({ 'org.example.from': 'build-api' }), q: '1' });
  assert.equal(q.status, 200);
  assert.ok(!q.output.includes('Step'), 'quiet builds show no steps');
  assert.match(q.output, /^sha256:[0-9a-f]{64}\n$/);
  assert.equal((await inspect('labels:1')).Config.Labels['org.example.from'], 'build-api');

  const bad = await apiBuild(t.d.socket, ctx({ Dockerfile: 'FROM busybox\n\nENV\n' }));
  assert.equal(bad.status, 400);
  assert.match(bad.error ?? '', /^Dockerfile:3: ENV requires at least one argument/);
  const missing = await apiBuild(t.d.socket, ctx({ Dockerfile: 'FROM busybox\nCOPY nosuch /x\n' }));
  assert.equal(missing.status, 200);
  assert.match(missing.error ?? '', /COPY failed: file not found in build context or excluded by .dockerignore: stat nosuch: file does not exist/);
  const noImage = await apiBuild(t.d.socket, ctx({ Dockerfile: 'FROM nosuch-image:1\n' }));
  assert.match(noImage.error ?? '', /nosuch-image:1/);
  const noDockerfile = await apiBuild(t.d.socket, ctx({ 'x.txt': 'x' }));
  assert.equal(noDockerfile.status, 400);
  assert.match(noDockerfile.error ?? '', /Cannot locate specified Dockerfile: Dockerfile/);
  const badTag = await apiBuild(t.d.socket, dir, { t: 'UPPER:case' });
  assert.equal(badTag.status, 400);
  assert.deepEqual(buildLeftovers(t.d.dataRoot), []);
});
