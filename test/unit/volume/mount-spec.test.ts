// Parsing of -v, --mount, --tmpfs and --volumes-from specifications (Docker's rules and messages).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseApiMount, parseBind, parseMode, parseTmpfs, parseVolumesFrom } from '../../../src/volume/index.js';
import { ociMounts, isUnderMount } from '../../../src/engine/containers/volume-mounts.js';

test('Binds: named volumes, host paths, anonymous, modes', () => {
  assert.deepEqual(parseBind('data:/srv/data'), { Type: 'volume', Source: 'data', Destination: '/srv/data', RW: true, Mode: 'z', Propagation: '', CopyData: true });
  assert.deepEqual(parseBind('data:/d:ro,nocopy'), { Type: 'volume', Source: 'data', Destination: '/d', RW: false, Mode: 'ro,nocopy', Propagation: '', CopyData: false });
  assert.deepEqual(parseBind('/host/dir/:/c/:rshared,Z'), { Type: 'bind', Source: '/host/dir', Destination: '/c', RW: true, Mode: 'rshared,Z', Propagation: 'rshared', CopyData: false });
  assert.equal(parseBind('/h:/c').Propagation, 'rprivate');
  assert.deepEqual(parseBind('/anon'), { Type: 'volume', Source: '', Destination: '/anon', RW: true, Mode: '', Propagation: '', CopyData: true });
});

test('Binds: bad specifications are refused with Docker-like messages', () => {
  assert.throws(() => parseBind('a:b:c:d'), /invalid volume specification: 'a:b:c:d'/);
  assert.throws(() => parseBind('data:rel'), /mount path must be absolute/);
  assert.throws(() => parseBind('/h:/'), /destination can't be '\/'/);
  assert.throws(() => parseBind('bad name:/x'), /includes invalid characters for a local volume name/);
  assert.throws(() => parseBind('/h:/c:ro,rw'), /invalid mode: ro,rw/);
  assert.throws(() => parseBind('/h:/c:shared,slave'), /invalid mode: shared,slave/);
  assert.throws(() => parseBind('/h:/c:bogus'), /invalid mode: bogus/);
  assert.throws(() => parseMode('z,Z'), /invalid mode/);
  for (const e of [() => parseBind(':/x')]) assert.throws(e, /invalid volume specification/);
});

test('Mounts: bind, volume and tmpfs with their options and validation', () => {
  assert.deepEqual(parseApiMount({ Type: 'bind', Source: '/h', Target: '/c', ReadOnly: true, BindOptions: { Propagation: 'rslave' } }),
    { Type: 'bind', Source: '/h', Destination: '/c', RW: false, Mode: '', Propagation: 'rslave', CopyData: false, MustExist: true });
  const v = parseApiMount({ Type: 'volume', Target: '/v', VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs' } } } });
  assert.equal(v.Source, '');
  assert.equal(v.CopyData, false);
  assert.deepEqual(v.VolumeLabels, { a: 'b' });
  assert.deepEqual(v.VolumeDriverOptions, { type: 'tmpfs', device: 'tmpfs' });
  assert.equal(parseApiMount({ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777 } }).TmpfsData, 'size=1048576,mode=1777');
  assert.throws(() => parseApiMount({ Type: 'bind', Target: '/c' }), /invalid mount config for type "bind": field Source must not be empty/);
  assert.throws(() => parseApiMount({ Type: 'bind', Source: 'rel', Target: '/c' }), /mount path must be absolute/);
  assert.throws(() => parseApiMount({ Type: 'volume', Source: 'v', Target: '' }), /field Target must not be empty/);
  assert.throws(() => parseApiMount({ Type: 'volume', Target: '/v', BindOptions: { Propagation: 'rshared' } }), /field BindOptions must not be specified/);
  assert.throws(() => parseApiMount({ Type: 'tmpfs', Source: 'x', Target: '/t' }), /invalid mount config for type "tmpfs": field Source must not be specified/);
  assert.throws(() => parseApiMount({ Type: 'bind', Source: '/h', Target: '/c', BindOptions: { Propagation: 'sideways' } }), /invalid propagation mode: sideways/);
  assert.throws(() => parseApiMount({ Type: 'npipe', Target: '/c' }), /mount type unknown/);
  assert.throws(() => parseApiMount({ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: -1 } }), /invalid tmpfs size/);
});

test('Tmpfs and VolumesFrom', () => {
  assert.deepEqual(parseTmpfs({ '/run': 'rw,exec,size=64m,mode=755' }).map((t) => [t.Destination, t.RW, t.TmpfsData]), [['/run', true, 'rw,exec,size=64m,mode=755']]);
  assert.equal(parseTmpfs({ '/ro': 'ro' })[0]!.RW, false);
  assert.equal(parseTmpfs({ '/t': '' })[0]!.HostTmpfs, true);
  assert.throws(() => parseTmpfs({ '/t': 'size=1m,colour=red' }), /invalid tmpfs mount "\/t": unknown option "colour=red"/);
  assert.throws(() => parseTmpfs({ 'rel': '' }), /mount path must be absolute/);
  assert.deepEqual(parseVolumesFrom('web'), { container: 'web', readOnly: undefined });
  assert.deepEqual(parseVolumesFrom('web:ro'), { container: 'web', readOnly: true });
  assert.deepEqual(parseVolumesFrom('web:rw'), { container: 'web', readOnly: false });
  assert.throws(() => parseVolumesFrom('web:xx'), /invalid mode: xx/);
});

test('mount points become OCI mounts, parents first, with Docker options', () => {
  const mounts = ociMounts([
    { Type: 'bind', Source: '/h', Destination: '/a/b', Mode: 'ro', RW: false, Propagation: 'rslave' },
    { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '', TmpfsData: 'size=1m,exec' },
    { Type: 'volume', Name: 'v', Source: '/vols/v/_data', Destination: '/a', Mode: 'z', RW: true, Propagation: '', Driver: 'local' },
  ]);
  assert.deepEqual(mounts, [
    { destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', 'rprivate', 'size=1m', 'exec'] },
    { destination: '/a', type: 'bind', source: '/vols/v/_data', options: ['rbind'] },
    { destination: '/a/b', type: 'bind', source: '/h', options: ['rbind', 'ro', 'rslave'] },
  ]);
  const mp = [{ Type: 'volume' as const, Source: '/x', Destination: '/data', Mode: '', RW: true, Propagation: '' }];
  assert.equal(isUnderMount(mp, '/data/f'), true);
  assert.equal(isUnderMount(mp, '/data'), false);
  assert.equal(isUnderMount(mp, '/database'), false);
});
