// wharfd flags + daemon.json merging, host parsing and pid-file locking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mergeConfig, readConfigFile } from '../../../src/daemon/config.js';
import { parseFlags } from '../../../src/daemon/flags.js';
import { parseHost } from '../../../src/daemon/hosts.js';
import { acquirePidFile, PidFileInUseError } from '../../../src/daemon/pidfile.js';

function withTemp<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cfg-'));
  try { return fn(dir); } finally { fs.rmSync(dir, { recursive: true, force: true }); }
}

test('defaults: unix socket, /var/lib/wharf, pid file under the exec root', () => {
  const c = mergeConfig(parseFlags([]).directives, {});
  assert.deepEqual(c.hosts, [{ proto: 'unix', path: '/run/wharf/wharf.sock' }]);
  assert.equal(c.dataRoot, '/var/lib/wharf');
  assert.equal(c.execRoot, '/run/wharf');
  assert.equal(c.pidfile, '/run/wharf/wharfd.pid');
  assert.equal(c.logLevel, 'info');
  assert.equal(c.group, 'wharf');
  assert.equal(c.groupExplicit, false);
  assert.equal(parseFlags([]).configFile, '/etc/wharf/daemon.json');
  const e = mergeConfig(parseFlags(['--exec-root', '/tmp/x']).directives, {});
  assert.equal(e.pidfile, '/tmp/x/wharfd.pid');
});

test('flags only count when given; repeatable ones collect', () => {
  const f = parseFlags(['-H', 'unix:///a.sock', '--host', 'unix:///b.sock', '--log-opt', 'max-size=10m', '--log-opt', 'max-file=3',
    '--default-ulimit', 'nofile=1024:2048', '-D', '--label', 'a=b']);
  assert.deepEqual(Object.keys(f.directives).sort(), ['debug', 'default-ulimits', 'hosts', 'labels', 'log-opts']);
  const c = mergeConfig(f.directives, {});
  assert.deepEqual(c.hosts.map((h) => h.proto === 'unix' && h.path), ['/a.sock', '/b.sock']);
  assert.deepEqual(c.logOpts, { 'max-size': '10m', 'max-file': '3' });
  assert.deepEqual(c.defaultUlimits, [{ Name: 'nofile', Soft: 1024, Hard: 2048 }]);
  assert.equal(c.logLevel, 'debug'); // -D implies debug logging
  assert.deepEqual(c.labels, ['a=b']);
});

test('a directive set both as a flag and in the file is Docker\'s error', () => {
  const flags = parseFlags(['-H', 'unix:///x.sock', '--data-root', '/d', '--debug']).directives;
  assert.throws(() => mergeConfig(flags, { hosts: ['unix:///y.sock'], 'data-root': '/e', 'log-level': 'warn' }), {
    message: 'the following directives are specified both as a flag and in the configuration file: hosts: (from flag: [unix:///x.sock], from file: [unix:///y.sock]), data-root: (from flag: /d, from file: /e)',
  });
  // Different directives combine.
  const ok = mergeConfig(parseFlags(['--data-root', '/d']).directives, { 'exec-root': '/e', debug: true });
  assert.equal(ok.dataRoot, '/d');
  assert.equal(ok.execRoot, '/e');
  assert.equal(ok.debug, true);
});

test('daemon.json: unknown keys, wrong types, bad JSON, missing files', () => {
  withTemp((dir) => {
    const file = path.join(dir, 'daemon.json');
    fs.writeFileSync(file, '{"debug": true, "bogus": 1, "no-such-directive": []}');
    assert.throws(() => readConfigFile(file, true), { message: "the following directives don't match any configuration option: bogus, no-such-directive" });
    fs.writeFileSync(file, '{"debug": "yes"}');
    assert.throws(() => readConfigFile(file, true), /invalid value for "debug" in .*daemon.json: expected true or false, got "yes"/);
    fs.writeFileSync(file, '{"hosts": "unix:///x"}');
    assert.throws(() => readConfigFile(file, true), /invalid value for "hosts".*a list of strings/);
    fs.writeFileSync(file, '{"default-ulimits": {"nofile": {"Name": "nofile", "Soft": 10, "Hard": 5}}}');
    assert.throws(() => readConfigFile(file, true), /soft limit must be less than or equal to hard limit/);
    fs.writeFileSync(file, '{"debug": tru');
    assert.throws(() => readConfigFile(file, true), /unable to configure the daemon with file .*daemon.json: invalid JSON/);
    fs.writeFileSync(file, '{"log-opts": {"max-size": "1m"}, "default-ulimits": {"nofile": {"Name": "nofile", "Soft": 5, "Hard": 10}}}');
    const c = mergeConfig({}, readConfigFile(file, true));
    assert.deepEqual(c.logOpts, { 'max-size': '1m' });
    assert.deepEqual(c.defaultUlimits, [{ Name: 'nofile', Soft: 5, Hard: 10 }]);
    const missing = path.join(dir, 'none.json');
    assert.deepEqual(readConfigFile(missing, false), {});
    assert.throws(() => readConfigFile(missing, true), /unable to configure the daemon with file .*none.json: ENOENT/);
  });
});

test('log level and TLS settings are validated', () => {
  assert.throws(() => mergeConfig({ 'log-level': 'loud' }, {}), { message: 'unable to parse logging level: loud' });
  assert.equal(mergeConfig({ 'log-level': 'warning' }, {}).logLevel, 'warn');
  assert.throws(() => mergeConfig({ hosts: ['tcp://127.0.0.1:2375'] }, {}), /refusing to listen on tcp:\/\/127.0.0.1:2375: TCP requires TLS with client certificate verification/);
  assert.throws(() => mergeConfig({ hosts: ['tcp://127.0.0.1'], tls: true }, {}), /refusing to listen on tcp:\/\/127.0.0.1:2376/);
  assert.throws(() => mergeConfig({ tlsverify: true, tlscert: '/c' }, {}), { message: '--tlsverify requires --tlscacert, --tlskey' });
  assert.throws(() => mergeConfig({ tlsverify: true, tlscacert: '/no/ca', tlscert: '/no/c', tlskey: '/no/k' }, {}), /--tlscacert: cannot read \/no\/ca: ENOENT/);
  withTemp((dir) => {
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(dir, f), 'x');
    const c = mergeConfig({ hosts: ['tcp://127.0.0.1:0'] }, { tlsverify: true, tlscacert: `${dir}/ca.pem`, tlscert: `${dir}/cert.pem`, tlskey: `${dir}/key.pem` });
    assert.deepEqual(c.tls, { caCert: `${dir}/ca.pem`, cert: `${dir}/cert.pem`, key: `${dir}/key.pem` });
    assert.deepEqual(c.hosts, [{ proto: 'tcp', host: '127.0.0.1', port: 0 }]);
  });
});

test('host addresses parse like dockerd\'s', () => {
  assert.deepEqual(parseHost('unix:///run/x.sock', false), { proto: 'unix', path: '/run/x.sock' });
  assert.deepEqual(parseHost('unix://', false), { proto: 'unix', path: '/run/wharf/wharf.sock' });
  assert.deepEqual(parseHost('tcp://0.0.0.0:2376', true), { proto: 'tcp', host: '0.0.0.0', port: 2376 });
  assert.deepEqual(parseHost('tcp://:1234', true), { proto: 'tcp', host: '0.0.0.0', port: 1234 });
  assert.deepEqual(parseHost('tcp://[::1]:99', true), { proto: 'tcp', host: '::1', port: 99 });
  assert.deepEqual(parseHost('tcp://host', false), { proto: 'tcp', host: 'host', port: 2375 });
  assert.throws(() => parseHost('fd://', false), /socket activation/);
  assert.throws(() => parseHost('unix://rel.sock', false), /must be absolute/);
  assert.throws(() => parseHost('tcp://h:99999', true), /invalid port/);
  assert.throws(() => parseHost('/var/run/x.sock', false), /expected unix:\/\/\/path/);
});

test('pid files: exclusive while held, stale ones taken over, released only by the owner', () => {
  withTemp((dir) => {
    const file = path.join(dir, 'sub', 'wharfd.pid');
    const release = acquirePidFile(file);
    assert.equal(fs.readFileSync(file, 'utf8'), `${process.pid}\n`);
    assert.throws(() => acquirePidFile(file), PidFileInUseError); // held in this process
    release();
    assert.equal(fs.existsSync(file), false);

    // A live foreign process (init): refused, file untouched.
    fs.writeFileSync(file, '1\n');
    assert.throws(() => acquirePidFile(file), (e: Error) => e instanceof PidFileInUseError && /process 1 is alive/.test(e.message));
    assert.equal(fs.readFileSync(file, 'utf8'), '1\n');

    // A dead process: taken over.
    const dead = spawnSync('true');
    fs.writeFileSync(file, `${dead.pid}\n`);
    const release2 = acquirePidFile(file);
    assert.equal(fs.readFileSync(file, 'utf8'), `${process.pid}\n`);
    // Someone else's pid in the file at release: left alone.
    fs.writeFileSync(file, '1\n');
    release2();
    assert.equal(fs.readFileSync(file, 'utf8'), '1\n');
    // Garbage content counts as stale.
    fs.writeFileSync(file, 'garbage');
    acquirePidFile(file)();
    assert.deepEqual(fs.readdirSync(path.dirname(file)), []); // no temp files left
  });
});
