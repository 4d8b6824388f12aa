// The executor's host-side mounts (the rootfs made by the executor before clone, undone after the
// exit) and the init joining its cgroup by itself (v1 tasks files, clone into the cgroup2 dir).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMounted } from '../../../src/engine/containers/rootfs.js';
import { dockerSpec, makeFixture, runToEnd, startContainer, suffix } from '../../helpers/runtime-fixture.js';

const fx = makeFixture('wharf-rt-hostmnt-');
after(() => fx.cleanup());

const MS_BIND = 4096;

test('a host mount given to create is the rootfs while the container runs and is gone when the exit is reported', async () => {
  // A bind of the busybox tree onto an empty directory is the container's root.
  const bundle = join(fx.base, `bundle-${suffix()}`);
  const target = join(bundle, 'rootfs');
  mkdirSync(target, { recursive: true });
  writeFileSync(join(fx.rootfs, 'etc', 'hostmount-marker'), 'from the bound tree\n');
  const spec = dockerSpec(['sh', '-c', 'cat /etc/hostmount-marker; sleep 30']);
  const id = `hm-${suffix()}`;
  const c = await fx.runtime.create(id, {
    bundle, spec, io: { stdio: ['ignore', 'pipe', 'pipe'] },
    hostMounts: [{ source: fx.rootfs, target, fstype: '', flags: MS_BIND }],
  });
  try {
    assert.equal(isMounted(target), true, 'mounted on the host by the executor during create');
    await c.start();
    c.kill('SIGKILL');
    await c.wait();
    // The monitor unmounts before it reports the exit.
    assert.equal(isMounted(target), false, 'unmounted once the exit is known');
  } finally {
    await c.delete(true).catch(() => {});
    rmSync(bundle, { recursive: true, force: true });
  }
});

test('a host mount that fails is reported by its target, and nothing is left mounted or created', async () => {
  const bundle = join(fx.base, `bundle-${suffix()}`);
  const target = join(bundle, 'rootfs');
  mkdirSync(target, { recursive: true });
  const id = `hmbad-${suffix()}`;
  await assert.rejects(
    fx.runtime.create(id, {
      bundle, spec: dockerSpec(['true']), io: { stdio: 'ignore' },
      hostMounts: [
        { source: fx.rootfs, target, fstype: '', flags: MS_BIND },
        { source: join(fx.base, 'does-not-exist'), target: join(target, 'mnt'), fstype: '', flags: MS_BIND },
      ],
    }),
    /mnt.*ENOENT|ENOENT.*mnt/,
  );
  assert.equal(isMounted(target), false, 'the first mount was undone');
  assert.throws(() => fx.runtime.get(id), /does not exist/);
  rmSync(bundle, { recursive: true, force: true });
});

test('the init is in its cgroup in every hierarchy from its first instruction', async () => {
  const id = `cg-${suffix()}`;
  const spec = dockerSpec(['cat', '/proc/self/cgroup']);
  spec.linux!.cgroupsPath = `${fx.cgroupParent}/${id}`;
  // Host cgroup namespace, so the paths read inside are the host's.
  spec.linux!.namespaces = spec.linux!.namespaces!.filter((n) => n.type !== 'cgroup');
  const r = await runToEnd(fx, spec);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const hostLines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
  // Every hierarchy the host has (named ones such as systemd aside) shows the container's cgroup.
  let checked = 0;
  for (const host of hostLines) {
    const [hid, controllers] = host.split(':');
    if (controllers!.startsWith('name=')) continue;
    const line = lines.find((l) => l.startsWith(`${hid}:`));
    assert.ok(line, `hierarchy ${host} is listed in the container`);
    assert.match(line, new RegExp(`/${fx.cgroupParent}/${id}$`), `${host}: the init is in the container's cgroup`);
    checked++;
  }
  assert.ok(checked >= 2, `hierarchies checked: ${checked}`);
});
