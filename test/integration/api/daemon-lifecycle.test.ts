// wharfd process lifecycle: locking, stale state after kill -9, clean shutdown, refused configs, TLS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { lookupGroup } from '../../../src/api/server.js';
import { makeTempDir, ping, runWharfdToExit, startWharfd } from '../../helpers/wharfd.js';

const run = promisify(execFile);

test('SIGTERM stops cleanly: socket, pid file and lock are removed', async () => {
  const dir = makeTempDir();
  try {
    const d = await startWharfd({ dir });
    const pidfile = path.join(d.execRoot, 'wharfd.pid');
    const lock = path.join(d.dataRoot, 'wharfd.lock');
    assert.equal(fs.readFileSync(pidfile, 'utf8').trim(), String(d.pid));
    assert.equal(fs.readFileSync(lock, 'utf8').trim(), String(d.pid));
    assert.match(d.logs(), /daemon started/);
    const result = await d.stop('SIGTERM');
    assert.equal(result.code, 0);
    assert.match(d.logs(), /daemon stopped/);
    for (const f of [pidfile, lock, d.socket]) assert.equal(fs.existsSync(f), false, `${f} removed`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('after kill -9, a restart takes over the stale pid file, lock and socket', async () => {
  const dir = makeTempDir();
  try {
    const first = await startWharfd({ dir });
    process.kill(first.pid, 'SIGKILL');
    await first.stop(); // waits for exit; dir is ours, so it stays
    assert.ok(fs.existsSync(path.join(dir, 'exec', 'wharfd.pid')), 'kill -9 leaves the pid file');
    assert.ok(fs.existsSync(path.join(dir, 'wharf.sock')), 'kill -9 leaves the socket');
    const second = await startWharfd({ dir });
    try {
      assert.equal(fs.readFileSync(path.join(dir, 'exec', 'wharfd.pid'), 'utf8').trim(), String(second.pid));
      assert.equal(fs.readFileSync(path.join(dir, 'root', 'wharfd.lock'), 'utf8').trim(), String(second.pid));
      assert.equal(await ping(second.socket), true);
    } finally {
      await second.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a second daemon on the same data root (or pid file) refuses to start', async () => {
  const d = await startWharfd();
  const other = makeTempDir();
  try {
    const sameRoot = await runWharfdToExit({
      dir: other, defaultPaths: false,
      args: ['-H', `unix://${other}/x.sock`, '--data-root', d.dataRoot, '--exec-root', `${other}/exec`],
    });
    assert.equal(sameRoot.code, 1);
    assert.match(sameRoot.output, new RegExp(`failed to start daemon: data root ${d.dataRoot} is in use by another wharfd \\(pid ${d.pid}\\)`));
    assert.equal(fs.existsSync(`${other}/x.sock`), false);

    const samePid = await runWharfdToExit({
      dir: other, defaultPaths: false,
      args: ['-H', `unix://${other}/y.sock`, '--data-root', `${other}/root`, '--exec-root', d.execRoot],
    });
    assert.equal(samePid.code, 1);
    assert.match(samePid.output, /pid file found, ensure wharfd is not running or delete .*wharfd\.pid/);
    assert.equal(fs.existsSync(`${other}/root/wharfd.lock`), false, 'the refused daemon released its data-root lock');
    assert.equal(await ping(d.socket), true, 'the first daemon is unaffected');
  } finally {
    fs.rmSync(other, { recursive: true, force: true });
    await d.stop();
  }
});

test('a socket path served by another process is left alone', async () => {
  const dir = makeTempDir();
  const sock = path.join(dir, 'wharf.sock');
  const squatter = net.createServer((c) => c.end());
  await new Promise<void>((r) => squatter.listen(sock, r));
  try {
    const r = await runWharfdToExit({ dir });
    assert.equal(r.code, 1);
    assert.match(r.output, /address already in use/);
    assert.ok(fs.existsSync(sock));
    assert.equal(fs.existsSync(path.join(dir, 'root', 'wharfd.lock')), false);
  } finally {
    await new Promise((r) => squatter.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('tcp without TLS client verification, and flag/file conflicts, are refused with clear errors', async () => {
  const tcp = await runWharfdToExit({ args: ['-H', 'tcp://127.0.0.1:2375'] });
  assert.equal(tcp.code, 1);
  assert.match(tcp.output, /wharfd: refusing to listen on tcp:\/\/127\.0\.0\.1:2375: TCP requires TLS with client certificate verification/);
  const tlsOnly = await runWharfdToExit({ args: ['-H', 'tcp://127.0.0.1:2376', '--tls'] });
  assert.equal(tlsOnly.code, 1);
  assert.match(tlsOnly.output, /refusing to listen on tcp:/);
  const conflict = await runWharfdToExit({ daemonJson: { 'data-root': '/nonexistent/x' } });
  assert.equal(conflict.code, 1);
  assert.match(conflict.output, /the following directives are specified both as a flag and in the configuration file: data-root: \(from flag: .*\/root, from file: \/nonexistent\/x\)/);
  const unknown = await runWharfdToExit({ daemonJson: { 'no-such-option': true } });
  assert.equal(unknown.code, 1);
  assert.match(unknown.output, /the following directives don't match any configuration option: no-such-option/);
  const badFlag = await runWharfdToExit({ args: ['--no-such-flag'] });
  assert.equal(badFlag.code, 1);
  assert.match(badFlag.output, /unknown option '--no-such-flag'/);
});

test('daemon.json hosts, roots, group and debug are used; the group must exist when asked for', async () => {
  const dir = makeTempDir();
  try {
    const socket = `${dir}/from-json.sock`;
    const d = await startWharfd({
      dir, defaultPaths: false, socket,
      daemonJson: { hosts: [`unix://${socket}`], 'data-root': `${dir}/jroot`, 'exec-root': `${dir}/jexec`, debug: true, group: 'daemon' },
    });
    assert.ok(fs.existsSync(`${dir}/jroot/engine-id`));
    const st = fs.statSync(socket);
    assert.equal(st.mode & 0o777, 0o660);
    assert.equal(st.gid, lookupGroup('daemon'), 'socket group-owned by the configured group');
    assert.ok(fs.existsSync(`${dir}/jexec/wharfd.pid`));
    await d.stop();
    assert.match(d.logs(), /"level":20,.*"msg":"request"/); // debug logging of requests is on
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const g = await runWharfdToExit({ args: ['--group', 'no-such-group-xyz'] });
  assert.equal(g.code, 1);
  assert.match(g.output, /group "no-such-group-xyz" for the API socket does not exist/);
});

async function makeCerts(dir: string): Promise<void> {
  const ossl = (args: string[]): Promise<unknown> => run('openssl', args, { cwd: dir, timeout: 30_000 });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await ossl(['req', '-x509', ...ec, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=wharf-test-ca']);
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  fs.writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    await ossl(['req', ...ec, '-keyout', `${who}-key.pem`, '-out', `${who}.csr`, '-subj', `/CN=${who}`]);
    await ossl(['x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial',
      '-out', `${who}-cert.pem`, '-days', '1', '-extfile', `${who}.ext`]);
  }
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

test('tcp with --tlsverify serves clients that present a certificate from the CA, and only those', async () => {
  const dir = makeTempDir();
  try {
    await makeCerts(dir);
    const port = await freePort();
    const d = await startWharfd({
      dir,
      args: ['-H', `tcp://127.0.0.1:${port}`, '--tlsverify', '--tlscacert', `${dir}/ca.pem`, '--tlscert', `${dir}/server-cert.pem`, '--tlskey', `${dir}/server-key.pem`],
    });
    try {
      const env = { ...d.env, DOCKER_HOST: `tcp://127.0.0.1:${port}` };
      const tlsArgs = ['--tlsverify', '--tlscacert', `${dir}/ca.pem`];
      const ok = await run('docker', [...tlsArgs, '--tlscert', `${dir}/client-cert.pem`, '--tlskey', `${dir}/client-key.pem`,
        'version', '--format', '{{.Server.Version}}'], { env, timeout: 30_000 });
      assert.equal(ok.stdout.trim(), '0.1.0');
      await assert.rejects(run('docker', [...tlsArgs, 'version', '--format', '{{.Server.Version}}'], { env, timeout: 30_000 }),
        (err: { stderr?: string }) => /remote error: tls: (certificate required|bad certificate)/.test(err.stderr ?? ''));
      // The unix socket keeps working alongside.
      assert.equal(await ping(d.socket), true);
    } finally {
      await d.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
