import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  normalizeCaps, parseDevice, parseExtraHost, parseKeyValueFile, parseRestartPolicy, parseSecurityOpt, parseThrottleBps,
  parseThrottleIops, parseUlimit, validateEnv, validateLabel, validateSysctl,
} from '../../../src/cli/options/values.js';
import { parseMount, splitVolumes } from '../../../src/cli/options/mounts.js';

test('ulimits: name=soft[:hard] with go-units messages', () => {
  assert.deepEqual(parseUlimit('nofile=1024:2048'), { Name: 'nofile', Hard: 2048, Soft: 1024 });
  assert.deepEqual(parseUlimit('nproc=5'), { Name: 'nproc', Hard: 5, Soft: 5 });
  assert.deepEqual(parseUlimit('memlock=-1:-1'), { Name: 'memlock', Hard: -1, Soft: -1 });
  assert.throws(() => parseUlimit('nofile'), { message: 'invalid ulimit argument: nofile' });
  assert.throws(() => parseUlimit('foo=1'), { message: 'invalid ulimit type: foo' });
  assert.throws(() => parseUlimit('nofile=a'), { message: 'strconv.ParseInt: parsing "a": invalid syntax' });
  assert.throws(() => parseUlimit('nofile=20:10'), { message: 'ulimit soft limit must be less than or equal to hard limit: 20 > 10' });
});

test('env files: comments, blank lines, bare names from the environment, whitespace errors', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cli-'));
  try {
    const f = path.join(dir, 'env');
    fs.writeFileSync(f, '\uFEFF# comment\nA=1\n\n   B=two words \nFROM_ENV\nNOT_SET\nC=\n');
    assert.deepEqual(parseKeyValueFile(f, (k) => (k === 'FROM_ENV' ? 'x' : undefined)), ['A=1', 'B=two words ', 'FROM_ENV=x', 'C=']);
    fs.writeFileSync(f, 'BAD KEY=1\n');
    assert.throws(() => parseKeyValueFile(f), { message: "variable 'BAD KEY' contains whitespaces" });
    fs.writeFileSync(f, '=1\n');
    assert.throws(() => parseKeyValueFile(f), { message: "no variable name on line '=1'" });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('-e, -l, --add-host, --sysctl, --restart, --security-opt checks', () => {
  assert.equal(validateEnv('A=1'), 'A=1');
  assert.equal(validateEnv('HOME_X', { HOME_X: '/h' }), 'HOME_X=/h');
  assert.equal(validateEnv('UNSET_X', {}), 'UNSET_X');
  assert.throws(() => validateEnv('=x'), { message: 'invalid environment variable: =x' });
  assert.throws(() => validateLabel('=x'), { message: "invalid label '=x': empty name" });
  assert.equal(parseExtraHost('h=1.2.3.4'), 'h:1.2.3.4');
  assert.equal(parseExtraHost('h:[::1]'), 'h:::1');
  assert.equal(parseExtraHost('gw:host-gateway'), 'gw:host-gateway');
  assert.throws(() => parseExtraHost('foo'), { message: 'bad format for add-host: "foo"' });
  assert.throws(() => parseExtraHost('foo:bar'), { message: 'invalid IP address in add-host: "bar"' });
  assert.equal(validateSysctl('net.ipv4.ip_forward=1'), 'net.ipv4.ip_forward=1');
  assert.throws(() => validateSysctl('foo=1'), { message: "sysctl 'foo=1' is not allowed" });
  assert.deepEqual(parseRestartPolicy('on-failure:3'), { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.throws(() => parseRestartPolicy('on-failure:x'), { message: 'invalid restart policy format: maximum retry count must be an integer' });
  assert.equal(parseSecurityOpt('seccomp=unconfined'), 'seccomp=unconfined');
  assert.throws(() => parseSecurityOpt('foo'), { message: 'Invalid --security-opt: "foo"' });
  assert.throws(() => parseSecurityOpt('seccomp=/nonexist'), { message: 'opening seccomp profile (/nonexist) failed: open /nonexist: no such file or directory' });
  assert.deepEqual(normalizeCaps(['net_admin', 'CAP_SYS_TIME', 'NET_ADMIN']), ['CAP_NET_ADMIN', 'CAP_SYS_TIME']);
  assert.deepEqual(normalizeCaps(['ALL', 'net_admin']), ['ALL']);
});

test('devices and throttles', () => {
  assert.deepEqual(parseDevice('/dev/null:/dev/n:r'), { PathOnHost: '/dev/null', PathInContainer: '/dev/n', CgroupPermissions: 'r' });
  assert.deepEqual(parseDevice('/dev/null:rw'), { PathOnHost: '/dev/null', PathInContainer: '/dev/null', CgroupPermissions: 'rw' });
  assert.throws(() => parseDevice('/dev/null:/dev/n:x'), { message: 'bad mode specified: x' });
  assert.deepEqual(parseThrottleBps('/dev/sda:1mb'), { Path: '/dev/sda', Rate: 1048576 });
  assert.deepEqual(parseThrottleIops('/dev/sda:100'), { Path: '/dev/sda', Rate: 100 });
  assert.throws(() => parseThrottleBps('/dev/sda'), { message: 'bad format: /dev/sda' });
  assert.throws(() => parseThrottleIops('/dev/sda:1m'), /invalid rate for device: \/dev\/sda:1m\. The correct format is <device-path>:<number>\. Number must be a positive integer$/);
});

test('--mount and -v', () => {
  assert.deepEqual(parseMount('type=bind,src=/tmp,dst=/t,readonly'), { Type: 'bind', Source: '/tmp', Target: '/t', ReadOnly: true });
  assert.deepEqual(parseMount('type=volume,dst=/v,volume-opt=a=b'), { Type: 'volume', Target: '/v', VolumeOptions: { DriverConfig: { Options: { a: 'b' } } } });
  assert.deepEqual(parseMount('type=tmpfs,dst=/tm,tmpfs-size=1m,tmpfs-mode=1777'), { Type: 'tmpfs', Target: '/tm', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777 } });
  assert.throws(() => parseMount('type=bind'), { message: 'target is required' });
  assert.throws(() => parseMount('foo'), { message: "invalid field 'foo' must be a key=value pair" });
  assert.throws(() => parseMount('type=bind,dst=/x,volume-nocopy'), { message: "cannot mix 'volume-*' options with mount type 'bind'" });
  const v = splitVolumes(['/anon', 'vol:/data:ro', './rel:/r']);
  assert.deepEqual(v.volumes, { '/anon': {} });
  assert.deepEqual(v.binds, ['vol:/data:ro', `${path.resolve('rel')}:/r`]);
});
