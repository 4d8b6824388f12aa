// ~/.docker/config.json credentials as the docker CLI writes them (auths with base64 user:password,
// credsStore / credHelpers through docker-credential-* programs), and the header/challenge parsers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  credentialKey, encodeRegistryAuth, eraseCredentials, getCredentials, readConfig, storeCredentials,
} from '../../../src/registry/credentials.js';
import { decodeRegistryAuthHeader, parseChallenge, userPassword } from '../../../src/registry/client/auth.js';
import { endpointsFor, isInsecureRegistry, registryHost, validateRegistryConfig } from '../../../src/registry/client/endpoint.js';

let tmp: string;
let env: NodeJS.ProcessEnv;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-creds-'));
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
  // A credential helper keeping one JSON file per server, speaking the docker-credential protocol.
  fs.writeFileSync(path.join(bin, 'docker-credential-filetest'), `#!/bin/sh
store=${tmp}/helper-store; mkdir -p "$store"
case "$1" in
  store) cat > "$store/tmp.json"; url=$(sed 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/' "$store/tmp.json" | tr '/:' '__'); mv "$store/tmp.json" "$store/$url.json" ;;
  get) url=$(cat | tr '/:' '__'); if [ -f "$store/$url.json" ]; then cat "$store/$url.json"; else echo "credentials not found in native keychain"; exit 1; fi ;;
  erase) url=$(cat | tr '/:' '__'); rm -f "$store/$url.json" ;;
esac
`, { mode: 0o755 });
  env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, DOCKER_CONFIG: path.join(tmp, 'docker') };
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('auths: stored as Docker does (base64 user:password, mode 0600), read back, erased', async () => {
  const file = path.join(tmp, 'plain', 'config.json');
  await storeCredentials({ username: 'u1', password: 'p:w', serveraddress: 'https://reg.example:5000/v2/' }, { file });
  const c = readConfig(file);
  assert.deepEqual(c.auths, { 'reg.example:5000': { auth: Buffer.from('u1:p:w').toString('base64') } });
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(await getCredentials('reg.example:5000', { file }), { username: 'u1', password: 'p:w', serveraddress: 'reg.example:5000' });
  await storeCredentials({ username: 'hub', password: 'x', serveraddress: 'docker.io' }, { file });
  assert.ok(readConfig(file).auths!['https://index.docker.io/v1/']);
  assert.equal((await getCredentials(undefined, { file }))?.username, 'hub');
  assert.equal(await eraseCredentials('reg.example:5000', { file }), true);
  assert.equal(await getCredentials('reg.example:5000', { file }), undefined);
  fs.writeFileSync(file, '{bad json');
  assert.throws(() => readConfig(file), /config\.json: invalid JSON/);
});

test('credsStore and credHelpers run docker-credential-<name>; config.json keeps no secret', async () => {
  const file = path.join(tmp, 'docker', 'config.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ credsStore: 'filetest', credHelpers: { 'other.example': 'missing-helper' } }));
  await storeCredentials({ username: 'carol', password: 's3cret', serveraddress: 'reg.example' }, { env });
  assert.ok(!fs.readFileSync(file, 'utf8').includes('s3cret'));
  assert.deepEqual(readConfig(file).auths, { 'reg.example': {} });
  assert.deepEqual(await getCredentials('reg.example', { env }), { username: 'carol', password: 's3cret', serveraddress: 'reg.example' });
  assert.equal(await getCredentials('unknown.example', { env }), undefined);
  await assert.rejects(getCredentials('other.example', { env }), /docker-credential-missing-helper: not found in PATH/);
  await eraseCredentials('reg.example', { env });
  assert.equal(await getCredentials('reg.example', { env }), undefined);
});

test('X-Registry-Auth round trip; WWW-Authenticate parsing; Hub naming; insecure registries', () => {
  const header = encodeRegistryAuth({ username: 'a', password: 'b+/=?', serveraddress: 'r' });
  assert.deepEqual(decodeRegistryAuthHeader(header), { username: 'a', password: 'b+/=?', serveraddress: 'r' });
  assert.equal(decodeRegistryAuthHeader(Buffer.from('{}').toString('base64')), undefined);
  assert.equal(decodeRegistryAuthHeader('%%%not-base64'), undefined);
  assert.deepEqual(userPassword({ auth: Buffer.from('x:y:z').toString('base64') }), { username: 'x', password: 'y:z' });
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), {
    scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
  });
  assert.deepEqual(parseChallenge('Basic realm="x"'), { scheme: 'basic', params: { realm: 'x' } });
  assert.equal(parseChallenge('Negotiate abc'), null);
  assert.equal(registryHost('docker.io'), 'registry-1.docker.io');
  assert.equal(credentialKey('registry-1.docker.io'), 'https://index.docker.io/v1/');
  for (const h of ['localhost:5000', '127.0.0.1:5000', '127.9.9.9', '[::1]:5000']) assert.ok(isInsecureRegistry(h), h);
  assert.ok(!isInsecureRegistry('reg.example:5000'));
  assert.ok(isInsecureRegistry('reg.example:5000', { insecureRegistries: ['reg.example:5000'] }));
  assert.ok(isInsecureRegistry('10.1.2.3:5000', { insecureRegistries: ['10.0.0.0/8'] }));
  assert.ok(!isInsecureRegistry('11.1.2.3:5000', { insecureRegistries: ['10.0.0.0/8'] }));
  assert.deepEqual(endpointsFor('docker.io', { mirrors: ['http://mirror.local:5000'] }).map((e) => e.host), ['mirror.local:5000', 'registry-1.docker.io']);
  assert.deepEqual(endpointsFor('quay.io', { mirrors: ['http://mirror.local:5000'] }).map((e) => e.host), ['quay.io']);
  assert.throws(() => validateRegistryConfig({ mirrors: ['ftp://x'] }), /registry-mirrors: ftp:\/\/x must be an http\(s\) URL/);
  assert.throws(() => validateRegistryConfig({ maxConcurrentDownloads: 0 }), /max-concurrent-downloads/);
});
