import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseBlkioV1, parseIoStatV2, statsV1 } from '../../../src/runtime/cgroups/stats.js';

test('blkio v1 lines parse to Docker-style entries, dropping the Total line', () => {
  assert.deepEqual(parseBlkioV1('7:2 Read 0\n7:2 Write 2097152\n7:2 Sync 2097152\nTotal 2097152\n'), [
    { major: 7, minor: 2, op: 'Read', value: 0 },
    { major: 7, minor: 2, op: 'Write', value: 2097152 },
    { major: 7, minor: 2, op: 'Sync', value: 2097152 },
  ]);
  assert.deepEqual(parseIoStatV2('259:0 rbytes=10 wbytes=20 rios=1 wios=2\n'), {
    bytes: [{ major: 259, minor: 0, op: 'read', value: 10 }, { major: 259, minor: 0, op: 'write', value: 20 }],
    ops: [{ major: 259, minor: 0, op: 'read', value: 1 }, { major: 259, minor: 0, op: 'write', value: 2 }],
  });
});

test('v1 stats from controller dirs: unlimited limit, oom kills, cpu in ns', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cgv1-'));
  try {
    const mem = path.join(root, 'memory');
    const acct = path.join(root, 'cpuacct');
    fs.mkdirSync(mem);
    fs.mkdirSync(acct);
    const put = (dir: string, f: string, v: string) => fs.writeFileSync(path.join(dir, f), v);
    put(mem, 'memory.usage_in_bytes', '1000\n');
    put(mem, 'memory.memsw.usage_in_bytes', '1500\n');
    put(mem, 'memory.limit_in_bytes', '9223372036854771712\n');
    put(mem, 'memory.oom_control', 'oom_kill_disable 0\nunder_oom 1\noom_kill 3\n');
    put(acct, 'cpuacct.usage', '5000\n');
    put(acct, 'cpuacct.usage_percpu', '3000 2000 \n');
    put(acct, 'cpuacct.stat', 'user 2\nsystem 1\n');
    const s = statsV1({ memory: mem, cpuacct: acct });
    assert.equal(s.memory.limit, undefined);
    assert.equal(s.memory.oomKills, 3);
    assert.equal(s.memory.underOom, true);
    assert.equal(s.memory.swapUsage, 500);
    assert.equal(s.cpu.totalUsage, 5000);
    assert.deepEqual(s.cpu.perCpuUsage, [3000, 2000]);
    assert.equal(s.cpu.userUsage, 20_000_000, 'USER_HZ ticks -> ns');
    assert.equal(s.cpu.systemUsage, 10_000_000);
    assert.deepEqual(s.pids, { current: 0, limit: undefined });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
