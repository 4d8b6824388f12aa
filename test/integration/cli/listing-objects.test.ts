// wharf's image transfer, login, build, volume, network, events and prune commands against a real
// wharfd (and a local registry), checked by effect through the docker CLI and against its output.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import bcrypt from 'bcryptjs';
import { serveRegistry, type RunningRegistry } from '../../../src/registry/server/main.js';
import { runDocker, startTestDaemon, type TestDaemon } from '../docker-cli/helpers.js';
import { rand, runWharf, wharfOk } from './container-helpers.js';
import { assertSame } from './listing-helpers.js';

let t: TestDaemon;
let reg: RunningRegistry;
let tmp: string;
const r = rand();
const USER = 'cliuser';
const PASSWORD = 'cli-secret-1';

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cli-b-'));
  const htpasswd = path.join(tmp, 'htpasswd');
  fs.writeFileSync(htpasswd, `${USER}:${bcrypt.hashSync(PASSWORD, 5)}\n`);
  [t, reg] = await Promise.all([startTestDaemon(), serveRegistry({ addr: '127.0.0.1:0', root: path.join(tmp, 'registry'), htpasswd })]);
});

after(async () => {
  await reg?.close();
  await t?.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The daemon's env with its own client config directory. */
function withConfig(name: string): NodeJS.ProcessEnv {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  return { ...t.env, DOCKER_CONFIG: dir };
}

test('login stores config.json exactly as docker does; bad passwords fail the same way; logout removes it', async () => {
  const host = reg.address;
  const denv = withConfig('docker-login');
  const wenv = withConfig('wharf-login');
  const d = await runDocker(denv, ['login', '-u', USER, '-p', PASSWORD, host]);
  const w = await runWharf(wenv, ['login', '-u', USER, '-p', PASSWORD, host]);
  assert.equal(d.code, 0, d.stderr);
  assert.equal(w.code, 0, w.stderr);
  assert.equal(w.stdout, d.stdout);
  assert.equal(w.stderr.replace(wenv.DOCKER_CONFIG!, 'CFG'), d.stderr.replace(denv.DOCKER_CONFIG!, 'CFG'));
  assert.equal(fs.readFileSync(path.join(wenv.DOCKER_CONFIG!, 'config.json'), 'utf8'), fs.readFileSync(path.join(denv.DOCKER_CONFIG!, 'config.json'), 'utf8'));
  const wrongD = await runDocker(denv, ['login', '-u', USER, '--password-stdin', host], { input: 'wrong\n' });
  const wrongW = await runWharf(wenv, ['login', '-u', USER, '--password-stdin', host], { input: 'wrong\n' });
  assert.notEqual(wrongW.code, 0);
  assert.equal(wrongW.code, wrongD.code);
  assert.equal(wrongW.stderr, wrongD.stderr);
  // Push and pull with the stored credentials; progress off a terminal is plain lines.
  const ref = `${host}/cli-b/bb-${r}:v1`;
  await t.ok(['tag', 'busybox', ref]);
  const push = await runWharf(wenv, ['push', ref]);
  assert.equal(push.code, 0, push.stderr);
  assert.match(push.stdout, new RegExp(`^The push refers to repository \\[${host}/cli-b/bb-${r}\\]\\n`));
  assert.match(push.stdout, /\n[0-9a-f]{12}: Pushed\n/);
  assert.match(push.stdout, /\nv1: digest: sha256:[0-9a-f]{64} size: \d+\n$/);
  await t.ok(['rmi', ref]);
  const pull = await runWharf(wenv, ['pull', '-q', ref]);
  assert.equal(pull.code, 0, pull.stderr);
  assert.equal(pull.stdout, `${ref}\n`);
  assert.match(await t.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']), new RegExp(`${host}/cli-b/bb-${r}:v1`));
  await t.ok(['rmi', ref]);
  // Without credentials the registry refuses: the error ends the CLI with exit 1.
  const anon = await runWharf(withConfig('anon'), ['pull', ref]);
  assert.equal(anon.code, 1);
  assert.match(anon.stderr, /401|unauthorized|authentication/i);
  const out = await runWharf(wenv, ['logout', host]);
  assert.equal(out.stdout, `Removing login credentials for ${host}\n`);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(wenv.DOCKER_CONFIG!, 'config.json'), 'utf8')).auths, {});
});

test('save, load, import, tag and rmi: archives and images docker can use', async () => {
  const tar = path.join(tmp, 'bb.tar');
  await wharfOk(t.env, ['save', '-o', tar, 'busybox']);
  // docker loads what wharf saved; both print the same line for a load.
  await assertSame(t, ['load', '-i', tar]);
  const viaStdin = await runWharf(t.env, ['load'], { input: undefined });
  assert.notEqual(viaStdin.code, 0); // empty stdin is not an archive
  const saved = await runWharf(t.env, ['save', 'busybox']);
  assert.equal(saved.code, 0);
  assert.ok(saved.stdout.length > 1000, 'the archive is written to a redirected stdout');
  const missing = await assertSame(t, ['save', '-o', path.join(tmp, 'x.tar'), `nosuch-${r}`]);
  assert.equal(missing.wharf.code, 1);
  assert.equal(fs.existsSync(path.join(tmp, 'x.tar')), false);
  const id = await wharfOk(t.env, ['import', '-c', 'CMD ["/bin/sh"]', '-m', 'from cli-b', tar, `imported-${r}:v1`]);
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await t.ok(['image', 'inspect', '-f', '{{json .Config.Cmd}} {{.Comment}}', `imported-${r}:v1`]), '["/bin/sh"] from cli-b');
  await wharfOk(t.env, ['tag', `imported-${r}:v1`, `imported-${r}:v2`]);
  const rmi = await runWharf(t.env, ['rmi', `imported-${r}:v1`, `imported-${r}:v2`]);
  assert.equal(rmi.code, 0, rmi.stderr);
  assert.match(rmi.stdout, new RegExp(`^Untagged: imported-${r}:v1\nUntagged: imported-${r}:v2\nDeleted: sha256:`));
  assert.equal(await t.ok(['images', '-q', `imported-${r}`]), '');
});

test('build: .dockerignore honoured, several tags, labels, build args, -q and --iidfile', async () => {
  const ctx = path.join(tmp, 'ctx');
  fs.mkdirSync(path.join(ctx, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nARG GREETING=none\nCOPY . /ctx\nRUN echo "$GREETING" > /greeting\n');
  fs.writeFileSync(path.join(ctx, 'kept.txt'), 'kept');
  fs.writeFileSync(path.join(ctx, 'secret.txt'), 'secret');
  fs.writeFileSync(path.join(ctx, 'sub', 'a.log'), 'log');
  fs.writeFileSync(path.join(ctx, '.dockerignore'), 'secret.txt\n**/*.log\n');
  const iid = path.join(tmp, 'iid');
  const b = await runWharf(t.env, ['build', '-q', '--iidfile', iid, '-t', `built-${r}:a`, '-t', `built-${r}:b`, '--label', 'cli=b', '--build-arg', 'GREETING=hello', ctx], { timeoutMs: 60_000 });
  assert.equal(b.code, 0, b.stderr);
  const id = fs.readFileSync(iid, 'utf8');
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.equal(b.stdout.trim(), id);
  assert.equal(await t.ok(['image', 'inspect', '-f', '{{index .Config.Labels "cli"}}', `built-${r}:b`]), 'b');
  const files = await t.ok(['run', '--rm', '--network', 'none', `built-${r}:a`, 'sh', '-c', 'ls -A /ctx /ctx/sub; cat /greeting']);
  assert.equal(files, '/ctx:\n.dockerignore\nDockerfile\nkept.txt\nsub\n\n/ctx/sub:\nhello');
  // A failing step: the builder's error is the CLI's message, exit 1.
  fs.writeFileSync(path.join(ctx, 'Dockerfile.bad'), 'FROM busybox\nRUN exit 3\n');
  const bad = await runWharf(t.env, ['build', '-f', path.join(ctx, 'Dockerfile.bad'), ctx], { timeoutMs: 60_000 });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /returned a non-zero code: 3/);
  await t.ok(['rmi', `built-${r}:a`, `built-${r}:b`]);
});

test('volumes: create, ls, inspect, rm and prune', async () => {
  const name = `vol-${r}`;
  assert.equal(await wharfOk(t.env, ['volume', 'create', '--label', 'k=v', name]), name);
  await assertSame(t, ['volume', 'ls']);
  await assertSame(t, ['volume', 'ls', '-q']);
  await assertSame(t, ['volume', 'ls', '--format', '{{json .}}']);
  await assertSame(t, ['volume', 'ls', '--format', 'table {{.Name}}\t{{.Label "k"}}\t{{.Driver}}']);
  await assertSame(t, ['volume', 'inspect', '-f', '{{.Name}} {{.Driver}} {{.Labels}}', name]);
  await assertSame(t, ['volume', 'inspect', `nosuch-${r}`]);
  await assertSame(t, ['volume', 'rm', `nosuch-${r}`]);
  assert.equal(await wharfOk(t.env, ['volume', 'rm', name]), name);
  assert.equal(await t.ok(['volume', 'ls', '-q', '--filter', `name=${name}`]), '');
  const anon = await wharfOk(t.env, ['volume', 'create']);
  const pruned = await runWharf(t.env, ['volume', 'prune', '-f']);
  assert.equal(pruned.code, 0, pruned.stderr);
  assert.match(pruned.stdout, new RegExp(`^Deleted Volumes:\n(.*\n)*${anon}\n(.*\n)*\nTotal reclaimed space: \\d`));
});

test('networks: create, ls, inspect, connect, disconnect, rm and prune', async () => {
  const name = `net-${r}`;
  const id = await wharfOk(t.env, ['network', 'create', '--label', 'k=v', '--subnet', '10.213.7.0/24', name]);
  assert.match(id, /^[0-9a-f]{64}$/);
  await assertSame(t, ['network', 'ls']);
  await assertSame(t, ['network', 'ls', '--no-trunc', '--format', 'table {{.ID}}\t{{.Name}}\t{{.Label "k"}}\t{{.Internal}}']);
  await assertSame(t, ['network', 'inspect', '-f', '{{.Name}} {{.Driver}} {{range .IPAM.Config}}{{.Subnet}}{{end}}', name]);
  await assertSame(t, ['network', 'inspect', `nosuch-${r}`]);
  const c = `conn-${r}`;
  await t.ok(['create', '--name', c, 'busybox', 'true']);
  const nets = (): Promise<string> => t.ok(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', c]);
  await wharfOk(t.env, ['network', 'connect', '--alias', 'svc', name, c]);
  assert.equal(await nets(), `bridge ${name}`);
  await wharfOk(t.env, ['network', 'disconnect', name, c]);
  assert.equal(await nets(), 'bridge');
  await t.ok(['rm', c]);
  assert.equal(await wharfOk(t.env, ['network', 'rm', name]), name);
  await assertSame(t, ['network', 'rm', name]);
  const other = `net2-${r}`;
  await wharfOk(t.env, ['network', 'create', other]);
  const pruned = await wharfOk(t.env, ['network', 'prune', '-f']);
  assert.match(pruned, new RegExp(`^Deleted Networks:\n(.*\n)*${other}`));
});

test('events between two times, prune commands and the prune prompt', async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  const name = `ev-${r}`;
  await t.ok(['run', '--name', name, '--network', 'none', 'busybox', 'true']);
  const until = Math.floor(Date.now() / 1000) + 1;
  await new Promise((res) => setTimeout(res, 1100));
  await assertSame(t, ['events', '--since', String(since), '--until', String(until), '--filter', `container=${name}`]);
  await assertSame(t, ['events', '--since', String(since), '--until', String(until), '--filter', `container=${name}`, '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}']);
  // Answering "n" changes nothing.
  const no = await runWharf(t.env, ['system', 'prune'], { input: 'n\n' });
  assert.equal(no.code, 0);
  assert.match(no.stdout, /^WARNING! This will remove:\n {2}- all stopped containers\n[\s\S]*Are you sure you want to continue\? \[y\/N\] $/);
  assert.match(await t.ok(['ps', '-a', '--format', '{{.Names}}']), new RegExp(name));
  const yes = await runWharf(t.env, ['system', 'prune', '-f']);
  assert.equal(yes.code, 0, yes.stderr);
  assert.match(yes.stdout, /^Deleted Containers:\n[0-9a-f]{64}\n/);
  assert.match(yes.stdout, /Total reclaimed space: \S+\n$/);
  assert.doesNotMatch(await t.ok(['ps', '-a', '--format', '{{.Names}}']), new RegExp(name));
  const img = await runWharf(t.env, ['image', 'prune', '-f']);
  assert.equal(img.stdout, 'Total reclaimed space: 0B\n');
});
