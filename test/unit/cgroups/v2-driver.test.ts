// The v2 driver against a fake cgroupfs tree in a temp dir (this host is cgroup v1).
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openCgroup, detectCgroupVersion, cgroupInfo } from '../../../src/runtime/cgroups/index.js';
import { v2Writes } from '../../../src/runtime/cgroups/v2-settings.js';
import { runDeviceProgram } from './bpf-interpreter.js';

const M = 1 << 20;
const LEAF_FILES = ['memory.max', 'memory.swap.max', 'memory.low', 'cpu.weight', 'cpu.max', 'cpuset.cpus', 'cpuset.mems',
  'pids.max', 'io.weight', 'io.max', 'memory.high', 'cgroup.procs', 'cgroup.freeze', 'cgroup.events', 'memory.current',
  'memory.events', 'memory.stat', 'cpu.stat', 'pids.current', 'io.stat'];

let root = '';
afterEach(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = '';
});

/** A fake unified root; `leaf` pre-creates wharf/<leaf> with empty interface files. */
function fakeTree(leaf?: string): string {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cgv2-'));
  fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids\n');
  fs.writeFileSync(path.join(root, 'cgroup.subtree_control'), '');
  if (leaf) {
    const dir = path.join(root, 'wharf', leaf);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(root, 'wharf', 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids\n');
    fs.writeFileSync(path.join(root, 'wharf', 'cgroup.subtree_control'), 'cpu\n');
    for (const f of LEAF_FILES) fs.writeFileSync(path.join(dir, f), '');
  }
  return root;
}

const read = (rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');
const put = (rel: string, text: string) => fs.writeFileSync(path.join(root, rel), text);

test('detection and info from a unified root', () => {
  fakeTree();
  assert.equal(detectCgroupVersion(root), 'v2');
  const info = cgroupInfo(root);
  assert.equal(info.version, 'v2');
  assert.equal(info.driver, 'cgroupfs');
  assert.deepEqual(info.controllers, ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids']);
  assert.equal(info.features.memoryLimit, true);
  assert.equal(openCgroup('wharf/x', { root }).version, 'v2');
});

test('create converts v1-style values and enables controllers in every ancestor', () => {
  fakeTree('c1');
  const cg = openCgroup('/wharf/c1', { root });
  cg.create({
    memory: { limit: 64 * M, swap: 96 * M, reservation: 32 * M, swappiness: 10 },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' },
    pids: { limit: 10 },
    blockIO: { weight: 500, throttleWriteBpsDevice: [{ major: 7, minor: 0, rate: M }] },
    unified: { 'memory.high': '50331648' },
  });
  assert.deepEqual(cg.dirs(), [path.join(root, 'wharf/c1')]);
  assert.equal(read('wharf/c1/memory.max'), String(64 * M));
  assert.equal(read('wharf/c1/memory.swap.max'), String(32 * M), 'swap.max = (memory+swap) - memory');
  assert.equal(read('wharf/c1/memory.low'), String(32 * M));
  assert.equal(read('wharf/c1/cpu.weight'), '20');
  assert.equal(read('wharf/c1/cpu.max'), '50000 100000');
  assert.equal(read('wharf/c1/cpuset.cpus'), '0');
  assert.equal(read('wharf/c1/pids.max'), '10');
  assert.equal(read('wharf/c1/io.weight'), 'default 4950');
  assert.equal(read('wharf/c1/io.max'), `7:0 wbps=${M}`);
  assert.equal(read('wharf/c1/memory.high'), '50331648');
  assert.equal(read('cgroup.subtree_control'), '+cpuset +cpu +io +memory +hugetlb +pids');
  assert.equal(read('wharf/cgroup.subtree_control'), '+cpuset +io +memory +hugetlb +pids', 'only the missing ones');
  cg.join(4242);
  assert.equal(read('wharf/c1/cgroup.procs'), '4242');
});

test('all io.max entries and weights are listed (pure conversion)', () => {
  const ws = v2Writes({
    blockIO: {
      weightDevice: [{ major: 8, minor: 0, weight: 10 }],
      throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 100 }], throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 0 }],
    },
    pids: { limit: -1 },
    cpu: { quota: -1, period: 50000 },
  }, { has: (f) => f === 'io.bfq.weight', currentMemoryLimit: () => -1 });
  assert.deepEqual(ws.map((w) => `${w.file}=${w.value}`), [
    'cpu.max=max 50000', 'pids.max=max', 'io.bfq.weight=8:0 10', 'io.max=8:0 rbps=100', 'io.max=8:0 wiops=max',
  ]);
  // A swap-only update converts against the limit in place.
  assert.deepEqual(v2Writes({ memory: { swap: 300 * M } }, { has: () => false, currentMemoryLimit: () => 100 * M })
    .map((w) => `${w.file}=${w.value}`), [`memory.swap.max=${200 * M}`]);
});

test('devices go to the injected loader as a device program; without one create fails and leaves nothing', () => {
  fakeTree('c2');
  const loaded: { dir: string; insns: Uint8Array }[] = [];
  const cg = openCgroup('wharf/c2', { root, deviceLoader: (dir, insns) => loaded.push({ dir, insns }) });
  cg.create({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }] });
  assert.equal(loaded.length, 1);
  assert.equal(loaded[0]!.dir, path.join(root, 'wharf/c2'));
  assert.equal(runDeviceProgram(loaded[0]!.insns, { type: 'c', major: 1, minor: 5, access: 'rw' }), 1);
  assert.equal(runDeviceProgram(loaded[0]!.insns, { type: 'c', major: 1, minor: 3, access: 'rw' }), 0);

  const noLoader = openCgroup('wharf-new/c3', { root });
  assert.throws(() => noLoader.create({ devices: [] }), /linux\.resources\.devices: cgroup v2 needs a device program loader/);
  assert.equal(fs.existsSync(path.join(root, 'wharf-new')), false, 'created dirs removed on failure');
});

test('a failing write names the field and file, and removes the dirs it created', () => {
  fakeTree();
  const cg = openCgroup('wharf/new', { root });
  assert.throws(() => cg.create({ memory: { limit: 64 * M } }),
    (err: Error) => /linux\.resources\.memory\.limit/.test(err.message) && err.message.includes(path.join(root, 'wharf/new/memory.max')));
  assert.equal(fs.existsSync(path.join(root, 'wharf')), false);
  assert.equal(cg.exists(), false);
});

test('freeze/thaw use cgroup.freeze and cgroup.events; stats and oom kills come from v2 files', () => {
  fakeTree('c4');
  const cg = openCgroup('wharf/c4', { root });
  cg.create();
  put('wharf/c4/cgroup.events', 'populated 1\nfrozen 1\n');
  cg.freeze();
  assert.equal(read('wharf/c4/cgroup.freeze'), '1');
  assert.equal(cg.state(), 'frozen');
  put('wharf/c4/cgroup.events', 'populated 1\nfrozen 0\n');
  cg.thaw();
  assert.equal(read('wharf/c4/cgroup.freeze'), '0');
  assert.equal(cg.state(), 'thawed');

  put('wharf/c4/memory.current', '1000\n');
  put('wharf/c4/memory.max', 'max\n');
  put('wharf/c4/memory.events', 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n');
  put('wharf/c4/memory.stat', 'anon 800\nfile 200\n');
  put('wharf/c4/cpu.stat', 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\nnr_throttled 4\nthrottled_usec 200\n');
  put('wharf/c4/io.stat', '7:0 rbytes=4096 wbytes=2097152 rios=1 wios=32 dbytes=0 dios=0\n');
  put('wharf/c4/pids.current', '3\n');
  put('wharf/c4/pids.max', '10\n');
  const s = cg.stats();
  assert.equal(s.version, 'v2');
  assert.deepEqual(s.memory, { usage: 1000, maxUsage: undefined, limit: undefined, failcnt: 3, oomKills: 2, swapUsage: undefined, stat: { anon: 800, file: 200 } });
  assert.deepEqual(s.cpu, { totalUsage: 1_500_000, userUsage: 1_000_000, systemUsage: 500_000, throttling: { periods: 10, throttledPeriods: 4, throttledTime: 200_000 } });
  assert.deepEqual(s.pids, { current: 3, limit: 10 });
  assert.deepEqual(s.blkio.ioServiceBytes, [{ major: 7, minor: 0, op: 'read', value: 4096 }, { major: 7, minor: 0, op: 'write', value: 2097152 }]);
  assert.deepEqual(s.blkio.ioServiced, [{ major: 7, minor: 0, op: 'read', value: 1 }, { major: 7, minor: 0, op: 'write', value: 32 }]);
  assert.equal(cg.oomKillCount(), 2);
});

test('lowering memory.max below unreclaimable usage is refused with a clear error', () => {
  fakeTree('c5');
  const cg = openCgroup('wharf/c5', { root });
  cg.create();
  put('wharf/c5/memory.current', String(200 * M));
  put('wharf/c5/memory.stat', `anon ${190 * M}\nfile ${10 * M}\n`);
  put('wharf/c5/memory.swap.max', '0\n');
  assert.throws(() => cg.update({ memory: { limit: 50 * M } }), /memory\.limit to 52428800: it is below the memory the container already uses/);
  assert.equal(read('wharf/c5/memory.max'), '', 'nothing written');
  cg.update({ memory: { limit: 195 * M } });
  assert.equal(read('wharf/c5/memory.max'), String(195 * M), 'page cache can be reclaimed');
});

test('bad input changes nothing', () => {
  fakeTree();
  const cg = openCgroup('wharf/bad', { root });
  assert.throws(() => cg.create({ cpu: { shares: 1.5 } }), /linux\.resources\.cpu\.shares: must be an integer/);
  assert.equal(fs.existsSync(path.join(root, 'wharf')), false);
  assert.equal(read('cgroup.subtree_control'), '');
});
