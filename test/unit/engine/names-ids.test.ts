import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AmbiguousPrefixError, findByPrefix, isFullId, newId, shortId } from '../../../src/engine/ids.js';
import { generateUniqueName, NAME_WORDS, normalizeContainerName, randomName } from '../../../src/engine/names.js';

test('generated names are adjective_surname from the lists, with a digit on retries', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 500; i++) {
    const n = randomName();
    const [adj, surname, ...rest] = n.split('_');
    assert.equal(rest.length, 0, n);
    assert.ok(NAME_WORDS.adjectives.includes(adj), n);
    assert.ok(NAME_WORDS.surnames.includes(surname), n);
    assert.notEqual(n, 'boring_wozniak');
    seen.add(n);
  }
  assert.ok(seen.size > 400, `only ${seen.size} distinct names in 500`);
  assert.match(randomName(1), /^[a-z]+_[a-z]+[0-9]$/);
  assert.ok(NAME_WORDS.adjectives.length >= 100 && NAME_WORDS.surnames.length >= 200);
  // Generated names are always valid user names too.
  for (let i = 0; i < 50; i++) normalizeContainerName(randomName(i % 3));
});

test('generateUniqueName avoids taken names and gives up loudly', () => {
  const taken = new Set<string>();
  for (let i = 0; i < 200; i++) taken.add(generateUniqueName((n) => taken.has(n)));
  assert.equal(taken.size, 200);
  assert.throws(() => generateUniqueName(() => true), /could not generate a unique container name/);
});

test('user names follow Docker\'s pattern; a leading slash is dropped', () => {
  assert.equal(normalizeContainerName('/web-1'), 'web-1');
  assert.equal(normalizeContainerName('my_app.v2'), 'my_app.v2');
  for (const bad of ['a', '-x', '_x', '.x', 'a b', 'a/b', '', '/', 'héllo']) {
    assert.throws(() => normalizeContainerName(bad), (err: Error & { statusCode?: number }) =>
      err.statusCode === 400 && err.message === `Invalid container name (${bad}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, bad);
  }
});

test('IDs are 64 hex chars with a non-numeric short form', () => {
  const ids = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const id = newId();
    assert.ok(isFullId(id), id);
    assert.doesNotMatch(shortId(id), /^[0-9]{12}$/);
    ids.add(id);
  }
  assert.equal(ids.size, 1000);
  assert.equal(isFullId('A'.repeat(64)), false);
  assert.equal(isFullId('a'.repeat(63)), false);
});

test('prefix lookup: exact key, unique prefix, none, ambiguous', () => {
  const m = new Map([['abc123', 1], ['abd456', 2], ['ff', 3], ['ffee', 4]]);
  assert.equal(findByPrefix(m, 'abc'), 1);
  assert.equal(findByPrefix(m, 'abd456'), 2);
  assert.equal(findByPrefix(m, 'ff'), 3); // an exact key wins over being a prefix of another
  assert.equal(findByPrefix(m, 'zz'), undefined);
  assert.equal(findByPrefix(m, ''), undefined);
  assert.throws(() => findByPrefix(m, 'ab'), (err: Error & { statusCode?: number }) =>
    err instanceof AmbiguousPrefixError && err.statusCode === 400 && err.message === 'multiple IDs found with provided prefix: ab');
});
