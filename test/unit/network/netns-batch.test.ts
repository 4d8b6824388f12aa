import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ifaceBatch } from '../../../src/network/netns.js';

test('one ip batch per sandbox: lo up, veth made with its host end in the daemon namespace on the bridge, address, route', () => {
  const batch = ifaceBatch([
    { ifname: 'eth0', hostVeth: 'wh1234abcd', bridge: 'lo', mtu: 1450, mac: '02:42:0a:00:00:02', ip: '10.0.0.2', prefix: 24, defaultVia: '10.0.0.1' },
    { ifname: 'eth1', hostVeth: 'wh1234ef01', bridge: 'lo', mtu: 1500, mac: '02:42:0a:01:00:02', ip: '10.1.0.2', prefix: 16 },
  ], '/proc/1/ns/net', true);
  assert.equal(batch, [
    'link set lo up',
    'link add wh1234abcd mtu 1450 master if1 up netns /proc/1/ns/net type veth peer name eth0 mtu 1450 address 02:42:0a:00:00:02',
    'addr add 10.0.0.2/24 brd + dev eth0',
    'link set eth0 up',
    'route add default via 10.0.0.1 dev eth0',
    'link add wh1234ef01 mtu 1500 master if1 up netns /proc/1/ns/net type veth peer name eth1 mtu 1500 address 02:42:0a:01:00:02',
    'addr add 10.1.0.2/16 brd + dev eth1',
    'link set eth1 up',
    '',
  ].join('\n'));
});
