import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatIdMap, idMappingProblems, toContainerId, toHostId, writeIdMaps } from '../../../src/runtime/idmap.js';

const maps = [{ containerID: 0, hostID: 100000, size: 1000 }, { containerID: 1000, hostID: 1000, size: 1 }];

test('maps are one "container host size" line each', () => {
  assert.equal(formatIdMap(maps), '0 100000 1000\n1000 1000 1\n');
});

test('ids translate both ways; unmapped ids are undefined; no mappings means identity', () => {
  assert.equal(toHostId(maps, 0), 100000);
  assert.equal(toHostId(maps, 999), 100999);
  assert.equal(toHostId(maps, 1000), 1000);
  assert.equal(toHostId(maps, 1001), undefined);
  assert.equal(toContainerId(maps, 100010), 10);
  assert.equal(toContainerId(maps, 5), undefined);
  assert.equal(toHostId(undefined, 42), 42);
  assert.equal(toContainerId([], 42), 42);
});

test('problems: overlaps, empty ranges, too many lines', () => {
  assert.deepEqual(idMappingProblems(maps), []);
  assert.deepEqual(idMappingProblems([...maps, { containerID: 500, hostID: 0, size: 10 }]), [{ at: '[2]', problem: 'container ids overlap entry [0]' }]);
  assert.deepEqual(idMappingProblems([{ containerID: 0, hostID: 0, size: 10 }, { containerID: 10, hostID: 5, size: 10 }]), [{ at: '[1]', problem: 'host ids overlap entry [0]' }]);
  assert.deepEqual(idMappingProblems([{ containerID: 0, hostID: 0, size: 0 }]), [{ at: '[0].size', problem: 'must be at least 1' }]);
  const many = Array.from({ length: 341 }, (_, i) => ({ containerID: i, hostID: i, size: 1 }));
  assert.equal(idMappingProblems(many)[0]?.problem, 'at most 340 mappings are allowed');
});

test('writeIdMaps writes setgroups first when denying, then uid_map and gid_map', () => {
  const proc = mkdtempSync(join(tmpdir(), 'wharf-idmap-'));
  try {
    mkdirSync(join(proc, '77'));
    writeIdMaps(77, maps, [{ containerID: 0, hostID: 200000, size: 65536 }], { procRoot: proc, denySetgroups: true });
    assert.equal(readFileSync(join(proc, '77/setgroups'), 'utf8'), 'deny');
    assert.equal(readFileSync(join(proc, '77/uid_map'), 'utf8'), '0 100000 1000\n1000 1000 1\n');
    assert.equal(readFileSync(join(proc, '77/gid_map'), 'utf8'), '0 200000 65536\n');
    writeFileSync(join(proc, '77/setgroups'), 'allow');
    writeIdMaps(77, maps, maps, { procRoot: proc, denySetgroups: false });
    assert.equal(readFileSync(join(proc, '77/setgroups'), 'utf8'), 'allow');
    assert.throws(() => writeIdMaps(78, maps, maps, { procRoot: proc }), /^Error: linux\.(uidMappings|setgroups)?.*writing .*\/78\/.*ENOENT/);
  } finally {
    rmSync(proc, { recursive: true, force: true });
  }
});

const haveUnshare = process.geteuid?.() === 0 && spawnSync('unshare', ['--version']).status === 0;

test('maps written for a real process in a new user namespace take effect', { skip: !haveUnshare && 'needs root and unshare(1)' }, async () => {
  // The child waits until its uid inside the namespace is 0, then prints its view of the maps.
  const child = spawn('unshare', ['--user', 'sh', '-c', 'while [ "$(id -u)" != 0 ]; do sleep 0.01; done; id -u; cat /proc/self/uid_map'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    // unshare(1) execs sh in the new namespace; wait for that (its uid_map exists but is empty).
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const ns = spawnSync('readlink', [`/proc/${child.pid}/ns/user`]).stdout.toString();
      if (ns && ns !== spawnSync('readlink', ['/proc/self/ns/user']).stdout.toString()) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    writeIdMaps(child.pid!, [{ containerID: 0, hostID: 0, size: 1 }], [{ containerID: 0, hostID: 0, size: 1 }]);
    assert.equal(await exited, 0);
    const [uid, line] = out.trim().split('\n');
    assert.equal(uid, '0');
    assert.deepEqual(line?.trim().split(/\s+/), ['0', '0', '1']);
  } finally {
    child.kill('SIGKILL');
  }
});
