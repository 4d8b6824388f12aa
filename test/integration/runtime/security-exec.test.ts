// Docker's default security settings as the container sees them, exec into a running
// container, and a relayed terminal.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { capture, dockerSpec, settledLeftovers, makeFixture, nsLinks, runToEnd, startContainer, until } from '../../helpers/runtime-fixture.js';

const fx = makeFixture('wharf-rt-sec-');
after(() => fx.cleanup());

const STATUS_FIELDS = /^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):\s*(\S+)$/gm;

function statusFields(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(STATUS_FIELDS)].map((m) => [m[1]!, m[2]!]));
}

test('with the defaults /proc/self/status shows Docker\'s caps, Seccomp 2 and NoNewPrivs 0', async () => {
  const r = await runToEnd(fx, dockerSpec(['cat', '/proc/self/status']));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(statusFields(r.stdout), {
    CapInh: '0000000000000000', CapPrm: '00000000a80425fb', CapEff: '00000000a80425fb',
    CapBnd: '00000000a80425fb', CapAmb: '0000000000000000', NoNewPrivs: '0', Seccomp: '2',
  });
});

test('a syscall Docker\'s profile denies fails with EPERM', async () => {
  // unshare(CLONE_NEWUSER) needs no capability: only seccomp can refuse it.
  const script = 'unshare -U true && echo unshare-ok; mount -t tmpfs none /mnt && echo mount-ok; true';
  const r = await runToEnd(fx, dockerSpec(['sh', '-c', script]));
  assert.match(r.stderr, /unshare.*Operation not permitted/);
  assert.match(r.stderr, /mount.*(Operation not permitted|permission denied)/i);
  assert.doesNotMatch(r.stdout, /unshare-ok|mount-ok/);
  // Control: the same config without the seccomp profile lets unshare -U through.
  const open = dockerSpec(['sh', '-c', script]);
  delete open.linux!.seccomp;
  const r2 = await runToEnd(fx, open);
  assert.match(r2.stdout, /unshare-ok/, r2.stderr);
});

test('exec lands in every namespace and the cgroup of its container, with its security', async () => {
  const init = await startContainer(fx, dockerSpec(['sleep', '60']));
  const c = init.container;
  try {
    const script = [
      'for n in cgroup ipc mnt net pid user uts; do echo "$n $(readlink /proc/1/ns/$n) $(readlink /proc/self/ns/$n)"; done',
      'echo cg1 $(cat /proc/1/cgroup | sort | tr "\\n" " ")',
      'echo cgs $(cat /proc/self/cgroup | sort | tr "\\n" " ")',
      'grep -E "^(CapEff|CapBnd|Seccomp|NoNewPrivs):" /proc/self/status',
      'echo pid=$$',
    ].join('; ');
    const proc = { ...c.spec.process!, args: ['sh', '-c', script] };
    const ex = await c.exec(proc, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = capture(ex.io.stdout);
    const err = capture(ex.io.stderr);
    const exit = await ex.exited;
    const stdout = await out.done;
    assert.equal(exit.code, 0, await err.done);
    const lines = stdout.trim().split('\n');
    const host = nsLinks(c.pid);
    for (const l of lines.filter((x) => /^(cgroup|ipc|mnt|net|pid|user|uts) /.test(x))) {
      const [ns, ofInit, ofExec] = l.split(' ');
      assert.equal(ofExec, ofInit, `${ns} namespace of the exec'd process`);
      assert.equal(ofExec, host[ns!], `${ns}: the inode the host sees for the init`);
    }
    const cg = (tag: string) => lines.find((l) => l.startsWith(tag + ' '))!.slice(tag.length + 1);
    assert.equal(cg('cgs'), cg('cg1'));
    assert.ok(cg('cgs').includes(`/${fx.cgroupParent}/${c.id}`), cg('cgs'));
    assert.deepEqual(statusFields(stdout), { CapEff: '00000000a80425fb', CapBnd: '00000000a80425fb', NoNewPrivs: '0', Seccomp: '2' });
    assert.ok(Number(/pid=(\d+)/.exec(stdout)![1]) > 1, 'a new process in the pid namespace');
  } finally {
    await c.delete(true);
  }
});

test('exec reports the exit code, and a missing binary as a clear error', async () => {
  const { container: c } = await startContainer(fx, dockerSpec(['sleep', '60']));
  try {
    const ex = await c.exec({ ...c.spec.process!, args: ['sh', '-c', 'exit 42'] }, { stdio: 'ignore' });
    assert.deepEqual(await ex.exited, { code: 42, signal: null });
    await assert.rejects(c.exec({ ...c.spec.process!, args: ['/no/such/program'] }, { stdio: 'ignore' }),
      /\/no\/such\/program.*(ENOENT|no such file)/i);
    assert.equal(c.status(), 'running', 'the container survives a failed exec');
  } finally {
    await c.delete(true);
  }
});

test('process.terminal relays a pty: tty prints /dev/pts/0', async () => {
  const spec = dockerSpec(['sh', '-c', 'tty; stty size']);
  spec.process!.terminal = true;
  const c = await fx.runtime.create('tty-' + Date.now(), { bundle: fx.bundle, spec });
  try {
    const out = capture(c.io?.stdout);
    c.io!.resize(33, 101);
    await c.start();
    const exit = await c.wait();
    await until(() => /\d+ \d+/.test(out.text()), 5000, 'stty output');
    assert.equal(exit.code, 0, out.text());
    assert.match(out.text(), /^\/dev\/pts\/0\r?\n/);
    assert.match(out.text(), /33 101/);
  } finally {
    await c.delete(true);
  }
});

test('nothing is left behind by these containers', async () => {
  assert.deepEqual(await settledLeftovers(fx), { cgroupDirs: [], mounts: [], stateDirs: [], processes: [] });
  assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(fx.base), false);
});
