// Healthcheck configuration (defaults, validation) and Docker's state machine for probe results.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectiveHealthcheck, goDuration, validateHealthcheck } from '../../../src/engine/health/config.js';
import { applyResult, MAX_LOG_ENTRIES } from '../../../src/engine/health/monitor.js';
import type { HealthState } from '../../../src/engine/health/types.js';

test('effectiveHealthcheck: CMD, CMD-SHELL, NONE and Docker defaults', () => {
  assert.equal(effectiveHealthcheck(undefined), null);
  assert.equal(effectiveHealthcheck({ Test: ['NONE'] }), null);
  assert.equal(effectiveHealthcheck({ Test: [] }), null);
  assert.deepEqual(effectiveHealthcheck({ Test: ['CMD', 'true', 'x'] }), { cmd: ['true', 'x'], intervalMs: 30000, timeoutMs: 30000, retries: 3, startPeriodMs: 0 });
  assert.deepEqual(effectiveHealthcheck({ Test: ['CMD-SHELL', 'exit 1'], Interval: 200e6, Timeout: 1e9, Retries: 5, StartPeriod: 2e9 }),
    { cmd: ['/bin/sh', '-c', 'exit 1'], intervalMs: 200, timeoutMs: 1000, retries: 5, startPeriodMs: 2000 });
});

test('validateHealthcheck: Docker messages for too-short durations, negative retries, unknown types', () => {
  assert.throws(() => validateHealthcheck({ Test: ['CMD', 'true'], Interval: 500e3 }), /Interval in Healthcheck cannot be less than 1ms/);
  assert.throws(() => validateHealthcheck({ Test: ['CMD', 'true'], Timeout: 1 }), /Timeout in Healthcheck cannot be less than 1ms/);
  assert.throws(() => validateHealthcheck({ Test: ['CMD', 'true'], StartPeriod: 10 }), /StartPeriod/);
  assert.throws(() => validateHealthcheck({ Test: ['CMD', 'true'], Retries: -1 }), /Retries in Healthcheck cannot be negative/);
  assert.throws(() => validateHealthcheck({ Test: ['SHELL', 'true'] }), /unknown Healthcheck type/);
  validateHealthcheck({ Test: ['NONE'] });
  validateHealthcheck({ Test: ['CMD', 'true'], Interval: 0, Timeout: 1e6 });
});

test('goDuration matches Go durations used in the timeout message', () => {
  assert.deepEqual([goDuration(100), goDuration(30000), goDuration(90000), goDuration(1500)], ['100ms', '30s', '1m30s', '1.5s']);
});

test('applyResult: healthy resets the streak, failures count after the start period, log keeps the last five', () => {
  const hc = { cmd: ['x'], intervalMs: 10, timeoutMs: 10, retries: 2, startPeriodMs: 1000 };
  const startedAt = '2024-01-01T00:00:00.000Z';
  const at = (ms: number, code: number) => ({ Start: new Date(Date.parse(startedAt) + ms).toISOString(), End: new Date(Date.parse(startedAt) + ms + 1).toISOString(), ExitCode: code, Output: '' });
  const h: HealthState = { Status: 'starting', FailingStreak: 0, Log: [] };
  assert.equal(applyResult(h, hc, at(100, 1), startedAt), 'starting'); // within the start period
  assert.equal(h.FailingStreak, 0);
  assert.equal(applyResult(h, hc, at(1100, 1), startedAt), 'starting');
  assert.equal(applyResult(h, hc, at(1200, 1), startedAt), 'unhealthy');
  assert.equal(h.FailingStreak, 2);
  assert.equal(applyResult(h, hc, at(1300, 0), startedAt), 'healthy');
  assert.equal(h.FailingStreak, 0);
  assert.equal(applyResult(h, hc, at(1400, 1), startedAt), 'healthy'); // one failure: still healthy
  assert.equal(applyResult(h, hc, at(1500, -1), startedAt), 'unhealthy');
  for (let i = 0; i < 5; i++) applyResult(h, hc, at(2000 + i, 0), startedAt);
  assert.equal(h.Log.length, MAX_LOG_ENTRIES);
  assert.equal(h.Log.at(-1)!.Start, at(2004, 0).Start);
});
