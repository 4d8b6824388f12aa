import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCidr, overlaps, parseCidr, parseIp } from '../../../src/network/cidr.js';
import { allocate, macFor, makePool, parseMac, pickSubnet, poolConfig } from '../../../src/network/ipam.js';

test('CIDR parsing names the field and rejects bad input', () => {
  assert.equal(formatCidr(parseCidr('172.20.5.9/16')), '172.20.0.0/16');
  assert.throws(() => parseCidr('172.20.0.0'), /invalid subnet "172.20.0.0": expected CIDR/);
  assert.throws(() => parseCidr('1.2.3.4/33', 'ip-range'), /invalid ip-range .*prefix length/);
  assert.throws(() => parseIp('300.1.1.1', 'gateway'), /invalid gateway "300.1.1.1"/);
  assert.ok(overlaps(parseCidr('10.0.0.0/8'), parseCidr('10.9.0.0/16')));
  assert.ok(!overlaps(parseCidr('10.0.0.0/24'), parseCidr('10.0.1.0/24')));
});

test('a pool: gateway defaults to the first address; bad gateway, range or host bits are refused', () => {
  const p = makePool({ Subnet: '10.1.0.0/24' });
  assert.deepEqual(poolConfig(p), { Subnet: '10.1.0.0/24', Gateway: '10.1.0.1' });
  assert.deepEqual(poolConfig(makePool({ Subnet: '10.1.0.0/24', Gateway: '10.1.0.254', IPRange: '10.1.0.128/25' })),
    { Subnet: '10.1.0.0/24', Gateway: '10.1.0.254', IPRange: '10.1.0.128/25' });
  assert.throws(() => makePool({ Subnet: '10.1.0.0/24', Gateway: '10.2.0.1' }), /no matching subnet for gateway 10.2.0.1/);
  assert.throws(() => makePool({ Subnet: '10.1.0.0/24', Gateway: '10.1.0.255' }), /broadcast/);
  assert.throws(() => makePool({ Subnet: '10.1.0.5/24' }), /host bits set/);
  assert.throws(() => makePool({ Subnet: '10.1.0.0/24', IPRange: '10.2.0.0/25' }), /no matching subnet for range/);
  assert.throws(() => makePool({ Subnet: '10.1.0.0/31' }), /too small/);
});

test('allocation skips network, gateway, broadcast and used addresses; honours ranges and requests', () => {
  const p = makePool({ Subnet: '10.1.0.0/30' });
  assert.equal(allocate(p, new Set()), '10.1.0.2');
  assert.throws(() => allocate(p, new Set(['10.1.0.2'])), /no available IPv4 addresses/);
  const r = makePool({ Subnet: '10.1.0.0/24', IPRange: '10.1.0.16/28' });
  assert.equal(allocate(r, new Set(['10.1.0.16', '10.1.0.17'])), '10.1.0.18');
  const q = makePool({ Subnet: '10.1.0.0/24' });
  assert.equal(allocate(q, new Set(), '10.1.0.77'), '10.1.0.77');
  assert.throws(() => allocate(q, new Set(['10.1.0.77']), '10.1.0.77'), /Address already in use: 10.1.0.77/);
  assert.throws(() => allocate(q, new Set(), '10.1.0.1'), /reserved/);
  assert.throws(() => allocate(q, new Set(), '10.9.0.1'), /does not belong/);
});

test('MAC addresses: derived from the IP as Docker does; user ones checked', () => {
  assert.equal(macFor('172.17.0.2'), '02:42:ac:11:00:02');
  assert.equal(parseMac('02-42-AA-bb-cc-dd'), '02:42:aa:bb:cc:dd');
  assert.throws(() => parseMac('02:42:aa'), /invalid mac-address/);
  assert.throws(() => parseMac('01:00:5e:00:00:01'), /multicast/);
});

test('subnet picking avoids taken ranges', () => {
  assert.equal(pickSubnet([]), '172.18.0.0/16');
  assert.equal(pickSubnet([parseCidr('172.18.0.0/16'), parseCidr('172.19.3.0/24')]), '172.20.0.0/16');
  assert.equal(pickSubnet([parseCidr('172.16.0.0/12')], [{ base: '172.18.0.0/15', size: 16 }, { base: '192.168.0.0/16', size: 20 }]), '192.168.0.0/20');
  assert.throws(() => pickSubnet([parseCidr('0.0.0.0/1'), parseCidr('128.0.0.0/1')]), /non-overlapping/);
});
