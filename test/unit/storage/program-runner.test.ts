// runProgram: programs run through long-lived shells answer exactly as a direct spawn would
// (status, stdout, stderr, arguments passed literally, working directory), in any number at once,
// and an idle shell does not keep Node running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProgram } from '../../../src/storage/program-runner.js';

test('status, stdout and stderr come back apart, output without a final newline included', async () => {
  assert.deepEqual(await runProgram('sh', ['-c', 'printf out; echo err >&2; exit 3']), { code: 3, stdout: 'out', stderr: 'err\n' });
  assert.deepEqual(await runProgram('true', []), { code: 0, stdout: '', stderr: '' });
  const missing = await runProgram('wharf-no-such-program', []);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /wharf-no-such-program/);
});

test('arguments reach the program literally: quotes, $, spaces, newlines, globs', async () => {
  const args = [`it's "quoted"`, '$HOME $(id) `id`', 'a  b', 'line1\nline2', '*', ';', '-n'];
  const r = await runProgram('printf', ['%s\\0', ...args]);
  assert.equal(r.code, 0);
  assert.deepEqual(r.stdout.split('\0').slice(0, -1), args);
});

test('a working directory applies to that command only; the program reads no stdin', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-runner-'));
  try {
    assert.equal((await runProgram('pwd', [], { cwd: dir })).stdout, `${fs.realpathSync(dir)}\n`);
    assert.equal((await runProgram('pwd', [])).stdout, `${process.cwd()}\n`);
    assert.equal((await runProgram('sh', ['-c', 'cat; echo done'])).stdout, 'done\n');
    assert.notEqual((await runProgram('pwd', [], { cwd: path.join(dir, 'missing') })).code, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('many commands at once each get their own answer; large output arrives whole', async () => {
  const rs = await Promise.all(Array.from({ length: 24 }, (_, i) => runProgram('sh', ['-c', `echo ${i}; echo e${i} >&2; exit ${i % 5}`])));
  rs.forEach((r, i) => assert.deepEqual(r, { code: i % 5, stdout: `${i}\n`, stderr: `e${i}\n` }));
  const big = await runProgram('head', ['-c', String(3 << 20), '/dev/zero']);
  assert.equal(big.stdout.length, 3 << 20);
});

test('Node exits while its shells are idle (they end with it)', () => {
  const runner = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../src/storage/program-runner.js');
  const script = `import { runProgram } from ${JSON.stringify(runner)}; const r = await runProgram('echo', ['hi']); process.stdout.write(r.stdout);`;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'hi\n');
  assert.ok(Date.now() - t0 < 15_000);
});

test('input reaches the program\'s stdin exactly: lines, quotes, $ and backticks, with or without a final newline', async () => {
  const batch = 'link add a type veth peer name b\n$HOME `id` \'q\' "d"\n\tlast line';
  assert.deepEqual(await runProgram('cat', [], { input: batch }), { code: 0, stdout: batch + '\n', stderr: '' });
  assert.equal((await runProgram('cat', [], { input: 'one\n' })).stdout, 'one\n');
  assert.equal((await runProgram('wc', ['-c'], { input: '' })).stdout.trim(), '0');
  // A line that could end the shell's here-document goes to a direct spawn instead, whole.
  const tokenLike = 'a\n0123456789abcdef01234567\nb';
  assert.equal((await runProgram('cat', [], { input: tokenLike })).stdout, tokenLike);
  const failed = await runProgram('sh', ['-c', 'read x; echo "got $x" >&2; exit 5'], { input: 'it' });
  assert.deepEqual(failed, { code: 5, stdout: '', stderr: 'got it\n' });
});
