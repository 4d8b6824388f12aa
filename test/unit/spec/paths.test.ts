import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { realHost } from '../../../src/runtime/spec/host.js';
import { parseMountInfo, mountOf, mountFlags } from '../../../src/runtime/spec/mountinfo.js';
import { MS_NODEV, MS_NOSUID, MS_RDONLY, MS_RELATIME } from '../../../src/runtime/spec/mountopts.js';
import { isWithin, resolveInRoot } from '../../../src/runtime/spec/paths.js';
import { SpecError } from '../../../src/runtime/spec/errors.js';
import { MOUNTINFO_V1 } from './helpers.js';

test('resolveInRoot follows symlinks but never leaves the root', () => {
  const root = mkdtempSync(join(tmpdir(), 'wharf-paths-'));
  try {
    mkdirSync(join(root, 'a/b'), { recursive: true });
    symlinkSync('/', join(root, 'a/up'));
    symlinkSync('../../../../../../etc/shadow', join(root, 'a/rel'));
    symlinkSync('b', join(root, 'a/sib'));
    symlinkSync('loop2', join(root, 'loop1'));
    symlinkSync('loop1', join(root, 'loop2'));
    assert.equal(resolveInRoot(root, '/a/up/etc', realHost), '/etc');
    assert.equal(resolveInRoot(root, '/a/rel', realHost), '/etc/shadow');
    assert.equal(resolveInRoot(root, '/a/sib/c', realHost), '/a/b/c');
    assert.equal(resolveInRoot(root, '/../../x/./y/', realHost), '/x/y');
    assert.equal(resolveInRoot(root, '/a/sib/c', realHost, (p) => isWithin(p, '/a')), '/a/sib/c', 'opaque paths are literal');
    assert.throws(() => resolveInRoot(root, '/loop1/x', realHost), (e: unknown) => e instanceof SpecError && /too many levels/.test(e.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('isWithin compares whole components', () => {
  assert.equal(isWithin('/proc/sys', '/proc'), true);
  assert.equal(isWithin('/proc', '/proc'), true);
  assert.equal(isWithin('/process', '/proc'), false);
  assert.equal(isWithin('/anything', '/'), true);
});

test('mountinfo: escaped mount points, per-mount flags, longest prefix wins', () => {
  const mounts = parseMountInfo(MOUNTINFO_V1);
  const ro = mountOf('/srv/ro data/x/y', mounts);
  assert.equal(ro?.mountPoint, '/srv/ro data');
  assert.equal(mountFlags(ro!), MS_RDONLY | MS_NOSUID | MS_NODEV | MS_RELATIME);
  assert.equal(mountOf('/srv/other', mounts)?.mountPoint, '/');
  assert.equal(mountOf('/sys/fs/cgroup/memory/wharf', mounts)?.fstype, 'cgroup');
  assert.deepEqual(mountOf('/sys/fs/cgroup/systemd', mounts)?.superOptions, ['rw', 'xattr', 'name=systemd']);
});
