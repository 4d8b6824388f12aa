// Block I/O throttling, the device allow-list and the freezer, proven by effect.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { newCgroup, runIn, cleanup, until, sleep } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cgtest-'));
let loopDev = '';
after(() => {
  cleanup();
  if (loopDev) execFileSync('losetup', ['-d', loopDev]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const MB = 1 << 20;

test('write bps throttle slows O_DIRECT writes to a loop device to ~1 MB/s', async () => {
  const backing = path.join(tmp, 'disk.img');
  fs.writeFileSync(backing, '');
  fs.truncateSync(backing, 8 * MB);
  loopDev = execFileSync('losetup', ['-f', '--show', backing], { encoding: 'utf8' }).trim();
  const rdev = fs.statSync(loopDev).rdev;
  const major = (rdev >> 8) & 0xfff;
  const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);

  const cg = newCgroup('bps');
  cg.create({ blockIO: { throttleWriteBpsDevice: [{ major, minor, rate: MB }] } });
  const p = await runIn(cg, `exec dd if=/dev/zero of=${loopDev} bs=64k count=32 oflag=direct`);
  const { code } = await p.exited;
  const seconds = (Date.now() - p.releasedAt) / 1000;
  assert.equal(code, 0, p.stderr());
  assert.ok(seconds >= 1.5, `2 MiB took ${seconds.toFixed(2)} s`);
  const written = cg.stats().blkio.ioServiceBytes.find((e) => e.major === major && e.minor === minor && e.op === 'Write');
  assert.ok(written && written.value >= 2 * MB, `io_service_bytes Write: ${JSON.stringify(written)}`);
  const ops = cg.stats().blkio.ioServiced.find((e) => e.major === major && e.minor === minor && e.op === 'Write');
  assert.ok(ops && ops.value >= 32);
  cg.destroy();
  execFileSync('losetup', ['-d', loopDev]);
  loopDev = '';
});

test('a denied device cannot be opened while allowed ones still work', async () => {
  const script = 'if echo x > /dev/null; then echo null-ok; fi; head -c 4 /dev/zero | wc -c';
  // Allow-all base with one deny, and deny-all base with one allow: both must refuse /dev/null.
  const lists = [
    [{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' }],
    [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }],
  ];
  for (const devices of lists) {
    const cg = newCgroup('devices');
    cg.create({ devices });
    const p = await runIn(cg, script);
    await p.exited;
    assert.match(p.stderr(), /\/dev\/null.*(Operation not permitted|Permission denied)/i);
    assert.doesNotMatch(p.stdout(), /null-ok/);
    assert.equal(p.stdout().trim(), '4', '/dev/zero still readable');
    cg.destroy();
  }
  // Control: without the rule the same script works.
  const open = newCgroup('devices-open');
  open.create({ devices: [{ allow: true, access: 'rwm' }] });
  const p = await runIn(open, script);
  await p.exited;
  assert.match(p.stdout(), /null-ok/);
  open.destroy();
});

test('a frozen process makes no progress until thawed', async () => {
  const cg = newCgroup('freezer');
  cg.create();
  // The counter writes to a pipe, not a file: disk writeback on a busy host would stall it.
  const p = await runIn(cg, 'i=0; while :; do i=$((i+1)); echo $i; done');
  const count = () => {
    const out = p.stdout();
    const end = out.lastIndexOf('\n');
    return end < 0 ? 0 : Number(out.slice(out.lastIndexOf('\n', end - 1) + 1, end));
  };
  await until(() => count() > 100, 5000, 'the counter to run');
  cg.freeze();
  assert.equal(cg.state(), 'frozen');
  await sleep(50); // let node read what was already in the pipe
  const frozenAt = count();
  await sleep(300);
  assert.equal(count(), frozenAt, 'no progress while frozen');
  cg.thaw();
  assert.equal(cg.state(), 'thawed');
  await until(() => count() > frozenAt + 100, 5000, 'progress after thaw');

  // Signalling a paused cgroup keeps it paused; the signal lands once thawed.
  cg.freeze();
  cg.killAll('SIGTERM');
  assert.equal(cg.state(), 'frozen');
  await sleep(100);
  assert.equal(cg.pids().length, 1, 'still there while frozen');
  cg.thaw();
  assert.equal((await p.exited).signal, 'SIGTERM');
  await until(() => cg.pids().length === 0, 5000, 'the counter to leave the cgroup');
  cg.destroy();
});
