// wharf run / create / start against a real wharfd: output, stdin, exit codes (the container's,
// 125 for flag and daemon errors, 126/127 when the command cannot run), --rm, -d, --cidfile,
// pulling a missing image, and the bundled CLI.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleCli } from '../../../src/cli/bundle.js';
import { DOCKER_NEW, startTestDaemon, type TestDaemon } from '../docker-cli/helpers.js';
import { rand, runWharf, wharfOk } from './container-helpers.js';

let t: TestDaemon;
let tmp: string;
before(async () => {
  t = await startTestDaemon();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cli-run-'));
});
after(async () => {
  await t.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('run prints the output, splits stdout and stderr, exits with the container code', async () => {
  const r = await runWharf(t.env, ['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  assert.equal(r.code, 3);
  assert.equal((await runWharf(t.env, ['run', '--rm', 'busybox', 'true'])).code, 0);
});

test('run --rm removes the container; without it the container stays, exited', async () => {
  const a = `rm-${rand()}`;
  const b = `keep-${rand()}`;
  await wharfOk(t.env, ['run', '--rm', '--name', a, 'busybox', 'true']);
  await wharfOk(t.env, ['run', '--name', b, 'busybox', 'true']);
  const names = await t.ok(['ps', '-a', '--format', '{{.Names}} {{.State}}']);
  assert.ok(!names.includes(a), names);
  assert.match(names, new RegExp(`${b} exited`));
});

test('run -i forwards stdin and closes it at EOF', async () => {
  const r = await runWharf(t.env, ['run', '--rm', '-i', 'busybox', 'sh', '-c', 'tr a-z A-Z; echo done'], { input: 'hello\nworld\n' });
  assert.equal(r.stdout, 'HELLO\nWORLD\ndone\n');
  assert.equal(r.code, 0);
});

test('run flags reach the container: env, env-file, workdir, user, hostname, entrypoint, labels', async () => {
  const envFile = path.join(tmp, 'env');
  fs.writeFileSync(envFile, '# comment\nFROM_FILE=f1\nFROM_CLI_ENV\n');
  const r = await runWharf(t.env, ['run', '--rm', '-e', 'A=1', '--env-file', envFile, '-w', '/tmp', '-u', '1:2', '-h', 'myhost',
    '--entrypoint', 'sh', 'busybox', '-c', 'echo $A $FROM_FILE $FROM_CLI_ENV $(pwd) $(id -u):$(id -g) $(hostname)'], { extraEnv: { FROM_CLI_ENV: 'x' } });
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, '1 f1 x /tmp 1:2 myhost\n');
});

test('run -d prints the ID; the container runs; --cidfile gets the ID and refuses to be reused', async () => {
  const cid = path.join(tmp, 'cid');
  const id = await wharfOk(t.env, ['run', '-d', '--cidfile', cid, '-l', 'k=v', 'busybox', 'sleep', '60']);
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.equal(fs.readFileSync(cid, 'utf8'), id);
  assert.equal(await t.ok(['inspect', '-f', '{{.State.Running}} {{.Config.Labels.k}}', id]), 'true v');
  const again = await runWharf(t.env, ['run', '-d', '--cidfile', cid, 'busybox', 'true']);
  assert.equal(again.code, 125);
  assert.match(again.stderr, /^wharf: Container ID file found, make sure the other container isn't running or delete /);
  await wharfOk(t.env, ['rm', '-f', id]);
});

test('resources from flags are stored as the docker CLI\'s create stores them (inspect HostConfig)', async () => {
  const flags = ['-m', '200M', '--memory-swap', '400m', '--cpus', '1.5', '-c', '512', '--pids-limit', '50', '--ulimit', 'nofile=1024:2048',
    '--shm-size', '64m', '--restart', 'on-failure:3', '--cap-add', 'NET_ADMIN', '--cap-drop', 'MKNOD', '--read-only', '--tmpfs', '/run:size=1m',
    '--dns', '1.1.1.1', '--add-host', 'h:1.2.3.4', '--stop-timeout', '7', '--health-cmd', 'true', '--health-interval', '1m30s'];
  const w = await wharfOk(t.env, ['create', ...flags, 'busybox']);
  const d = await t.ok(['create', ...flags, 'busybox'], { cli: DOCKER_NEW });
  const fmt = '{{json .HostConfig}} {{json .Config.Healthcheck}} {{.Config.StopTimeout}}';
  const strip = (s: string): string => s.replace(/"ContainerIDFile":"[^"]*"/, '');
  assert.equal(strip(await t.ok(['inspect', '-f', fmt, w])), strip(await t.ok(['inspect', '-f', fmt, d])));
  assert.equal(await t.ok(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.ShmSize}}', w]), '209715200 1500000000 67108864');
  await wharfOk(t.env, ['rm', w, d]);
});

test('create then start -a: output and exit code; wait and logs', async () => {
  const name = `c-${rand()}`;
  const id = await wharfOk(t.env, ['create', '--name', name, 'busybox', 'sh', '-c', 'echo hi; echo oops >&2; exit 4']);
  assert.match(id, /^[0-9a-f]{64}$/);
  const r = await runWharf(t.env, ['start', '-a', name]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [4, 'hi\n', 'oops\n']);
  assert.equal(await wharfOk(t.env, ['wait', name]), '4');
  const logs = await runWharf(t.env, ['logs', name]);
  assert.deepEqual([logs.stdout, logs.stderr], ['hi\n', 'oops\n']);
  assert.equal(await wharfOk(t.env, ['rm', name]), name);
});

test('exit codes: 127 command not found, 126 not executable, 125 daemon errors and bad flags', async () => {
  const nf = await runWharf(t.env, ['run', '--rm', 'busybox', 'nonexistent-cmd']);
  assert.equal(nf.code, 127);
  assert.match(nf.stderr, /^wharf: Error response from daemon: .*executable file not found/);
  assert.match(nf.stderr, /Run 'wharf run --help' for more information\n$/);
  const ne = await runWharf(t.env, ['run', '--rm', 'busybox', '/etc']);
  assert.equal(ne.code, 126, ne.stderr);
  const dup = `dup-${rand()}`;
  await wharfOk(t.env, ['create', '--name', dup, 'busybox']);
  const conflict = await runWharf(t.env, ['run', '--name', dup, 'busybox', 'true']);
  assert.equal(conflict.code, 125);
  assert.match(conflict.stderr, /^wharf: Error response from daemon: Conflict\./);
  await wharfOk(t.env, ['rm', dup]);
  const bad = await runWharf(t.env, ['run', '--memory', '1x', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.equal(bad.stderr.split('\n')[0], 'invalid argument "1x" for "-m, --memory" flag: invalid suffix: \'x\'');
  const noTty = await runWharf(t.env, ['run', '-it', 'busybox', 'true']);
  assert.deepEqual([noTty.code, noTty.stderr], [1, 'the input device is not a TTY\n']);
});

test('a missing image is pulled first ("Unable to find image"), --pull never refuses', async () => {
  const img = `nonexistent-${rand()}`;
  const r = await runWharf(t.env, ['run', '--rm', img, 'true']);
  assert.match(r.stderr, new RegExp(`^Unable to find image '${img}:latest' locally\n`));
  assert.equal(r.code, 125);
  const never = await runWharf(t.env, ['run', '--rm', '--pull', 'never', img, 'true']);
  assert.equal(never.code, 125);
  assert.ok(!never.stderr.includes('Unable to find image'), never.stderr);
  assert.match(never.stderr, /No such image/);
});

test('the bundled CLI (one file, esbuild) runs containers too', async () => {
  const launcher = await bundleCli(tmp);
  const r = await runWharf(t.env, ['run', '--rm', 'busybox', 'echo', 'bundled'], { entry: launcher });
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'bundled\n', '']);
});
