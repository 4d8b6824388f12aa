import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration, parseGoInt, parseNanoCpus, ramInBytes } from '../../../src/cli/options/go-parse.js';

test('ramInBytes follows go-units RAMInBytes (binary multiples, optional b/ib, space)', () => {
  assert.equal(ramInBytes('200M'), 200 * 1024 * 1024);
  assert.equal(ramInBytes('1g'), 1073741824);
  assert.equal(ramInBytes('1 g'), 1073741824);
  assert.equal(ramInBytes('1gb'), 1073741824);
  assert.equal(ramInBytes('1.5GB'), 1610612736);
  assert.equal(ramInBytes('1kib'), 1024);
  assert.equal(ramInBytes('1KiB'), 1024);
  assert.equal(ramInBytes('1b'), 1);
  assert.equal(ramInBytes('1.g'), 1073741824);
  assert.equal(ramInBytes('1e3'), 1000);
  assert.equal(ramInBytes('64'), 64);
});

test('ramInBytes rejects with go-units messages', () => {
  assert.throws(() => ramInBytes('foo'), { message: "invalid size: 'foo'" });
  assert.throws(() => ramInBytes('-1'), { message: "invalid size: '-1'" });
  assert.throws(() => ramInBytes('1q'), { message: "invalid suffix: 'q'" });
  assert.throws(() => ramInBytes('1Ki'), { message: "invalid suffix: 'ki'" });
  assert.throws(() => ramInBytes('1ib'), { message: "invalid suffix: 'ib'" });
  assert.throws(() => ramInBytes('1.5.5'), { message: 'strconv.ParseFloat: parsing "1.5.5": invalid syntax' });
  assert.throws(() => ramInBytes('0x10'), { message: 'strconv.ParseFloat: parsing "0x10": invalid syntax' });
});

test('parseGoDuration follows time.ParseDuration', () => {
  assert.equal(parseGoDuration('1m30s'), 90e9);
  assert.equal(parseGoDuration('500ms'), 500e6);
  assert.equal(parseGoDuration('1.5h'), 5400e9);
  assert.equal(parseGoDuration('-5s'), -5e9);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('1h2m3s4ms5us6ns'), 3723004005006);
  assert.throws(() => parseGoDuration('5'), { message: 'time: missing unit in duration "5"' });
  assert.throws(() => parseGoDuration('5x'), { message: 'time: unknown unit "x" in duration "5x"' });
  assert.throws(() => parseGoDuration('x'), { message: 'time: invalid duration "x"' });
  assert.throws(() => parseGoDuration(''), { message: 'time: invalid duration ""' });
});

test('parseGoInt is strconv.ParseInt(s, 0, bits) with its errors', () => {
  assert.equal(parseGoInt('42'), 42);
  assert.equal(parseGoInt('-7'), -7);
  assert.equal(parseGoInt('0x10'), 16);
  assert.equal(parseGoInt('010'), 8);
  assert.throws(() => parseGoInt('x'), { message: 'strconv.ParseInt: parsing "x": invalid syntax' });
  assert.throws(() => parseGoInt('70000', 16, true), { message: 'strconv.ParseUint: parsing "70000": value out of range' });
  assert.throws(() => parseGoInt('-1', 16, true), { message: 'strconv.ParseUint: parsing "-1": invalid syntax' });
});

test('parseNanoCpus: exact decimals and fractions, "too precise" below a nanocpu', () => {
  assert.equal(parseNanoCpus('1.5'), 1_500_000_000);
  assert.equal(parseNanoCpus('0.000000001'), 1);
  assert.equal(parseNanoCpus('2'), 2_000_000_000);
  assert.equal(parseNanoCpus('1/4'), 250_000_000);
  assert.equal(parseNanoCpus('.5'), 500_000_000);
  assert.throws(() => parseNanoCpus('0.0000000001'), { message: 'value is too precise' });
  assert.throws(() => parseNanoCpus('abc'), { message: 'failed to parse abc as a rational number' });
});
