import { test } from 'node:test';
import assert from 'node:assert/strict';
import { v1Writes, deviceWritesV1, type V1Context } from '../../../src/runtime/cgroups/v1-settings.js';

const M = 1 << 20;
const ctx = (currentLimit: number, files: string[] = []): V1Context => ({
  currentMemoryLimit: () => currentLimit,
  has: (_c, f) => files.includes(f),
});
const lines = (ws: { file: string; value: string }[]) => ws.map((w) => `${w.file}=${w.value}`);

test('raising memory writes memsw first, lowering writes the limit first (kernel keeps limit <= memsw)', () => {
  assert.deepEqual(lines(v1Writes({ memory: { limit: 256 * M, swap: 256 * M } }, ctx(64 * M))),
    [`memory.memsw.limit_in_bytes=${256 * M}`, `memory.limit_in_bytes=${256 * M}`]);
  assert.deepEqual(lines(v1Writes({ memory: { limit: 32 * M, swap: 32 * M } }, ctx(256 * M))),
    [`memory.limit_in_bytes=${32 * M}`, `memory.memsw.limit_in_bytes=${32 * M}`]);
  assert.deepEqual(lines(v1Writes({ memory: { limit: -1 } }, ctx(64 * M))),
    ['memory.memsw.limit_in_bytes=-1', 'memory.limit_in_bytes=-1']);
});

test('memory extras, cpu, pids', () => {
  const ws = v1Writes({
    memory: { reservation: 16 * M, swappiness: 0, disableOOMKiller: true, kernel: 5 * M },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0', realtimeRuntime: 5 },
    pids: { limit: 0 },
  }, ctx(-1));
  assert.deepEqual(lines(ws), [
    'cpu.shares=512', 'cpu.cfs_period_us=100000', 'cpu.cfs_quota_us=50000', 'cpuset.cpus=0', 'cpuset.mems=0',
    `memory.soft_limit_in_bytes=${16 * M}`, 'memory.swappiness=0', 'memory.oom_control=1', 'pids.max=max',
  ]);
  assert.deepEqual(ws.map((w) => w.field).slice(0, 3), ['cpu.shares', 'cpu.period', 'cpu.quota']);
});

test('blkio uses blkio.weight on CFQ kernels and blkio.bfq.weight otherwise', () => {
  const r = { blockIO: { weight: 300, weightDevice: [{ major: 8, minor: 0, weight: 200 }], throttleWriteBpsDevice: [{ major: 7, minor: 2, rate: 1048576 }], throttleReadIOPSDevice: [{ major: 7, minor: 2 }] } };
  assert.deepEqual(lines(v1Writes(r, ctx(-1, ['blkio.weight']))), [
    'blkio.weight=300', 'blkio.weight_device=8:0 200', 'blkio.throttle.write_bps_device=7:2 1048576', 'blkio.throttle.read_iops_device=7:2 0',
  ]);
  assert.deepEqual(lines(v1Writes(r, ctx(-1))).slice(0, 2), ['blkio.bfq.weight=300', 'blkio.bfq.weight_device=8:0 200']);
});

test('devices: default deny unless the list starts with a wildcard; wildcards reset', () => {
  assert.deepEqual(lines(deviceWritesV1([{ allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }, { allow: true, type: 'b', access: 'm' }])),
    ['devices.deny=a', 'devices.allow=c 1:3 rw', 'devices.allow=b *:* m']);
  assert.deepEqual(lines(deviceWritesV1([{ allow: true }, { allow: false, type: 'c', major: 1, minor: 3 }])),
    ['devices.allow=a', 'devices.deny=c 1:3 rwm']);
  assert.deepEqual(lines(deviceWritesV1([{ allow: false, access: 'rwm' }, { allow: true, major: 7, access: 'r' }])),
    ['devices.deny=a', 'devices.allow=c 7:* r', 'devices.allow=b 7:* r']);
  assert.deepEqual(lines(deviceWritesV1([])), ['devices.deny=a']);
});

test('unified is refused on v1, naming the field', () => {
  assert.throws(() => v1Writes({ unified: { 'memory.high': '1G' } }, ctx(-1)), /linux\.resources\.unified: only supported on cgroup v2/);
});
