// Published ports (TCP and UDP, on 127.0.0.1 and the host's other address, ephemeral and -P,
// port in use) and the network modes none, host and container:<x>, with the real docker CLI.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestDaemon, type TestDaemon } from '../docker-cli/helpers.js';
import { buildUdpEcho, hostAddress, leftovers, tcpRead, udpAsk } from './helpers.js';

let t: TestDaemon;
let tmp: string;

before(async () => {
  t = await startTestDaemon();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-net-'));
});

after(async () => {
  const { dataRoot, execRoot } = t.d;
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
  assert.deepEqual(leftovers(dataRoot, execRoot), { veths: [], netns: [], rules: [], leases: [] });
});

/** The host port `docker port` reports for a container port. */
async function hostPort(name: string, port: string): Promise<number> {
  const out = await t.ok(['port', name, port]);
  const m = /:(\d+)$/m.exec(out);
  assert.ok(m, `docker port ${name} ${port}: ${out}`);
  return Number(m[1]);
}

test('two containers listen on port 80 at once; each is published and answers on 127.0.0.1 and the host address', async () => {
  await t.ok(['run', '-d', '--name', 'web1', '-p', '80', 'busybox', 'nc', '-ll', '-p', '80', '-e', 'echo', 'one']);
  await t.ok(['run', '-d', '--name', 'web2', '-p', '127.0.0.1::80', '-p', '0.0.0.0::81', 'busybox', 'sh', '-c', 'nc -ll -p 81 -e echo two-81 & exec nc -ll -p 80 -e echo two']);
  const p1 = await hostPort('web1', '80/tcp');
  const p2 = await hostPort('web2', '80/tcp');
  const p2b = await hostPort('web2', '81/tcp');
  assert.notEqual(p1, p2);
  assert.equal(await tcpRead('127.0.0.1', p1), 'one\n');
  assert.equal(await tcpRead(hostAddress(), p1), 'one\n');
  assert.equal(await tcpRead('127.0.0.1', p2), 'two\n');
  assert.equal(await tcpRead(hostAddress(), p2b), 'two-81\n');
  // web2's port 80 is published on 127.0.0.1 only.
  await assert.rejects(tcpRead(hostAddress(), p2, '', 1000));

  const ports = JSON.parse(await t.ok(['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'web2'])) as Record<string, { HostIp: string; HostPort: string }[]>;
  assert.deepEqual(ports['80/tcp'], [{ HostIp: '127.0.0.1', HostPort: String(p2) }]);
  assert.match(await t.ok(['ps', '--format', '{{.Ports}}', '--filter', 'name=web1']), new RegExp(`0\\.0\\.0\\.0:${p1}->80/tcp`));
  await t.ok(['rm', '-f', 'web1', 'web2']);
  await assert.rejects(tcpRead('127.0.0.1', p1, '', 1000));
});

test('UDP ports are published too', async () => {
  const echo = buildUdpEcho(tmp);
  await t.ok(['run', '-d', '--name', 'udp', '-p', '9000/udp', '-v', `${echo}:/udpecho:ro`, 'busybox', '/udpecho']);
  const port = await hostPort('udp', '9000/udp');
  assert.equal(await udpAsk('127.0.0.1', port, 'ping-local'), 'ping-local');
  assert.equal(await udpAsk(hostAddress(), port, 'ping-host'), 'ping-host');
  await t.ok(['rm', '-f', 'udp']);
});

test('-P publishes exposed ports on ephemeral host ports; a host port in use fails cleanly', async () => {
  await t.ok(['run', '-d', '--name', 'exp', '--expose', '7000', '-P', 'busybox', 'nc', '-ll', '-p', '7000', '-e', 'echo', 'exposed']);
  assert.equal(await tcpRead('127.0.0.1', await hostPort('exp', '7000/tcp')), 'exposed\n');
  await t.ok(['rm', '-f', 'exp']);

  const busy = net.createServer();
  await new Promise<void>((res) => busy.listen(0, '0.0.0.0', res));
  const port = (busy.address() as net.AddressInfo).port;
  try {
    const r = await t.docker(['run', '-d', '--name', 'clash', '-p', `${port}:80`, 'busybox', 'sleep', '300']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`Bind for 0\\.0\\.0\\.0:${port} failed: port is already allocated`));
    assert.equal(await t.ok(['inspect', '-f', '{{.State.Running}}', 'clash']), 'false');
    const left = leftovers(t.d.dataRoot, t.d.execRoot);
    assert.deepEqual({ netns: left.netns, leases: left.leases }, { netns: [], leases: [] });
  } finally {
    busy.close();
  }
  // Once the port is free the same container starts and serves it.
  await t.ok(['start', 'clash']);
  assert.equal(await hostPort('clash', '80/tcp'), port);
  await t.ok(['rm', '-f', 'clash']);
});

test('--network none has only lo; container:<x> shares x\'s interfaces; host shows the host\'s', async () => {
  const none = await t.ok(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'ls /sys/class/net']);
  assert.deepEqual(none.split(/\s+/), ['lo']);

  await t.ok(['run', '-d', '--name', 'xbox', 'busybox', 'sleep', '300']);
  const xAddrs = await t.ok(['exec', 'xbox', 'ip', '-o', '-4', 'addr']);
  const joined = await t.ok(['run', '--rm', '--network', 'container:xbox', 'busybox', 'ip', '-o', '-4', 'addr']);
  assert.equal(joined, xAddrs);
  assert.match(joined, /eth0\s+inet 10\./);
  await t.ok(['rm', '-f', 'xbox']);

  const host = await t.ok(['run', '--rm', '--network', 'host', 'busybox', 'ip', '-o', '-4', 'addr']);
  assert.match(host, new RegExp(`inet ${hostAddress().replace(/\./g, '\\.')}/`));
});
