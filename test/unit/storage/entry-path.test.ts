import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanEntryPath } from '../../../src/storage/extractor.js';

test('entry names are cleaned lexically inside the layer root', () => {
  assert.deepEqual(cleanEntryPath('./a/b/'), ['a', 'b']);
  assert.deepEqual(cleanEntryPath('a//./b'), ['a', 'b']);
  assert.deepEqual(cleanEntryPath('a/../b'), ['b']);
  assert.deepEqual(cleanEntryPath('./'), []);
});

test('absolute names and .. leaving the root are refused with the entry named', () => {
  assert.throws(() => cleanEntryPath('/etc/passwd'), /layer entry "\/etc\/passwd": absolute path not allowed/);
  assert.throws(() => cleanEntryPath('../x'), /layer entry "..\/x": path escapes the layer root/);
  assert.throws(() => cleanEntryPath('a/../../x'), /path escapes the layer root/);
});
