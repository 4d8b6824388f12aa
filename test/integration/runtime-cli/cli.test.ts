// wharf-runtime, the runc-compatible command line, driven as a tool that drives runc would:
// every verb run as its own process against a --root state directory.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleRuntimeCli } from '../../../src/runtime/cli/bundle.js';
import { executorPath } from '../../../src/runtime/executor/path.js';
import type { Spec } from '../../../src/runtime/spec/types.js';
import { capture, dockerSpec, makeFixture, settledLeftovers, until } from '../../helpers/runtime-fixture.js';

const CLI = fileURLToPath(new URL('../../../src/runtime/cli/main.js', import.meta.url));
const fx = makeFixture('wharf-rt-cli-');
const root = join(fx.base, 'state');
after(async () => {
  for (const id of ['life', 'forced', 'ran', 'tty-run', 'console']) await wr(['delete', '--force', id]);
  fx.cleanup();
});

interface Result { code: number; stdout: string; stderr: string }

let calls = 0;

/**
 * Runs wharf-runtime --root <root> <args>; never rejects. Output goes to files and we wait for
 * the exit, not for the streams to close: a created container keeps the stdio it was given
 * (as with runc, whose callers hand it fifos).
 */
function wr(args: string[], opts: { cwd?: string; cli?: string } = {}): Promise<Result> {
  const out = join(fx.base, `out-${++calls}`);
  const err = join(fx.base, `err-${calls}`);
  const fds = [openSync(out, 'w'), openSync(err, 'w')];
  const child = spawn(process.execPath, [opts.cli ?? CLI, '--root', root, ...args], {
    cwd: opts.cwd, stdio: ['ignore', fds[0]!, fds[1]!],
    env: { ...process.env, WHARF_EXEC: executorPath() }, // a bundle outside the package finds it so
  });
  for (const fd of fds) closeSync(fd);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') });
    });
  });
}

async function ok(args: string[], opts: { cwd?: string } = {}): Promise<string> {
  const r = await wr(args, opts);
  assert.equal(r.code, 0, `wharf-runtime ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const status = async (id: string) => (JSON.parse(await ok(['state', id])) as { status: string; pid: number });

test('create, state, start, ps, list, pause/resume, exec, kill, delete', async () => {
  const bundle = fx.bundleFor('life', dockerSpec(['sh', '-c', 'echo started > /tmp/life-ran; exec sleep 60']));
  const pidFile = join(fx.base, 'life.pid');
  await ok(['create', '--bundle', bundle, '--pid-file', pidFile, 'life']);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const st = await status('life');
  assert.equal(st.status, 'created');
  assert.equal(st.pid, pid);
  assert.ok(existsSync(`/proc/${pid}`));
  assert.equal(existsSync(join(fx.rootfs, 'tmp/life-ran')), false, 'nothing ran before start');

  await ok(['start', 'life']);
  await until(() => existsSync(join(fx.rootfs, 'tmp/life-ran')), 5000, 'the program to write its file');
  assert.equal((await status('life')).status, 'running');
  assert.match(await ok(['ps', 'life']), new RegExp(`^${pid}\\s+sleep 60$`, 'm'));
  assert.deepEqual(JSON.parse(await ok(['ps', '--format', 'json', 'life'])), [pid]);
  assert.match(await ok(['list']), new RegExp(`^life\\s+${pid}\\s+running\\s+${bundle}$`, 'm'));

  await ok(['pause', 'life']);
  assert.equal((await status('life')).status, 'paused');
  assert.match(await ok(['list', '--format', 'json']), /"status":"paused"/);
  await ok(['resume', 'life']);
  assert.equal((await status('life')).status, 'running');

  const ex = await wr(['exec', 'life', 'sh', '-c', 'cat /tmp/life-ran; echo pid1=$(cat /proc/1/cmdline | tr "\\0" " "); exit 3']);
  assert.equal(ex.code, 3, ex.stderr);
  assert.match(ex.stdout, /^started\npid1=sleep 60\s*\n$/);

  const refused = await wr(['delete', 'life']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /cannot delete container "life": it is running/);

  await ok(['kill', 'life', 'KILL']);
  await until(() => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '), 5000, 'the kill');
  assert.equal((await status('life')).status, 'stopped');
  await ok(['delete', 'life']);
  const gone = await wr(['state', 'life']);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /container "life" does not exist/);
  assert.equal((await ok(['list', '--quiet'])).trim(), '');
});

test('delete --force kills a running container; kill of a stopped one fails', async () => {
  const bundle = fx.bundleFor('forced', dockerSpec(['sleep', '60']));
  await ok(['create', '-b', bundle, 'forced']);
  await ok(['start', 'forced']);
  const { pid } = await status('forced');
  await ok(['delete', '--force', 'forced']);
  assert.equal(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '), false, 'the init is gone');
  await ok(['delete', '--force', 'forced']); // idempotent, like runc
  const k = await wr(['kill', 'forced']);
  assert.equal(k.code, 1);
  assert.match(k.stderr, /does not exist/);
  const bad = await wr(['kill', 'forced', 'SIGNOPE']);
  assert.equal(bad.code, 1);
});

test('run propagates the exit code and output, then removes the container', async () => {
  const bundle = fx.bundleFor('ran', dockerSpec(['sh', '-c', 'echo out-of-run; hostname; exit 7']));
  const r = await wr(['run', '--bundle', bundle, 'ran']);
  assert.equal(r.code, 7, r.stderr);
  assert.equal(r.stdout, 'out-of-run\nwharf\n');
  assert.equal((await wr(['state', 'ran'])).code, 1, 'removed after run');
});

test('spec writes a config.json that run accepts (with a relayed terminal)', async () => {
  const bundle = join(fx.base, 'bundle-tty-run');
  mkdirSync(bundle);
  await ok(['spec', '--bundle', bundle]);
  const again = await wr(['spec', '--bundle', bundle]);
  assert.equal(again.code, 1, 'an existing config.json is not overwritten');
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as Spec;
  assert.equal(spec.root!.path, 'rootfs');
  assert.equal(spec.process!.terminal, true);
  spec.root!.path = '../rootfs';
  spec.process!.args = ['sh', '-c', 'tty; exit 4'];
  spec.linux!.cgroupsPath = `/${fx.cgroupParent}/tty-run`;
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  const r = await wr(['run', 'tty-run'], { cwd: bundle });
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stdout, /^\/dev\/pts\/0\r?\n/);
});

test('the esbuild bundle of the CLI runs containers like the compiled one', async () => {
  const bundled = await bundleRuntimeCli(join(fx.base, 'wharf-runtime.mjs'));
  const bundle = fx.bundleFor('bundled', dockerSpec(['sh', '-c', 'echo from-bundle; exit 9']));
  const r = await wr(['run', '-b', bundle, 'bundled'], { cli: bundled });
  assert.equal(r.code, 9, r.stderr);
  assert.equal(r.stdout, 'from-bundle\n');
  assert.equal(JSON.parse((await wr(['features'], { cli: bundled })).stdout).ociVersionMax, '1.2.1');
});

test('features prints valid JSON', async () => {
  const f = JSON.parse(await ok(['features'])) as { ociVersionMax: string; linux: { namespaces: string[]; capabilities: string[] } };
  assert.equal(f.ociVersionMax, '1.2.1');
  assert.deepEqual([...f.linux.namespaces].sort(), ['cgroup', 'ipc', 'mount', 'network', 'pid', 'user', 'uts']);
  assert.ok(f.linux.capabilities.includes('CAP_SYS_ADMIN'));
});

// Accepts one connection, takes the fd sent with SCM_RIGHTS and reads the pty master until the
// container closes its side.
const RECEIVER = `
import array, json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
print("listening", flush=True)
conn, _ = s.accept()
fds = array.array("i")
msg, anc, _, _ = conn.recvmsg(1024, socket.CMSG_LEN(4 * fds.itemsize))
for level, kind, data in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
out = b""
while fds:
    try:
        chunk = os.read(fds[0], 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
print(json.dumps({"fds": len(fds), "isatty": bool(fds) and os.isatty(fds[0]), "data": out.decode(errors="replace")}), flush=True)
`;

test('--console-socket hands the pty master to the caller', async () => {
  const spec = dockerSpec(['sh', '-c', 'tty; echo hello-console']);
  spec.process!.terminal = true;
  const bundle = fx.bundleFor('console', spec);
  const sock = join(fx.base, 'console.sock');
  const py = spawn('python3', ['-c', RECEIVER, sock], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = capture(py.stdout);
  const err = capture(py.stderr);
  try {
    await until(() => out.text().includes('listening'), 10_000, 'the receiver');
    const refused = await wr(['create', '-b', bundle, 'console-no-socket']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--console-socket/);
    await ok(['create', '-b', bundle, '--console-socket', sock, 'console']);
    await ok(['start', 'console']);
    await until(() => out.text().includes('"data"'), 10_000, `the receiver's report (${err.text()})`);
    const report = JSON.parse(out.text().split('\n')[1]!) as { fds: number; isatty: boolean; data: string };
    assert.equal(report.fds, 1);
    assert.equal(report.isatty, true);
    assert.match(report.data, /^\/dev\/pts\/0\r\nhello-console\r\n$/);
    await ok(['delete', 'console']);
  } finally {
    py.kill('SIGKILL');
  }
});

test('bad bundles fail with a clear error, exit 1, and leave nothing; --log gets the error', async () => {
  const log = join(fx.base, 'runtime.log');
  const noBundle = await wr(['--log', log, 'create', '--bundle', join(fx.base, 'missing'), 'nob']);
  assert.equal(noBundle.code, 1);
  assert.match(noBundle.stderr, /^wharf-runtime: bundle: .*missing\/config\.json does not exist\n$/);
  assert.match(readFileSync(log, 'utf8'), /level=error msg="bundle: .*missing\/config\.json does not exist"/);

  const badRoot = fx.bundleFor('badroot', dockerSpec(['true']));
  writeFileSync(join(badRoot, 'config.json'), readFileSync(join(badRoot, 'config.json'), 'utf8').replace('"../rootfs"', '"nope"'));
  const r1 = await wr(['--log', log, '--log-format', 'json', 'run', '-b', badRoot, 'badroot']);
  assert.equal(r1.code, 1);
  assert.match(r1.stderr, /root\.path.*nope.*does not exist/);
  const last = JSON.parse(readFileSync(log, 'utf8').trim().split('\n').pop()!) as { level: string; msg: string };
  assert.equal(last.level, 'error');
  assert.match(last.msg, /root\.path/);

  const invalid = fx.bundleFor('invalid', dockerSpec(['true']));
  writeFileSync(join(invalid, 'config.json'), '{"ociVersion": "1.2.1", "process": {"args": "true"}');
  const r2 = await wr(['create', '-b', invalid, 'invalid']);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /config\.json/);

  const noBin = fx.bundleFor('nobin', dockerSpec(['/bin/no-such-binary']));
  const r3 = await wr(['run', '-b', noBin, 'nobin']);
  assert.equal(r3.code, 1);
  assert.match(r3.stderr, /\/bin\/no-such-binary.*(ENOENT|no such file)/i);

  assert.deepEqual(await settledLeftovers(fx), { cgroupDirs: [], mounts: [], stateDirs: [], processes: [] });
});
