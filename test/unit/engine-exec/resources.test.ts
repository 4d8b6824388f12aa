// docker top parsing, docker update merging, and the stats JSON shape.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePsOutput, validatePsArgs } from '../../../src/engine/resources/top.js';
import { liveResources, mergeUpdate, validateUpdate } from '../../../src/engine/resources/update.js';
import { dockerStats, emptyStats, systemCpuUsage, type StatsSample } from '../../../src/engine/stats.js';
import { withoutInitLayer } from '../../../src/engine/fs/service.js';
import type { CgroupStats } from '../../../src/runtime/cgroups/types.js';

test('parsePsOutput keeps the container pids, thread lines after them, and the full command', () => {
  const out = [
    'UID  PID  PPID CMD',
    'root 1    0    /sbin/init splash',
    'root 42   1    sh -c sleep 1 && echo  hi',
    'root -    -    thread-of-42',
    'root 43   1    other',
    'root -    -    thread-of-43',
    '',
  ].join('\n');
  assert.deepEqual(parsePsOutput(out, [42]), {
    Titles: ['UID', 'PID', 'PPID', 'CMD'],
    Processes: [['root', '42', '1', 'sh -c sleep 1 && echo hi'], ['root', '-', '-', 'thread-of-42']],
  });
  assert.throws(() => parsePsOutput('UID CMD\n', [1]), /Couldn't find PID field/);
  assert.throws(() => validatePsArgs('-o user=PID'), /specifying "user=PID" is not allowed/);
  validatePsArgs('-o pid=PID,comm');
});

test('mergeUpdate: Docker conflicts, implicit swap, restart policy; liveResources only what is set', () => {
  const mb = 1 << 20;
  assert.throws(() => mergeUpdate({ Memory: 100 * mb }, { Memory: 300 * mb }), /Memory limit should be smaller than already set memoryswap limit/);
  assert.throws(() => mergeUpdate({}, { Memory: 64 * mb }), /memoryswap/);
  const h = mergeUpdate({ Memory: 100 * mb }, { Memory: 150 * mb });
  assert.deepEqual([h.Memory, h.MemorySwap], [150 * mb, 200 * mb]);
  assert.deepEqual(mergeUpdate({}, { Memory: 64 * mb, MemorySwap: -1 }).MemorySwap, -1);
  assert.throws(() => mergeUpdate({ NanoCpus: 1e9 }, { CpuQuota: 50000 }), /CPU Quota cannot be updated as NanoCPUs has already been set/);
  assert.throws(() => mergeUpdate({ CpuPeriod: 50000 }, { NanoCpus: 1e9 }), /Nano CPUs cannot be updated as CPU Period/);
  assert.throws(() => mergeUpdate({ AutoRemove: true }, { RestartPolicy: { Name: 'always' } }), /AutoRemove/);
  assert.deepEqual(mergeUpdate({}, { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } }).RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
  assert.throws(() => validateUpdate({ Memory: 1024 }), /Minimum memory limit allowed is 6MB/);
  assert.throws(() => validateUpdate({ BlkioWeight: 5 }), /blkio weight/);
  validateUpdate({ MemorySwap: 64 * mb });
  assert.deepEqual(liveResources({ Memory: 64 * mb, MemorySwap: 64 * mb, NanoCpus: 5e8, PidsLimit: 0 }), {
    memory: { limit: 64 * mb, swap: 64 * mb }, cpu: { period: 100000, quota: 50000 }, pids: { limit: -1 },
  });
});

const cg = (version: 'v1' | 'v2', limit?: number): CgroupStats => ({
  version,
  memory: { usage: 1000, maxUsage: 2000, limit, failcnt: 0, oomKills: 0, stat: { cache: 1 } },
  cpu: { totalUsage: 50, perCpuUsage: version === 'v1' ? [20, 30] : undefined, userUsage: 30, systemUsage: 20, throttling: { periods: 1, throttledPeriods: 0, throttledTime: 0 } },
  pids: { current: 2, limit: 10 },
  blkio: { ioServiceBytes: [{ major: 8, minor: 0, op: 'Read', value: 4096 }], ioServiced: [] },
});

test('dockerStats: v1 with max_usage and percpu, v2 without; unlimited shows machine memory', () => {
  const sample = (c: CgroupStats, read: string): StatsSample => ({ read, cgroup: c, systemCpuUsage: 1e12, onlineCpus: 2 });
  const prev = sample(cg('v1', 5000), '2024-01-01T00:00:00.000Z');
  const v1 = dockerStats(sample(cg('v1', 5000), '2024-01-01T00:00:01.000Z'), prev, { name: '/c', id: 'abc' }, 1e9) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.deepEqual(v1.memory_stats, { usage: 1000, max_usage: 2000, stats: { cache: 1 }, failcnt: 0, limit: 5000 });
  assert.deepEqual(v1.cpu_stats.cpu_usage.percpu_usage, [20, 30]);
  assert.equal(v1.preread, '2024-01-01T00:00:00.000Z');
  assert.deepEqual(v1.pids_stats, { current: 2, limit: 10 });
  assert.deepEqual(v1.blkio_stats.io_service_bytes_recursive, [{ major: 8, minor: 0, op: 'Read', value: 4096 }]);
  const v2 = dockerStats(sample(cg('v2'), '2024-01-01T00:00:01.000Z'), null, { name: '/c', id: 'abc' }, 1e9) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.deepEqual(v2.memory_stats, { usage: 1000, stats: { cache: 1 }, limit: 1e9 });
  assert.equal(v2.cpu_stats.cpu_usage.percpu_usage, undefined);
  assert.equal(v2.precpu_stats.system_cpu_usage, undefined);
  const empty = emptyStats({ name: '/c', id: 'abc' }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.deepEqual([empty.read, empty.memory_stats, empty.cpu_stats.cpu_usage.total_usage], ['0001-01-01T00:00:00Z', {}, 0]);
  assert.equal(systemCpuUsage('cpu  1 2 3 4 5 6 7 8 9\ncpu0 1 1 1 1 1 1 1\n'), 28 * 1e7);
});

test('withoutInitLayer hides the mount targets Docker keeps in its init layer', () => {
  const list = [
    { Path: '/etc', Kind: 0 as const }, { Path: '/etc/hostname', Kind: 1 as const }, { Path: '/etc/hosts', Kind: 1 as const },
    { Path: '/tmp', Kind: 0 as const }, { Path: '/tmp/x', Kind: 1 as const },
  ];
  assert.deepEqual(withoutInitLayer(list), [{ Path: '/tmp', Kind: 0 }, { Path: '/tmp/x', Kind: 1 }]);
  const withPasswd = [...list.slice(0, 3), { Path: '/etc/passwd', Kind: 0 as const }];
  assert.deepEqual(withoutInitLayer(withPasswd), [{ Path: '/etc', Kind: 0 }, { Path: '/etc/passwd', Kind: 0 }]);
});
