// Lifecycle through the runtime library: created → running → paused → running → stopped, kill
// with signals, delete, and bad input that fails cleanly.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Runtime } from '../../../src/runtime/runtime.js';
import type { Spec } from '../../../src/runtime/spec/types.js';
import { dockerSpec, makeFixture, settledLeftovers, startContainer, suffix, until } from '../../helpers/runtime-fixture.js';

const fx = makeFixture('wharf-rt-life-');
after(() => fx.cleanup());

test('state goes created → running → paused → running → stopped, and delete forgets it', async () => {
  const marker = join(fx.rootfs, 'tmp', `started-${suffix()}`);
  const spec = dockerSpec(['sh', '-c', `echo > ${marker.slice(fx.rootfs.length)}; exec sleep 60`]);
  const id = `life-${suffix()}`;
  const c = await fx.runtime.create(id, { bundle: fx.bundle, spec, io: { stdio: 'ignore' } });
  try {
    assert.equal(c.status(), 'created');
    const st = c.state();
    assert.equal(st.status, 'created');
    assert.equal(st.id, id);
    assert.equal(st.bundle, fx.bundle);
    assert.ok(st.pid! > 0 && existsSync(`/proc/${st.pid}`), 'the init exists while created');
    assert.equal(existsSync(marker), false, 'the program has not run yet');
    // Another Runtime on the same root (another process, the CLI) sees the same state.
    const other = new Runtime({ root: join(fx.base, 'state'), cgroupParent: fx.cgroupParent });
    assert.equal(other.get(id).status(), 'created');
    assert.deepEqual(other.list().map((s) => [s.id, s.status]), [[id, 'created']]);

    await c.start();
    await until(() => existsSync(marker), 5000, 'the program to run');
    assert.equal(c.status(), 'running');
    assert.equal(other.get(id).state().status, 'running');
    await assert.rejects(c.start(), /cannot start container .*running, not created/);

    c.pause();
    assert.equal(c.status(), 'paused');
    assert.equal(other.get(id).status(), 'paused');
    assert.throws(() => c.pause(), /cannot pause .*paused/);
    c.resume();
    assert.equal(c.status(), 'running');
    assert.throws(() => c.resume(), /cannot resume .*running, not paused/);

    await assert.rejects(c.delete(), /cannot delete container .*running \(use force\)/);
    c.kill('SIGKILL');
    assert.deepEqual(await c.wait(), { code: null, signal: 'SIGKILL' });
    assert.equal(c.status(), 'stopped');
    assert.equal(c.state().pid, 0);
    // A waiter in another Runtime learns the exit status from the monitor's status file.
    assert.deepEqual(await other.get(id).wait(), { code: null, signal: 'SIGKILL' });
    assert.throws(() => c.kill('SIGTERM'), /not running/);
    await c.delete();
    assert.throws(() => fx.runtime.get(id), /container "life-.*" does not exist/);
    assert.deepEqual(fx.runtime.list(), []);
  } finally {
    await c.delete(true).catch(() => {});
  }
});

test('kill delivers any signal: trapped ones run handlers, SIGTERM ends with the trap\'s code', async () => {
  const script = 'trap "echo got-usr1" USR1; trap "echo got-hup" HUP; trap "exit 3" TERM; echo ready; while :; do sleep 5 & wait $!; done';
  const r = await startContainer(fx, dockerSpec(['sh', '-c', script]));
  try {
    await until(() => r.stdout().includes('ready'), 5000, 'ready');
    r.container.kill('SIGUSR1');
    await until(() => r.stdout().includes('got-usr1'), 5000, 'the USR1 trap');
    r.container.kill(1); // by number: SIGHUP
    await until(() => r.stdout().includes('got-hup'), 5000, 'the HUP trap');
    r.container.kill('SIGTERM');
    assert.deepEqual(await r.container.wait(), { code: 3, signal: null });
  } finally {
    await r.container.delete(true);
  }
});

test('kill --all reaches every process, and pid 1 ignores SIGTERM without a handler', async () => {
  const r = await startContainer(fx, dockerSpec(['sh', '-c', 'sleep 60 & sleep 61 & echo ready; wait']));
  try {
    await until(() => r.container.processes().length === 3 && r.stdout().includes('ready'), 5000, 'three processes');
    r.container.kill('SIGTERM'); // init of a pid namespace: no handler, so ignored
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(r.container.status(), 'running');
    r.container.kill('SIGKILL', true);
    assert.equal((await r.container.wait()).signal, 'SIGKILL');
    await until(() => r.container.processes().length === 0, 5000, 'every process gone');
  } finally {
    await r.container.delete(true);
  }
});

function badInputs(): [string, (s: Spec) => void, RegExp][] {
  return [
    ['invalid config', (s) => { (s.process as unknown as { args: string }).args = 'sh'; }, /process\.args/],
    ['invalid hostname type', (s) => { (s as unknown as { hostname: number }).hostname = 5; }, /hostname/],
    ['missing rootfs', (s) => { s.root!.path = 'no-such-rootfs'; }, /root\.path.*no-such-rootfs.*does not exist/],
    ['missing binary', (s) => { s.process!.args = ['/bin/no-such-program']; }, /\/bin\/no-such-program.*(ENOENT|no such file)/i],
    ['bad namespace path', (s) => { s.linux!.namespaces = s.linux!.namespaces!.map((n) => n.type === 'network' ? { type: 'network', path: '/proc/999999999/ns/net' } : n); },
      /\/proc\/999999999\/ns\/net/],
    ['namespace path of the wrong type', (s) => { s.linux!.namespaces = s.linux!.namespaces!.map((n) => n.type === 'network' ? { type: 'network', path: '/proc/self/ns/uts' } : n); },
      /\/proc\/self\/ns\/uts/],
    ['bind mount of a missing source', (s) => { s.mounts!.push({ destination: '/data', type: 'bind', source: '/no/such/dir', options: ['rbind'] }); },
      /mounts\[\d+\]\.source.*\/no\/such\/dir/],
    ['mount of an unknown filesystem', (s) => { s.mounts!.push({ destination: '/data', type: 'nosuchfs', source: 'x' }); },
      /\/data.*nosuchfs|nosuchfs.*\/data/],
    ['mount over a file with a directory', (s) => { s.mounts!.push({ destination: '/bin/busybox/x', type: 'tmpfs', source: 'tmpfs' }); },
      /\/bin\/busybox/],
  ];
}

for (const [what, mutate, message] of badInputs()) {
  test(`bad input (${what}) gives a clear error and leaves nothing behind`, async () => {
    const spec = dockerSpec(['true']);
    mutate(spec);
    const id = `bad-${suffix()}`;
    await assert.rejects(fx.runtime.create(id, { bundle: fx.bundle, spec, io: { stdio: 'ignore' } }), (e: Error) => {
      assert.match(e.message, message);
      return true;
    });
    assert.deepEqual(await settledLeftovers(fx), { cgroupDirs: [], mounts: [], stateDirs: [], processes: [] });
    assert.throws(() => fx.runtime.get(id), /does not exist/);
  });
}

test('bad ids and a missing bundle config are refused before anything is made', async () => {
  await assert.rejects(fx.runtime.create('../escape', { bundle: fx.bundle, spec: dockerSpec(['true']) }), /invalid container id/);
  await assert.rejects(fx.runtime.create('x', { bundle: join(fx.base, 'nowhere') }), /bundle: .*nowhere\/config\.json does not exist/);
  const c = await fx.runtime.create('taken', { bundle: fx.bundle, spec: dockerSpec(['true']), io: { stdio: 'ignore' } });
  await assert.rejects(fx.runtime.create('taken', { bundle: fx.bundle, spec: dockerSpec(['true']) }), /container "taken" already exists/);
  assert.equal(c.status(), 'created', 'the existing container is untouched');
  await c.delete();
  assert.deepEqual(await settledLeftovers(fx), { cgroupDirs: [], mounts: [], stateDirs: [], processes: [] });
});
