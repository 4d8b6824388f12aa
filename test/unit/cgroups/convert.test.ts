import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharesToWeight, blkioWeightToIoWeight, swapToV2, cpuMax, pidsMax, int, maxOr } from '../../../src/runtime/cgroups/convert.js';

test('cpu shares -> cpu.weight follows runc (1 + (shares-2)*9999/262142)', () => {
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(1024), 39);
  assert.equal(sharesToWeight(512), 20);
  assert.equal(sharesToWeight(262144), 10000);
  assert.equal(sharesToWeight(0), 0, '0 means unset');
});

test('blkio weight -> io.weight maps [10,1000] onto [1,10000]', () => {
  assert.equal(blkioWeightToIoWeight(10), 1);
  assert.equal(blkioWeightToIoWeight(500), 4950);
  assert.equal(blkioWeightToIoWeight(1000), 10000);
  assert.equal(blkioWeightToIoWeight(0), 0);
});

test('OCI memory+swap -> memory.swap.max = swap - limit', () => {
  const M = 1 << 20;
  assert.equal(swapToV2(300 * M, 100 * M), 200 * M);
  assert.equal(swapToV2(100 * M, 100 * M), 0, 'equal values: no swap at all');
  assert.equal(swapToV2(-1, 100 * M), -1, 'unlimited swap');
  assert.equal(swapToV2(undefined, -1), -1, 'unlimited memory without swap: both unlimited');
  assert.equal(swapToV2(undefined, 100 * M), 0, 'unset stays unset');
  assert.throws(() => swapToV2(50 * M, 100 * M), /memory\.swap: must be >= memory\.limit/);
  assert.throws(() => swapToV2(50 * M, undefined), /without memory\.limit/);
});

test('cpu.max, pids.max and number formatting', () => {
  assert.equal(cpuMax(50000, 100000), '50000 100000');
  assert.equal(cpuMax(-1, 100000), 'max 100000');
  assert.equal(cpuMax(25000, undefined), '25000', 'no period: kernel keeps its own');
  assert.equal(cpuMax(undefined, undefined), undefined);
  assert.equal(pidsMax(10), '10');
  assert.equal(pidsMax(0), 'max');
  assert.equal(pidsMax(-1), 'max');
  assert.equal(int(2 ** 62), '4611686018427387904', 'no exponent notation');
  assert.equal(maxOr(-1), 'max');
});
