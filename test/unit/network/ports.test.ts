import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePortKey, parsePublishSpec, planPorts, portsView, psPorts } from '../../../src/network/ports.js';

test('-p specs: ip, host port, ranges and protocol', () => {
  assert.deepEqual(parsePublishSpec('80'), { '80/tcp': [{ HostIp: '', HostPort: '' }] });
  assert.deepEqual(parsePublishSpec('8080:80'), { '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
  assert.deepEqual(parsePublishSpec('127.0.0.1:8080:80/udp'), { '80/udp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] });
  assert.deepEqual(parsePublishSpec('127.0.0.1::80'), { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
  assert.deepEqual(parsePublishSpec('8000-8001:80-81'), { '80/tcp': [{ HostIp: '', HostPort: '8000' }], '81/tcp': [{ HostIp: '', HostPort: '8001' }] });
  assert.deepEqual(parsePublishSpec('8000-8010:80'), { '80/tcp': [{ HostIp: '', HostPort: '8000-8010' }] });
  assert.throws(() => parsePublishSpec('80/sctp'), /protocol must be tcp or udp/);
  assert.throws(() => parsePublishSpec('8000-8002:80-81'), /same size/);
  assert.throws(() => parsePublishSpec('70000:80'), /port numbers are 1-65535/);
  assert.throws(() => parsePublishSpec('999.1.1.1:80:80'), /host IP/);
  assert.throws(() => parsePublishSpec('a:b:c:d'), /expected \[ip:\]/);
});

test('port keys', () => {
  assert.deepEqual(parsePortKey('53/udp'), { port: 53, proto: 'udp' });
  assert.deepEqual(parsePortKey('80'), { port: 80, proto: 'tcp' });
  assert.throws(() => parsePortKey('0/tcp'), /container port/);
});

test('planning: bindings, default address, ranges, and -P for exposed ports only', () => {
  const plan = planPorts({ '80/tcp': [{ HostIp: '', HostPort: '8080' }, { HostIp: '127.0.0.1', HostPort: '9000-9005' }], '53/udp': null },
    { '80/tcp': {}, '443/tcp': {} }, true, '0.0.0.0');
  assert.deepEqual(plan, [
    { proto: 'tcp', containerPort: 80, hostIp: '0.0.0.0', hostPort: 8080, hostPortEnd: 8080 },
    { proto: 'tcp', containerPort: 80, hostIp: '127.0.0.1', hostPort: 9000, hostPortEnd: 9005 },
    { proto: 'udp', containerPort: 53, hostIp: '0.0.0.0', hostPort: 0, hostPortEnd: 0 },
    { proto: 'tcp', containerPort: 443, hostIp: '0.0.0.0', hostPort: 0, hostPortEnd: 0 },
  ]);
  assert.deepEqual(planPorts(null, { '80/tcp': {} }, false, '0.0.0.0'), []);
  assert.throws(() => planPorts({ '80/tcp': [{ HostPort: 'x' }] }, null, false, '0.0.0.0'), /invalid host port of 80\/tcp "x"/);
});

test('views: NetworkSettings.Ports and the ps Ports column', () => {
  const maps = [{ proto: 'tcp' as const, containerPort: 80, hostIp: '0.0.0.0', hostPort: 32768 }];
  assert.deepEqual(portsView(maps, { '80/tcp': {}, '443/tcp': {} }), { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }], '443/tcp': null });
  assert.deepEqual(psPorts(maps, { '443/tcp': {} }), [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 32768, Type: 'tcp' }, { PrivatePort: 443, Type: 'tcp' }]);
});
