// BackgroundWork: settle() waits for every task, also ones added while it waits; failures do not reject it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackgroundWork } from '../../../src/common/background-work.js';

const later = (ms: number, fn: () => void) => new Promise<void>((resolve) => setTimeout(() => { fn(); resolve(); }, ms));

test('settle waits for tasks added before and during it, and ignores failures', async () => {
  const work = new BackgroundWork();
  const done: string[] = [];
  work.add(later(20, () => done.push('a')));
  work.add(later(5, () => { done.push('b'); work.add(later(20, () => done.push('c'))); }));
  work.add(Promise.reject(new Error('lost deletion')));
  await work.settle();
  assert.deepEqual(done.sort(), ['a', 'b', 'c']);
  await work.settle(); // nothing pending: resolves at once
});
