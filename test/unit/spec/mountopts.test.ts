import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MS_BIND, MS_DIRSYNC, MS_I_VERSION, MS_LAZYTIME, MS_MANDLOCK, MS_NOATIME, MS_NODEV, MS_NODIRATIME, MS_NOEXEC,
  MS_NOSUID, MS_NOSYMFOLLOW, MS_PRIVATE, MS_RDONLY, MS_REC, MS_RELATIME, MS_REMOUNT, MS_SHARED, MS_SILENT, MS_SLAVE,
  MS_STRICTATIME, MS_SYNCHRONOUS, MS_UNBINDABLE, flagNames, isBindMount, parseMountOptions,
} from '../../../src/runtime/spec/mountopts.js';

test('kernel flag values match <sys/mount.h>', () => {
  assert.deepEqual(
    [MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_SYNCHRONOUS, MS_REMOUNT, MS_MANDLOCK, MS_DIRSYNC, MS_NOATIME,
      MS_NODIRATIME, MS_BIND, MS_REC, MS_SILENT, MS_UNBINDABLE, MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_RELATIME,
      MS_I_VERSION, MS_STRICTATIME, MS_LAZYTIME, MS_NOSYMFOLLOW],
    [1, 2, 4, 8, 16, 32, 64, 128, 1024, 2048, 4096, 16384, 32768, 1 << 17, 1 << 18, 1 << 19, 1 << 20, 1 << 21,
      1 << 23, 1 << 24, 1 << 25, 256],
  );
});

const single: [string, number][] = [
  ['ro', MS_RDONLY], ['nosuid', MS_NOSUID], ['nodev', MS_NODEV], ['noexec', MS_NOEXEC], ['sync', MS_SYNCHRONOUS],
  ['remount', MS_REMOUNT], ['mand', MS_MANDLOCK], ['dirsync', MS_DIRSYNC], ['noatime', MS_NOATIME],
  ['nodiratime', MS_NODIRATIME], ['bind', MS_BIND], ['rbind', MS_BIND | MS_REC], ['silent', MS_SILENT],
  ['relatime', MS_RELATIME], ['strictatime', MS_STRICTATIME], ['iversion', MS_I_VERSION], ['lazytime', MS_LAZYTIME],
  ['nosymfollow', MS_NOSYMFOLLOW], ['defaults', 0], ['rw', 0], ['suid', 0], ['dev', 0], ['exec', 0], ['atime', 0],
];

for (const [option, flags] of single) {
  test(`option ${option} -> ${flagNames(flags)}`, () => {
    const parsed = parseMountOptions([option]);
    assert.equal(parsed.flags, flags);
    assert.equal(parsed.data, '');
    assert.deepEqual(parsed.propagation, []);
  });
}

test('clearing options undo earlier ones, in order', () => {
  assert.equal(parseMountOptions(['ro', 'rw']).flags, 0);
  assert.equal(parseMountOptions(['rw', 'ro']).flags, MS_RDONLY);
  assert.equal(parseMountOptions(['nosuid', 'nodev', 'noexec', 'suid', 'exec']).flags, MS_NODEV);
  assert.equal(parseMountOptions(['noatime', 'atime', 'strictatime', 'nostrictatime', 'relatime', 'norelatime']).flags, 0);
  assert.equal(parseMountOptions(['async']).flags, 0);
  assert.equal(parseMountOptions(['sync', 'async']).flags, 0);
});

test('propagation options become separate calls, kept in order', () => {
  const parsed = parseMountOptions(['rbind', 'rprivate', 'ro', 'shared', 'rslave', 'unbindable', 'runbindable', 'slave', 'private', 'rshared']);
  assert.equal(parsed.flags, MS_BIND | MS_REC | MS_RDONLY);
  assert.deepEqual(parsed.propagation, [
    MS_PRIVATE | MS_REC, MS_SHARED, MS_SLAVE | MS_REC, MS_UNBINDABLE, MS_UNBINDABLE | MS_REC, MS_SLAVE, MS_PRIVATE, MS_SHARED | MS_REC,
  ]);
});

test('filesystem options go to data, joined by commas', () => {
  const parsed = parseMountOptions(['nosuid', 'strictatime', 'mode=755', 'size=65536k']);
  assert.equal(parsed.flags, MS_NOSUID | MS_STRICTATIME);
  assert.equal(parsed.data, 'mode=755,size=65536k');
  const devpts = parseMountOptions(['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']);
  assert.equal(devpts.flags, MS_NOSUID | MS_NOEXEC);
  assert.equal(devpts.data, 'newinstance,ptmxmode=0666,mode=0620,gid=5');
});

test('mount_setattr and idmap options are reported, not applied', () => {
  const parsed = parseMountOptions(['rbind', 'rro', 'idmap', 'tmpcopyup', 'ro']);
  assert.deepEqual(parsed.unsupported, ['rro', 'idmap', 'tmpcopyup']);
  assert.equal(parsed.flags, MS_BIND | MS_REC | MS_RDONLY);
  assert.equal(parsed.data, '');
});

test('bind mounts are recognised by option or by type', () => {
  assert.equal(isBindMount('none', MS_BIND), true);
  assert.equal(isBindMount('bind', 0), true);
  assert.equal(isBindMount('rbind', 0), true);
  assert.equal(isBindMount('tmpfs', MS_NOSUID), false);
});
