import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExpose, parsePortSpec, parsePublish, toStandardNotation } from '../../../src/cli/options/ports.js';

test('parsePortSpec: [ip:][hostPort:]containerPort[/proto]', () => {
  assert.deepEqual(parsePortSpec('80'), [{ port: '80/tcp', binding: { HostIp: '', HostPort: '' } }]);
  assert.deepEqual(parsePortSpec('8080:80'), [{ port: '80/tcp', binding: { HostIp: '', HostPort: '8080' } }]);
  assert.deepEqual(parsePortSpec('127.0.0.1:8080:80/udp'), [{ port: '80/udp', binding: { HostIp: '127.0.0.1', HostPort: '8080' } }]);
  assert.deepEqual(parsePortSpec('127.0.0.1::80'), [{ port: '80/tcp', binding: { HostIp: '127.0.0.1', HostPort: '' } }]);
  assert.deepEqual(parsePortSpec('[::1]:8080:80'), [{ port: '80/tcp', binding: { HostIp: '::1', HostPort: '8080' } }]);
});

test('parsePortSpec: ranges map one to one; one container port takes a host range', () => {
  assert.deepEqual(parsePortSpec('8000-8001:80-81').map((m) => [m.port, m.binding.HostPort]), [['80/tcp', '8000'], ['81/tcp', '8001']]);
  assert.deepEqual(parsePortSpec('8000-8010:80').map((m) => [m.port, m.binding.HostPort]), [['80/tcp', '8000-8010']]);
  assert.deepEqual(parsePortSpec('80-82').map((m) => m.port), ['80/tcp', '81/tcp', '82/tcp']);
});

test('parsePortSpec: Docker error texts', () => {
  assert.throws(() => parsePortSpec('foo'), { message: 'invalid containerPort: foo' });
  assert.throws(() => parsePortSpec('80:x'), { message: 'invalid containerPort: x' });
  assert.throws(() => parsePortSpec('x:80'), { message: 'invalid hostPort: x' });
  assert.throws(() => parsePortSpec('1.2.3:80:80'), { message: 'invalid IP address: 1.2.3' });
  assert.throws(() => parsePortSpec('80/xyz'), { message: 'invalid proto: xyz' });
  assert.throws(() => parsePortSpec('8000-8010:80-81'), { message: 'invalid ranges specified for container and host Ports: 80-81 and 8000-8010' });
  assert.throws(() => parsePortSpec('70000'), { message: 'invalid containerPort: 70000' });
});

test('long syntax and parsePublish (exposed ports and bindings, duplicates kept)', () => {
  assert.equal(toStandardNotation('target=80,published=8080,protocol=udp'), '8080:80/udp');
  assert.deepEqual(parsePortSpec(toStandardNotation('target=80,host-ip=127.0.0.1,published=9000')), [{ port: '80/tcp', binding: { HostIp: '127.0.0.1', HostPort: '9000' } }]);
  const r = parsePublish(['8080:80', '8081:80', '53/udp']);
  assert.deepEqual(r.exposed, { '80/tcp': {}, '53/udp': {} });
  assert.deepEqual(r.bindings['80/tcp'], [{ HostIp: '', HostPort: '8080' }, { HostIp: '', HostPort: '8081' }]);
});

test('parseExpose', () => {
  assert.deepEqual(parseExpose('90-91/udp'), ['90/udp', '91/udp']);
  assert.deepEqual(parseExpose('80'), ['80/tcp']);
  assert.throws(() => parseExpose('x'), { message: 'invalid range format for --expose: x, error: strconv.ParseUint: parsing "x": invalid syntax' });
});
