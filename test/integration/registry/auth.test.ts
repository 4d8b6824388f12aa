// Registry credentials end to end: the docker CLI logs in through wharfd (POST /auth) to wharf's
// registry (htpasswd Basic auth, and Bearer tokens from its token service) and to distribution 2.8
// with htpasswd; wrong passwords are clear 401s; pushes and pulls carry X-Registry-Auth; the
// daemon never logs a credential.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import bcrypt from 'bcryptjs';
import { runDocker, startTestDaemon, type TestDaemon } from '../docker-cli/helpers.js';
import { serveRegistry, type RunningRegistry } from '../../../src/registry/server/main.js';
import { api, startDistribution, type Distribution } from './helpers.js';

const USER = 'alice';
const PASSWORD = `pw-${Math.random().toString(36).slice(2)}-secret`;
let t: TestDaemon;
let basic: RunningRegistry;
let token: RunningRegistry;
let dist: Distribution;
let tmp: string;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-reg-auth-'));
  const htpasswd = path.join(tmp, 'htpasswd');
  fs.writeFileSync(htpasswd, `${USER}:${bcrypt.hashSync(PASSWORD, 5)}\n`);
  [t, basic, token, dist] = await Promise.all([
    startTestDaemon(),
    serveRegistry({ addr: '127.0.0.1:0', root: path.join(tmp, 'basic'), htpasswd }),
    serveRegistry({ addr: '127.0.0.1:0', root: path.join(tmp, 'token'), htpasswd, token: true }),
    startDistribution({ htpasswd }),
  ]);
});

after(async () => {
  await Promise.allSettled([t?.cleanup(), basic?.close(), token?.close(), dist?.stop()]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

function dockerWith(config: string, args: string[]) {
  return runDocker({ ...t.env, DOCKER_CONFIG: config }, args, { timeoutMs: 30_000 });
}

for (const kind of ['wharf basic', 'wharf token', 'distribution'] as const) {
  test(`${kind}: wrong password is a clear 401, login stores credentials, push and pull use them`, async () => {
    const host = kind === 'wharf basic' ? basic.address : kind === 'wharf token' ? token.address : dist.host;
    const config = fs.mkdtempSync(path.join(tmp, 'cfg-'));
    const bad = await dockerWith(config, ['login', '-u', USER, '-p', 'wrong-password', host]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unauthorized/i);
    assert.ok(!fs.existsSync(path.join(config, 'config.json')) || !fs.readFileSync(path.join(config, 'config.json'), 'utf8').includes(host));
    const viaApi = await api(t.d.socket, 'POST', '/auth', { body: JSON.stringify({ username: USER, password: 'nope', serveraddress: host }) });
    assert.equal(viaApi.status, 401, viaApi.text);
    assert.match(JSON.parse(viaApi.text).message, /unauthorized/);

    const ref = `${host}/secure/busybox:1`;
    await t.ok(['tag', 'busybox', ref]);
    const anonymous = await dockerWith(config, ['push', ref]);
    assert.notEqual(anonymous.code, 0);
    assert.match(anonymous.stderr, /unauthorized|authentication required/);

    const good = await dockerWith(config, ['login', '-u', USER, '-p', PASSWORD, host]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /Login Succeeded/);
    const saved = JSON.parse(fs.readFileSync(path.join(config, 'config.json'), 'utf8'));
    assert.equal(saved.auths[host].auth, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));

    const pushed = await dockerWith(config, ['push', ref]);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stdout, /1: digest: sha256:/);
    await t.ok(['rmi', ref]);
    const pulled = await dockerWith(config, ['pull', ref]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stdout, /Status: (Downloaded newer image|Image is up to date) for/);
    await t.ok(['rmi', ref]);
  });
}

test('the daemon log never holds a password or the encoded credentials', () => {
  const logs = t.d.logs();
  assert.ok(logs.length > 0);
  for (const secret of [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'), Buffer.from(PASSWORD).toString('base64')]) {
    assert.ok(!logs.includes(secret), 'a credential appears in the daemon log');
  }
});
