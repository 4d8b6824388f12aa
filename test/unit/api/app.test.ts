// The fastify app: version prefixes, Docker headers, error shapes, body parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { buildApp } from '../../../src/api/app.js';
import { ConflictError, InvalidParameterError, NotFoundError } from '../../../src/api/errors.js';
import { bodyStream, jsonBody } from '../../../src/api/request.js';
import { systemRoutes } from '../../../src/api/routes/system.js';
import { testEngine } from './test-engine.js';

function makeApp() {
  const engine = testEngine();
  const app = buildApp({
    engine,
    logger: pino({ level: 'silent' }),
    routes: [systemRoutes(engine), (a) => {
      a.get('/throw/:kind', async (req) => {
        const kind = (req.params as { kind: string }).kind;
        if (kind === 'notfound') throw new NotFoundError('No such container: x');
        if (kind === 'conflict') throw new ConflictError('name in use');
        if (kind === 'invalid') throw new InvalidParameterError('bad value');
        throw new Error('boom');
      });
      a.post('/echo-json', async (req) => ({ got: jsonBody(req) ?? null, version: req.apiVersion }));
      a.post('/tar', async (req) => {
        const h = createHash('sha256');
        let n = 0;
        for await (const chunk of bodyStream(req)) { h.update(chunk as Buffer); n += (chunk as Buffer).length; }
        return { bytes: n, sha256: h.digest('hex') };
      });
    }],
  });
  return app;
}

test('versioned and unversioned paths reach the same route and report the asked version', async () => {
  const app = makeApp();
  for (const [url, version] of [['/v1.41/echo-json', '1.41'], ['/v1.51/echo-json', '1.51'], ['/echo-json', '1.51'], ['/v1.44/echo-json', '1.44']]) {
    const r = await app.inject({ method: 'POST', url, payload: '{"a":1}', headers: { 'content-type': 'application/json' } });
    assert.equal(r.statusCode, 200, url);
    assert.deepEqual(r.json(), { got: { a: 1 }, version }, url);
  }
  await app.close();
});

test('versions outside 1.41..1.51 get 400 with Docker\'s messages', async () => {
  const app = makeApp();
  const old = await app.inject({ url: '/v1.12/version' });
  assert.equal(old.statusCode, 400);
  assert.equal(old.headers['content-type'], 'application/json');
  assert.deepEqual(old.json(), { message: 'client version 1.12 is too old. Minimum supported API version is 1.41, please upgrade your client to a newer version' });
  const neu = await app.inject({ url: '/v1.52/version' });
  assert.equal(neu.statusCode, 400);
  assert.deepEqual(neu.json(), { message: 'client version 1.52 is too new. Maximum supported API version is 1.51' });
  // Version check happens even for unknown routes under a bad prefix.
  assert.equal((await app.inject({ url: '/v1.40/nothing-here' })).statusCode, 400);
  await app.close();
});

test('every response carries Docker\'s server headers', async () => {
  const app = makeApp();
  for (const url of ['/version', '/nope', '/v1.12/version']) {
    const r = await app.inject({ url });
    assert.equal(r.headers['api-version'], '1.51', url);
    assert.equal(r.headers['docker-experimental'], 'false', url);
    assert.equal(r.headers['ostype'], 'linux', url);
    assert.equal(r.headers['server'], 'Wharf/9.9.9 (linux)', url);
  }
  await app.close();
});

test('errors map to {"message"} with 404/409/400/500 and unknown routes to 404', async () => {
  const app = makeApp();
  const cases: [string, number, string][] = [
    ['notfound', 404, 'No such container: x'], ['conflict', 409, 'name in use'], ['invalid', 400, 'bad value'], ['other', 500, 'boom'],
  ];
  for (const [kind, status, message] of cases) {
    const r = await app.inject({ url: `/v1.41/throw/${kind}` });
    assert.equal(r.statusCode, status, kind);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(r.json(), { message });
  }
  const missing = await app.inject({ method: 'DELETE', url: '/v1.41/containers/abc/nothing' });
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), { message: 'page not found' });
  await app.close();
});

test('empty JSON bodies are accepted, broken JSON is a 400, other types are refused as JSON', async () => {
  const app = makeApp();
  const empty = await app.inject({ method: 'POST', url: '/echo-json', headers: { 'content-type': 'application/json' }, payload: '' });
  assert.equal(empty.statusCode, 200);
  assert.deepEqual(empty.json(), { got: null, version: '1.51' });
  const noType = await app.inject({ method: 'POST', url: '/echo-json' });
  assert.equal(noType.statusCode, 200);
  const broken = await app.inject({ method: 'POST', url: '/echo-json', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
  assert.equal(broken.statusCode, 400);
  assert.match(broken.json().message, /invalid JSON/);
  const text = await app.inject({ method: 'POST', url: '/echo-json', headers: { 'content-type': 'text/plain' }, payload: '{"a":1}' });
  assert.equal(text.statusCode, 400);
  assert.match(text.json().message, /unsupported Content-Type header \(text\/plain\)/);
  await app.close();
});

test('application/x-tar bodies reach the route as an untouched stream', async () => {
  const app = makeApp();
  const payload = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7919) & 0xff;
  const r = await app.inject({ method: 'PUT', url: '/v1.41/tar', headers: { 'content-type': 'application/x-tar' }, payload });
  assert.equal(r.statusCode, 404); // PUT is not registered: method matters
  const ok = await app.inject({ method: 'POST', url: '/v1.41/tar', headers: { 'content-type': 'application/x-tar' }, payload });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { bytes: payload.length, sha256: createHash('sha256').update(payload).digest('hex') });
  await app.close();
});

test('/_ping answers OK with Docker\'s headers, HEAD with an empty body', async () => {
  const app = makeApp();
  const get = await app.inject({ url: '/_ping' });
  assert.equal(get.statusCode, 200);
  assert.equal(get.body, 'OK');
  assert.equal(get.headers['api-version'], '1.51');
  assert.equal(get.headers['builder-version'], '1');
  assert.equal(get.headers['cache-control'], 'no-cache, no-store, must-revalidate');
  assert.equal(get.headers['pragma'], 'no-cache');
  const head = await app.inject({ method: 'HEAD', url: '/v1.41/_ping' });
  assert.equal(head.statusCode, 200);
  assert.equal(head.body, '');
  assert.equal(head.headers['api-version'], '1.51');
  await app.close();
});

test('/version and /info are shaped like Docker\'s and use the engine callbacks', async () => {
  const app = makeApp();
  const v = (await app.inject({ url: '/v1.41/version' })).json();
  assert.equal(v.Version, '9.9.9');
  assert.equal(v.ApiVersion, '1.51');
  assert.equal(v.MinAPIVersion, '1.41');
  assert.equal(v.Os, 'linux');
  assert.equal(typeof v.KernelVersion, 'string');
  assert.equal(v.Components[0].Name, 'Engine');
  assert.equal(v.Components[0].Details.ApiVersion, '1.51');
  const info = (await app.inject({ url: '/v1.51/info' })).json();
  assert.equal(info.Containers, 3);
  assert.equal(info.ContainersRunning, 1);
  assert.equal(info.ContainersPaused, 1);
  assert.equal(info.ContainersStopped, 1);
  assert.equal(info.Images, 7);
  assert.equal(info.CgroupDriver, 'cgroupfs');
  assert.ok(info.CgroupVersion === '1' || info.CgroupVersion === '2');
  assert.equal(info.OSType, 'linux');
  assert.equal(info.ServerVersion, '9.9.9');
  assert.equal(info.DockerRootDir, '/tmp/none');
  assert.equal(info.ID, 'test-id');
  assert.ok(info.NCPU >= 1);
  assert.ok(info.MemTotal > 0);
  assert.ok(info.SecurityOptions.includes('name=seccomp,profile=builtin'));
  assert.deepEqual(info.Runtimes, { wharf: { path: 'wharf-exec' } });
  assert.equal(info.DefaultRuntime, 'wharf');
  assert.equal(info.Swarm.LocalNodeState, 'inactive');
  assert.deepEqual(Object.keys(info.ContainerdCommit), ['ID']); // Expected dropped in 1.49
  const old = (await app.inject({ url: '/v1.41/info' })).json();
  assert.deepEqual(Object.keys(old.ContainerdCommit).sort(), ['Expected', 'ID']);
  await app.close();
});
