import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeCgroupPath, containerCgroupPath } from '../../../src/runtime/cgroups/paths.js';

test('cgroup paths are normalized below the hierarchy root', () => {
  assert.equal(normalizeCgroupPath('/wharf/abc'), 'wharf/abc');
  assert.equal(normalizeCgroupPath('wharf//abc/'), 'wharf/abc');
  assert.equal(normalizeCgroupPath('./a/./b'), 'a/b');
  assert.equal(containerCgroupPath('abc123'), 'wharf/abc123');
  assert.equal(containerCgroupPath('abc', '/my/parent/'), 'my/parent/abc');
});

test('paths that escape the root or are not cgroupfs paths are refused, naming the field', () => {
  assert.throws(() => normalizeCgroupPath('wharf/../../etc'), /cgroupsPath: "\.\." is not allowed/);
  assert.throws(() => normalizeCgroupPath('/'), /names the root cgroup/);
  assert.throws(() => normalizeCgroupPath(''), /cgroupsPath: must be a non-empty path/);
  assert.throws(() => normalizeCgroupPath('system.slice:docker:abc'), /systemd/);
  assert.throws(() => containerCgroupPath('../x'), /container id: invalid cgroup name/);
  assert.throws(() => containerCgroupPath('a/b'), /invalid cgroup name/);
});
