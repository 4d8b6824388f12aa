import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { answer, DnsServer, parseQuestion } from '../../../src/network/dns.js';
import { hostsFile, parseExtraHosts, resolvConf } from '../../../src/network/etc-files.js';
import { Chains } from '../../../src/network/iptables.js';

function query(name: string, type = 1, id = 0x1234): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const head = Buffer.from([id >> 8, id & 255, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([head, ...labels, Buffer.from([0, 0, type, 0, 1])]);
}

test('DNS codec: question parsed, A answer built with the query ID', () => {
  const q = query('Web.Example');
  const parsed = parseQuestion(q)!;
  assert.deepEqual({ name: parsed.name, type: parsed.type }, { name: 'web.example', type: 1 });
  const a = answer(q, parsed, ['10.0.0.7', '10.0.0.8']);
  assert.equal(a.readUInt16BE(0), 0x1234);
  assert.equal(a.readUInt16BE(6), 2);
  assert.deepEqual([...a.subarray(a.length - 4)], [10, 0, 0, 8]);
  assert.equal(parseQuestion(Buffer.alloc(5)), null);
});

test('the DNS server answers container names from its lookup', async () => {
  const server = await DnsServer.listen('127.0.0.1', (name, from) => (name === 'db' && from === '127.0.0.1' ? ['10.9.0.3'] : null), 0);
  const c = dgram.createSocket('udp4');
  const reply = await new Promise<Buffer>((resolve) => { c.on('message', resolve); c.send(query('db'), server.port, '127.0.0.1'); });
  c.close();
  server.close();
  assert.deepEqual([...reply.subarray(reply.length - 4)], [10, 9, 0, 3]);
  assert.equal(reply[3]! & 0x0f, 0);
});

test('/etc/hosts and resolv.conf as Docker writes them', () => {
  const extra = parseExtraHosts(['foo:1.2.3.4', 'gw:host-gateway', 'v6:[::1]'], '172.31.0.1');
  assert.deepEqual(extra, [{ name: 'foo', ip: '1.2.3.4' }, { name: 'gw', ip: '172.31.0.1' }, { name: 'v6', ip: '::1' }]);
  assert.throws(() => parseExtraHosts(['nocolon'], undefined), /invalid extra host "nocolon"/);
  assert.throws(() => parseExtraHosts(['a:999.1.1.1'], undefined), /address of extra host/);
  const hosts = hostsFile({ hostname: 'h', domainname: 'd.org', ips: ['10.0.0.2'], extra });
  assert.match(hosts, /^1\.2\.3\.4\tfoo$/m);
  assert.match(hosts, /^10\.0\.0\.2\th\.d\.org h$/m);

  const host = 'nameserver 127.0.0.53\nnameserver 10.1.1.1\nsearch corp\noptions edns0\n';
  assert.equal(resolvConf({}, host), 'nameserver 10.1.1.1\nsearch corp\noptions edns0\n');
  assert.equal(resolvConf({ embedded: '172.20.0.1' }, host), 'nameserver 172.20.0.1\nsearch corp\noptions edns0 ndots:0\n');
  assert.equal(resolvConf({ dns: ['9.9.9.9'], dnsSearch: ['a.org'], dnsOptions: ['ndots:2'] }, host), 'nameserver 9.9.9.9\nsearch a.org\noptions ndots:2\n');
  assert.equal(resolvConf({}, 'nameserver 127.0.0.1\n'), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  assert.throws(() => resolvConf({ dns: ['nope'] }, ''), /invalid dns server "nope"/);
});

test('iptables rules: per-daemon chains, isolation between bridges, internal networks, NAT only for external ones', () => {
  const rules = new Chains('abc123').rules([
    { bridge: 'br-a', subnet: '10.1.0.0/24', internal: false },
    { bridge: 'br-i', subnet: '10.2.0.0/24', internal: true },
  ], ['FORWARD', 'POSTROUTING']);
  const lines = rules.split('\n');
  assert.ok(lines.includes(':WHARF-FWD-abc123 - [0:0]'));
  assert.ok(lines.includes('-A WHARF-FWD-abc123 -i br-a -o br-i -j DROP'));
  assert.ok(lines.includes('-A WHARF-FWD-abc123 -i br-i ! -o br-i -j DROP'));
  assert.ok(lines.includes('-A WHARF-POST-abc123 -s 10.1.0.0/24 ! -o br-a -j MASQUERADE'));
  assert.ok(!rules.includes('-s 10.2.0.0/24'));
  assert.ok(lines.includes('-I FORWARD 1 -j WHARF-FWD-abc123'));
  // Only our own chains are ever declared (declaring flushes): never a built-in one.
  assert.deepEqual(lines.filter((l) => l.startsWith(':')), [':WHARF-FWD-abc123 - [0:0]', ':WHARF-POST-abc123 - [0:0]']);
});
