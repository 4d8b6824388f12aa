// GET /events over a real socket: buffered replay, filters, live streaming, until, disconnect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { systemRoutes } from '../../../src/api/routes/system.js';
import { formatUnixNano } from '../../../src/api/timestamps.js';
import { nowNano } from '../../../src/engine/events.js';
import { get, serve } from './serve.js';
import { testEngine } from './test-engine.js';

const q = (params: Record<string, string | object>): string =>
  '/v1.41/events?' + new URLSearchParams(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString();

const lines = (body: string): Record<string, unknown>[] => body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

test('past events are replayed with Docker\'s fields and filters, then the stream ends', async () => {
  const engine = testEngine();
  const s = await serve(engine, [systemRoutes(engine)]);
  try {
    const t0 = nowNano();
    const bus = engine.events;
    const start = bus.emit('container', 'start', { ID: 'c1'.padEnd(64, 'a'), Attributes: { name: 'web', image: 'busybox:latest', tier: 'front' } });
    bus.emit('image', 'pull', { ID: 'busybox:latest', Attributes: { name: 'busybox' } });
    bus.emit('container', 'die', { ID: 'c2'.padEnd(64, 'b'), Attributes: { name: 'db', image: 'alpine', exitCode: '0' } });
    bus.emit('network', 'create', { ID: 'n1', Attributes: { name: 'br0', type: 'bridge' } });
    const until = formatUnixNano(nowNano());
    const since = formatUnixNano(t0);

    const all = await get(s.socketPath, q({ since, until }));
    assert.equal(all.status, 200);
    assert.equal(all.headers['content-type'], 'application/json');
    const evs = lines(all.body);
    assert.deepEqual(evs.map((e) => `${e.Type}/${e.Action}`), ['container/start', 'image/pull', 'container/die', 'network/create']);
    const first = evs[0];
    assert.equal(first.status, 'start');
    assert.equal(first.id, start.Actor.ID);
    assert.equal(first.from, 'busybox:latest');
    assert.equal(first.scope, 'local');
    assert.deepEqual(first.Actor, { ID: start.Actor.ID, Attributes: { name: 'web', image: 'busybox:latest', tier: 'front' } });
    assert.ok(all.body.includes(`"timeNano":${start.timeNano}`), 'timeNano is written exactly');
    assert.equal(first.time, Number(start.timeNano / 1_000_000_000n));
    assert.equal(evs[1].status, 'pull');
    assert.equal(evs[1].from, undefined);
    assert.equal(evs[3].status, undefined); // legacy fields only for containers and images

    const pick = async (filters: object): Promise<string[]> =>
      lines((await get(s.socketPath, q({ since, until, filters }))).body).map((e) => `${e.Type}/${e.Action}`);
    assert.deepEqual(await pick({ type: ['container'] }), ['container/start', 'container/die']);
    assert.deepEqual(await pick({ container: ['db'] }), ['container/die']);
    assert.deepEqual(await pick({ container: ['c1'] }), ['container/start']); // ID prefix
    assert.deepEqual(await pick({ event: ['die', 'create'] }), ['container/die', 'network/create']);
    assert.deepEqual(await pick({ label: ['tier=front'] }), ['container/start']);
    assert.deepEqual(await pick({ label: ['tier=back'] }), []);
    assert.deepEqual(await pick({ image: ['busybox'] }), ['container/start', 'image/pull']);
    assert.deepEqual(await pick({ type: { container: true } }), ['container/start', 'container/die']); // legacy encoding
    assert.deepEqual(await pick({ type: ['container'], event: ['start'] }), ['container/start']);

    // since after the first event skips it; until before the last one cuts it.
    const mid = formatUnixNano(start.timeNano + 1n);
    assert.equal(lines((await get(s.socketPath, q({ since: mid, until }))).body).length, 3);
  } finally {
    await s.close();
  }
});

test('bad since/until/filters are 400s with a message', async () => {
  const engine = testEngine();
  const s = await serve(engine, [systemRoutes(engine)]);
  try {
    const r = await get(s.socketPath, q({ since: '200', until: '100' }));
    assert.equal(r.status, 400);
    assert.deepEqual(JSON.parse(r.body), { message: '`since` time (200) cannot be after `until` time (100)' });
    const bad = await get(s.socketPath, q({ since: 'tomorrow' }));
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).message, /failed to parse value as time or duration/);
    const f = await get(s.socketPath, '/events?filters=%7Bnope');
    assert.equal(f.status, 400);
    assert.match(JSON.parse(f.body).message, /invalid filter/);
  } finally {
    await s.close();
  }
});

test('live events stream until `until`, and a disconnect unsubscribes', async () => {
  const engine = testEngine();
  const bus = engine.events;
  const s = await serve(engine, [systemRoutes(engine)]);
  try {
    // until 400 ms ahead: the stream must end by itself, carrying what was emitted meanwhile.
    const untilNs = nowNano() + 400_000_000n;
    const started = Date.now();
    const pending = get(s.socketPath, q({ until: formatUnixNano(untilNs), filters: { type: ['container'] } }));
    const deadline = Date.now() + 5000;
    while (bus.listenerCount === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    bus.emit('image', 'tag', { ID: 'x' });
    bus.emit('container', 'create', { ID: 'live1', Attributes: { name: 'n' } });
    const r = await pending;
    const took = Date.now() - started;
    assert.deepEqual(lines(r.body).map((e) => e.Actor && (e.Actor as { ID: string }).ID), ['live1']);
    assert.ok(took >= 300 && took < 3000, `stream ended after ${took} ms`);
    assert.equal(bus.listenerCount, 0);

    // Without until: headers arrive at once (before any event), events flow, disconnect unsubscribes.
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ socketPath: s.socketPath, path: '/events' }, (res) => {
        assert.equal(res.statusCode, 200);
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          got.push(...chunk.split('\n').filter(Boolean));
          if (got.length === 2) { req.destroy(); resolve(); }
        });
        bus.emit('container', 'start', { ID: 'a' });
        bus.emit('volume', 'create', { ID: 'v' });
      });
      req.on('error', (err) => { if (got.length < 2) reject(err); });
    });
    assert.deepEqual(got.map((l) => (JSON.parse(l) as { Type: string }).Type), ['container', 'volume']);
    const until2 = Date.now() + 5000;
    while (bus.listenerCount > 0 && Date.now() < until2) await new Promise((r) => setTimeout(r, 5));
    assert.equal(bus.listenerCount, 0);
  } finally {
    await s.close();
  }
});
