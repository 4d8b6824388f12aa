import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatUnixNano, parseGoDuration, parseTimestamp } from '../../../src/api/timestamps.js';

const NOW = 1_700_000_000_123_456_789n;
const S = 1_000_000_000n;

test('unix seconds, with or without a fraction', () => {
  assert.equal(parseTimestamp('1700000000', NOW), 1_700_000_000n * S);
  assert.equal(parseTimestamp('1700000000.5', NOW), 1_700_000_000n * S + 500_000_000n);
  assert.equal(parseTimestamp('1700000000.000000001', NOW), 1_700_000_000n * S + 1n);
  assert.equal(parseTimestamp('0', NOW), 0n); // "0" is a timestamp, not a zero duration
});

test('Go durations mean that long before now', () => {
  assert.equal(parseGoDuration('10m'), 600n * S);
  assert.equal(parseGoDuration('1h30m'), 5400n * S);
  assert.equal(parseGoDuration('1.5s'), 1_500_000_000n);
  assert.equal(parseGoDuration('250ms'), 250_000_000n);
  assert.equal(parseGoDuration('-2s'), -2n * S);
  assert.equal(parseGoDuration('10'), undefined);
  assert.equal(parseTimestamp('10m', NOW), NOW - 600n * S);
  assert.equal(parseTimestamp('2s', NOW), NOW - 2n * S);
});

test('RFC 3339 dates with zones, and local time without one', () => {
  assert.equal(parseTimestamp('2023-11-14T22:13:20Z', NOW), 1_700_000_000n * S);
  assert.equal(parseTimestamp('2023-11-14T22:13:20.25Z', NOW), 1_700_000_000n * S + 250_000_000n);
  assert.equal(parseTimestamp('2023-11-15T00:13:20+02:00', NOW), 1_700_000_000n * S);
  assert.equal(parseTimestamp('2023-11-14T17:13:20-05:00', NOW), 1_700_000_000n * S);
  const local = BigInt(new Date(2023, 10, 14, 22, 13).getTime()) * 1_000_000n;
  assert.equal(parseTimestamp('2023-11-14T22:13', NOW), local);
  assert.equal(parseTimestamp('2023-11-14', NOW), BigInt(new Date(2023, 10, 14).getTime()) * 1_000_000n);
});

test('garbage and impossible dates are rejected with a 400-class error', () => {
  for (const bad of ['yesterday', '10x', '2023-13-01', '2023-02-30T00:00:00Z', '']) {
    assert.throws(() => parseTimestamp(bad, NOW), (err: Error & { statusCode?: number }) => err.statusCode === 400, bad);
  }
  assert.throws(() => parseTimestamp('soon', NOW), /failed to parse value as time or duration: "soon"/);
});

test('formatUnixNano prints seconds.nanoseconds', () => {
  assert.equal(formatUnixNano(1_700_000_000n * S + 5n), '1700000000.000000005');
});
