// The exec process built from the container's process (env, user, caps, cwd) and launch exit codes.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { availableCapabilities, buildExecProcess, execEnv, replaceOrAppendEnv } from '../../../src/engine/exec/process.js';
import { execStdio, launchExitCode } from '../../../src/engine/exec/launch.js';
import { InvalidParameterError } from '../../../src/engine/errors.js';

test('replaceOrAppendEnv replaces by key, appends new keys and removes bare keys', () => {
  assert.deepEqual(replaceOrAppendEnv(['A=1', 'B=2', 'C=3'], ['B=x', 'D=4', 'C']), ['A=1', 'B=x', 'D=4']);
});

test('execEnv: PATH, HOSTNAME, TERM only with a TTY, then the container env, then the exec env', () => {
  const env = execEnv({ env: ['X=1', 'PATH=/bin'], tty: false, containerEnv: ['FOO=bar', 'X=0'], hostname: 'h1' });
  assert.deepEqual(env, ['PATH=/bin', 'HOSTNAME=h1', 'FOO=bar', 'X=1']);
  assert.ok(execEnv({ env: [], tty: true, containerEnv: [], hostname: 'h' }).includes('TERM=xterm'));
});

test('availableCapabilities keeps only what the bounding set allows', () => {
  // bits 0 (CHOWN) and 2 (DAC_READ_SEARCH) only
  assert.deepEqual(availableCapabilities('CapBnd:\t0000000000000005\n'), ['CAP_CHOWN', 'CAP_DAC_READ_SEARCH']);
});

test('buildExecProcess resolves the user in the rootfs and keeps the container limits', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-execproc-'));
  try {
    fs.mkdirSync(path.join(root, 'etc'));
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n');
    fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\nextra:x:50:nobody\n');
    const base = {
      cwd: '/', capabilities: { bounding: ['CAP_CHOWN'], effective: ['CAP_CHOWN'], permitted: ['CAP_CHOWN'] },
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 10 }], noNewPrivileges: true, oomScoreAdj: 5,
    };
    const input = { cmd: ['id'], env: [], user: 'nobody', workingDir: '/tmp', tty: true, privileged: false, containerEnv: [], hostname: 'h' };
    const p = buildExecProcess(base, root, input);
    assert.deepEqual(p.user, { uid: 65534, gid: 65534, additionalGids: [50], umask: 0o022 });
    assert.deepEqual([p.args, p.cwd, p.terminal, p.noNewPrivileges, p.oomScoreAdj], [['id'], '/tmp', true, true, 5]);
    assert.deepEqual(p.capabilities, base.capabilities);
    assert.deepEqual(p.rlimits, base.rlimits);
    const priv = buildExecProcess(base, root, { ...input, privileged: true });
    assert.ok(priv.capabilities!.bounding!.length > 1);
    assert.equal(buildExecProcess(base, root, { ...input, workingDir: '' }).cwd, '/');
    assert.throws(() => buildExecProcess(base, root, { ...input, user: 'nobody2' }), InvalidParameterError);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('launch failures: 127 for a missing command, 126 otherwise; stdio follows what is attached', () => {
  const e = (message: string, code: string) => Object.assign(new Error(message), { code });
  assert.equal(launchExitCode(e('exec: "x": executable file not found in $PATH', 'ENOENT')), 127);
  assert.equal(launchExitCode(e('exec: "/etc/passwd": permission denied', 'EACCES')), 126);
  assert.equal(launchExitCode(e('chdir to cwd "/nope": ENOENT', 'ENOENT')), 126);
  const s = { tty: false, attachStdin: false, attachStdout: true, attachStderr: false };
  assert.deepEqual(execStdio(s, false), ['ignore', 'pipe', 'ignore']);
  assert.deepEqual(execStdio({ ...s, tty: true }, false), ['pipe', 'pipe', 'ignore']);
  assert.deepEqual(execStdio(s, true), ['ignore', 'ignore', 'ignore']);
});
