// User-defined networks with the real docker CLI: name/alias resolution by the embedded DNS,
// isolation between networks until connected, --internal, addressing and DNS options, and
// network ls/inspect/rm/prune.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { DOCKER_NEW, startTestDaemon, type TestDaemon } from '../docker-cli/helpers.js';
import { hostAddress, leftovers } from './helpers.js';

let t: TestDaemon;
const r = (n: number): number => Math.floor(Math.random() * n);
// Subnets of our own (the daemon's default bridge takes 10.200-249.x.0/24).
const base = `10.${150 + r(50)}.${r(250)}`;
const SUB_A = `${base}.0/26`;
const SUB_B = `${base}.64/26`;
const SUB_I = `${base}.128/26`;
const SUB_P = `${base}.192/26`;

before(async () => {
  t = await startTestDaemon();
  await t.ok(['network', 'create', '--subnet', SUB_A, 'na']);
  await t.ok(['network', 'create', '--subnet', SUB_B, 'nb']);
});

after(async () => {
  const { dataRoot, execRoot } = t.d;
  await t.docker(['rm', '-f', 'srva', 'srvb', 'cli', 'fixed']);
  await t.cleanup();
  const left = leftovers(dataRoot, execRoot);
  assert.deepEqual(left, { veths: [], netns: [], rules: [], leases: [] });
});

test('containers on a user network reach each other by name and alias, not across networks until connected', async () => {
  await t.ok(['run', '-d', '--name', 'srva', '--network', 'na', '--network-alias', 'weba', 'busybox', 'nc', '-ll', '-p', '80', '-e', 'echo', 'from-a']);
  await t.ok(['run', '-d', '--name', 'srvb', '--network', 'nb', 'busybox', 'nc', '-ll', '-p', '80', '-e', 'echo', 'from-b']);
  const same = await t.ok(['run', '--rm', '--network', 'na', 'busybox', 'sh', '-c', 'nc srva 80 </dev/null; nc weba 80 </dev/null']);
  assert.equal(same, 'from-a\nfrom-a');

  const ipB = await t.ok(['inspect', '-f', '{{.NetworkSettings.Networks.nb.IPAddress}}', 'srvb']);
  assert.match(ipB, new RegExp(`^${base.replace(/\./g, '\\.')}\\.\\d+$`));
  const cross = await t.docker(['run', '--rm', '--network', 'na', 'busybox', 'sh', '-c',
    `nc -w 2 ${ipB} 80 </dev/null; nslookup srvb >/dev/null 2>&1 && echo resolved || echo unresolved`]);
  assert.equal(cross.stdout.trim(), 'unresolved', cross.stdout + cross.stderr);

  await t.ok(['run', '-d', '--name', 'cli', '--network', 'na', 'busybox', 'sleep', '300']);
  await t.ok(['network', 'connect', '--alias', 'cli-on-b', 'nb', 'cli']);
  assert.equal(await t.ok(['exec', 'cli', 'sh', '-c', 'nc srvb 80 </dev/null; nc srva 80 </dev/null']), 'from-b\nfrom-a');
  assert.match(await t.ok(['exec', 'cli', 'ip', '-o', '-4', 'addr']), /eth1\s+inet /);
  const inspect = JSON.parse(await t.ok(['network', 'inspect', 'nb'])) as { Containers: Record<string, { Name: string; IPv4Address: string }> }[];
  assert.deepEqual(Object.values(inspect[0]!.Containers).map((c) => c.Name).sort(), ['cli', 'srvb']);

  await t.ok(['network', 'disconnect', 'nb', 'cli']);
  assert.doesNotMatch(await t.ok(['exec', 'cli', 'ip', '-o', 'link']), /eth1/);
  const after = await t.ok(['exec', 'cli', 'sh', '-c', `nc -w 2 ${ipB} 80 </dev/null; echo done`]);
  assert.equal(after, 'done');
});

test('--internal networks have no route out; other networks do', async () => {
  const server = net.createServer((s) => s.end('host-says-hi'));
  await new Promise<void>((res) => server.listen(0, '0.0.0.0', res));
  const port = (server.address() as net.AddressInfo).port;
  const host = hostAddress();
  try {
    await t.ok(['network', 'create', '--internal', '--subnet', SUB_I, 'ni']);
    const out = await t.ok(['run', '--rm', '--network', 'na', 'busybox', 'sh', '-c', `nc -w 3 ${host} ${port} </dev/null`]);
    assert.equal(out, 'host-says-hi');
    const internal = await t.docker(['run', '--rm', '--network', 'ni', 'busybox', 'sh', '-c', `ip route; nc -w 2 ${host} ${port} </dev/null; echo rc=$?`]);
    assert.doesNotMatch(internal.stdout, /default|host-says-hi/);
    assert.match(internal.stdout, /rc=1/);
    assert.match(internal.stderr, /unreachable/i);
  } finally {
    server.close();
    await t.docker(['network', 'rm', 'ni']);
  }
});

test('--ip, --mac-address, --hostname, --dns, --dns-search and --add-host (host-gateway too)', async () => {
  const ip = SUB_A.replace(/\.0\/26$/, '.50');
  const gw = await t.ok(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', 'bridge']);
  const out = await t.ok(['run', '--rm', '--network', 'na', '--ip', ip, '--mac-address', '02:42:aa:bb:cc:dd', '--hostname', 'myhost',
    '--dns', '9.9.9.9', '--dns-search', 'example.org', '--add-host', 'foo:1.2.3.4', '--add-host', 'gw:host-gateway',
    'busybox', 'sh', '-c', 'ip -o -4 addr show eth0; cat /sys/class/net/eth0/address; hostname; cat /etc/resolv.conf /etc/hosts']);
  assert.match(out, new RegExp(`inet ${ip.replace(/\./g, '\\.')}/26`));
  assert.match(out, /^02:42:aa:bb:cc:dd$/m);
  assert.match(out, /^myhost$/m);
  assert.match(out, /^nameserver 9\.9\.9\.9$/m);
  assert.match(out, /^search example\.org$/m);
  assert.match(out, /^1\.2\.3\.4\tfoo$/m);
  assert.match(out, new RegExp(`^${gw.replace(/\./g, '\\.')}\\tgw$`, 'm'));
  assert.match(out, new RegExp(`^${ip.replace(/\./g, '\\.')}\\tmyhost$`, 'm'));

  // The newer CLI sends the MAC address and the default network's endpoint in NetworkingConfig.
  const ip2 = SUB_A.replace(/\.0\/26$/, '.51');
  const newCli = await t.ok(['run', '--rm', '--network', 'na', '--ip', ip2, '--mac-address', '02:42:aa:bb:cc:ee', 'busybox', 'sh', '-c',
    'ip -o -4 addr show eth0; cat /sys/class/net/eth0/address'], { cli: DOCKER_NEW });
  assert.match(newCli, new RegExp(`inet ${ip2.replace(/\./g, '\\.')}/26[\\s\\S]*02:42:aa:bb:cc:ee`));
  assert.match(await t.ok(['run', '--rm', 'busybox', 'ip', '-o', '-4', 'addr', 'show', 'eth0'], { cli: DOCKER_NEW }), /inet 10\./);

  await t.ok(['run', '-d', '--name', 'fixed', '--network', 'na', '--ip', ip, 'busybox', 'sleep', '300']);
  const dup = await t.docker(['run', '--rm', '--network', 'na', '--ip', ip, 'busybox', 'true']);
  assert.notEqual(dup.code, 0);
  assert.match(dup.stderr, new RegExp(`Address already in use: ${ip.replace(/\./g, '\\.')}`));
  const bad = await t.docker(['run', '--rm', '--network', 'na', '--ip', '192.0.2.77', 'busybox', 'true']);
  assert.match(bad.stderr, /does not belong|not in the subnet/);
  await t.ok(['rm', '-f', 'fixed']);
});

test('network ls, inspect, rm and prune, with clear errors', async () => {
  const ls = (await t.ok(['network', 'ls', '--format', '{{.Name}} {{.Driver}}'])).split('\n').sort();
  for (const want of ['bridge bridge', 'host host', 'none null', 'na bridge', 'nb bridge']) assert.ok(ls.includes(want), ls.join(','));
  assert.match((await t.docker(['network', 'rm', 'bridge'])).stderr, /pre-defined network and cannot be removed/);
  assert.match((await t.docker(['network', 'create', 'na'])).stderr, /already exists/);
  assert.match((await t.docker(['network', 'create', '--subnet', '10.1.2.3/99', 'bad'])).stderr, /subnet/);
  assert.match((await t.docker(['network', 'create', '--subnet', SUB_A, 'overlap'])).stderr, /overlaps/);
  assert.match((await t.docker(['network', 'create', '--subnet', SUB_P, '--gateway', '1.2.3.4', 'badgw'])).stderr, /gateway/);
  await t.ok(['run', '-d', '--name', 'srva2', '--network', 'na', 'busybox', 'sleep', '300']);
  assert.match((await t.docker(['network', 'rm', 'na'])).stderr, /active endpoints/);
  await t.ok(['rm', '-f', 'srva2']);

  await t.ok(['network', 'create', '--subnet', SUB_P, '--ip-range', SUB_P.replace(/\/26$/, '/28'), '--label', 'keep=no', 'np']);
  const cfg = JSON.parse(await t.ok(['network', 'inspect', '-f', '{{json .IPAM.Config}}', 'np'])) as { IPRange?: string }[];
  assert.equal(cfg[0]!.IPRange, SUB_P.replace(/\/26$/, '/28'));
  const pruned = await t.ok(['network', 'prune', '-f', '--filter', 'label=keep=no']);
  assert.match(pruned, /np/);
  assert.doesNotMatch(await t.ok(['network', 'ls', '--format', '{{.Name}}']), /^np$/m);
});
