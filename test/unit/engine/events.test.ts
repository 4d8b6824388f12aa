import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus, eventMatches, eventToJson, type EventMessage } from '../../../src/engine/events.js';
import { exactMatch, fuzzyMatch, matchKeyValueList, parseFilters } from '../../../src/engine/filters.js';

test('events are ordered with strictly increasing timeNano and carry legacy fields', () => {
  const bus = new EventBus();
  const evs = Array.from({ length: 50 }, (_, i) => bus.emit('container', 'start', { ID: `c${i}`, Attributes: { image: 'img' } }));
  for (let i = 1; i < evs.length; i++) assert.ok(evs[i].timeNano > evs[i - 1].timeNano);
  assert.equal(evs[0].status, 'start');
  assert.equal(evs[0].id, 'c0');
  assert.equal(evs[0].from, 'img');
  const nowMs = Date.now();
  assert.ok(Math.abs(Number(evs[0].timeNano / 1_000_000n) - nowMs) < 5000);
  const json = JSON.parse(eventToJson(evs[0])) as Record<string, unknown>;
  assert.equal(json.Type, 'container');
  assert.equal(BigInt(eventToJson(evs[0]).match(/"timeNano":(\d+)/)![1]), evs[0].timeNano);
});

test('the ring keeps the newest events only and since/until select from it', () => {
  const bus = new EventBus(10);
  const evs = Array.from({ length: 25 }, (_, i) => bus.emit('image', 'tag', { ID: `i${i}` }));
  const all = bus.subscribe({ since: 0n }, () => {});
  assert.deepEqual(all.buffered.map((e) => e.Actor.ID), evs.slice(15).map((e) => e.Actor.ID));
  all.close();
  const window = bus.subscribe({ since: evs[18].timeNano, until: evs[20].timeNano }, () => {});
  assert.deepEqual(window.buffered.map((e) => e.Actor.ID), ['i18', 'i19', 'i20']);
  window.close();
  // Neither since nor until: live only (Docker's rule).
  const live = bus.subscribe({}, () => {});
  assert.equal(live.buffered.length, 0);
  live.close();
  assert.equal(bus.listenerCount, 0);
});

test('subscribers get matching live events, not after until, and a throwing one does not hurt others', () => {
  const bus = new EventBus();
  const a: EventMessage[] = [];
  const b: EventMessage[] = [];
  bus.subscribe({ filters: parseFilters('{"type":["container"]}') }, (e) => a.push(e));
  bus.subscribe({}, () => { throw new Error('broken subscriber'); });
  const sub = bus.subscribe({}, (e) => b.push(e));
  bus.emit('container', 'create', { ID: 'x' });
  bus.emit('network', 'create', { ID: 'n' });
  assert.deepEqual(a.map((e) => e.Type), ['container']);
  assert.deepEqual(b.map((e) => e.Type), ['container', 'network']);
  sub.close();
  bus.emit('container', 'start', { ID: 'x' });
  assert.equal(b.length, 2);
  const ended: EventMessage[] = [];
  bus.subscribe({ until: 1n }, (e) => ended.push(e));
  bus.emit('container', 'stop', { ID: 'x' });
  assert.equal(ended.length, 0);
});

test('filter parsing accepts both encodings and rejects junk', () => {
  assert.deepEqual([...parseFilters('{"a":["1","2"],"b":{"x":true,"y":false}}')].map(([k, v]) => [k, [...v]]), [['a', ['1', '2']], ['b', ['x']]]);
  assert.equal(parseFilters('').size, 0);
  assert.equal(parseFilters(undefined).size, 0);
  assert.throws(() => parseFilters('[1]'), /invalid filter/);
  assert.throws(() => parseFilters('{"a":[1]}'), /must be strings/);
  assert.throws(() => parseFilters('{"a":'), /invalid filter/);
});

test('exact, fuzzy and key=value matching follow Docker', () => {
  const f = parseFilters('{"name":["web"],"id":["abc"],"label":["a","b=2"]}');
  assert.ok(exactMatch(f, 'name', 'web'));
  assert.ok(!exactMatch(f, 'name', 'webx'));
  assert.ok(exactMatch(f, 'unset', 'anything'));
  assert.ok(fuzzyMatch(f, 'id', 'abcdef'));
  assert.ok(!fuzzyMatch(f, 'id', 'xabc'));
  assert.ok(matchKeyValueList(f, 'label', { a: '', b: '2', c: '3' }));
  assert.ok(!matchKeyValueList(f, 'label', { a: '1', b: '3' }));
  assert.ok(!matchKeyValueList(f, 'label', { b: '2' }));
  const bus = new EventBus();
  const health = bus.emit('container', 'health_status: healthy', { ID: 'c', Attributes: { name: 'n' } });
  assert.ok(eventMatches(health, parseFilters('{"event":["health_status"]}')), 'health_status matches by prefix');
  assert.ok(!eventMatches(health, parseFilters('{"event":["health"]}')));
});
