// wharf's --format variants (table, json, functions, methods, range), inspect templates and
// error texts / exit codes, against docker 20.10's on the same wharfd.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { runDocker, startTestDaemon, until, type TestDaemon } from '../docker-cli/helpers.js';
import { rand, runWharf, WHARF_MAIN } from './container-helpers.js';
import { assertSame, calibrate } from './listing-helpers.js';

let t: TestDaemon;
const r = rand();
const web = `web-${r}`;
const done = `done-${r}`;

before(async () => {
  t = await startTestDaemon();
  await t.ok(['run', '-d', '--name', web, '-l', 'com.x=y', '-p', '80', 'busybox', 'sh', '-c', 'while true; do sleep 1; done']);
  await t.ok(['run', '--name', done, '--network', 'none', 'busybox', 'sh', '-c', 'echo hi > /x']);
  await calibrate(t);
});

after(async () => {
  await t?.cleanup();
});

test('ps --format: table with header, json, functions, methods and range', async () => {
  await assertSame(t, ['ps', '-a', '--format', 'table {{.Names}}\\t{{.Label "com.x"}}\\t{{.State | upper}}\\t{{.Size}}']);
  await assertSame(t, ['ps', '-a', '--format', '{{json .}}']);
  await assertSame(t, ['ps', '-a', '--format', '{{.ID}}: {{if eq .State "running"}}up{{else}}down{{end}} {{join (split .Names "-") "+"}} {{index (split .Ports ", ") 0}}']);
  await assertSame(t, ['ps', '-a', '--format', '{{range (split .Labels ",")}}[{{.}}]{{end}} {{.Networks}} {{.Mounts}} {{.LocalVolumes}} {{lower .Status | title | printf "%.2s"}}']);
  await assertSame(t, ['ps', '--format', 'table {{.ID}}\t{{.Ports}}\t{{.Command}}\t{{.Image}}']);
  const j = JSON.parse((await runWharf(t.env, ['ps', '--format', '{{json .}}'])).stdout) as Record<string, string>;
  assert.equal(j.Names, web);
  assert.equal(j.Labels, 'com.x=y');
});

test('errors and exit codes are docker\'s', async () => {
  const missing = await assertSame(t, ['inspect', `nosuch-${r}`]);
  assert.equal(missing.wharf.code, 1);
  assert.equal(missing.wharf.stdout, '[]\n');
  assert.equal(missing.wharf.stderr, `Error: No such object: nosuch-${r}\n`);
  await assertSame(t, ['container', 'inspect', `nosuch-${r}`]);
  await assertSame(t, ['image', 'inspect', `nosuch-${r}`]);
  await assertSame(t, ['inspect', '--type', 'image', web]);
  await assertSame(t, ['rmi', `nosuch-${r}`]);
  await assertSame(t, ['history', `nosuch-${r}`]);
  await assertSame(t, ['ps', '--format', '{{.Foo}}']);
  await assertSame(t, ['ps', '--format', '{{nofunc .ID}}']);
  await assertSame(t, ['images', '--format', '{{.Foo}}']);
  await assertSame(t, ['inspect', '-f', '{{.Config.Nope}}', web]);
  await assertSame(t, ['ps', '--filter', 'bogus=1']);
});

test('inspect: JSON and -f templates as docker prints them', async () => {
  await assertSame(t, ['inspect', '-f', '{{.Name}} {{.State.Running}} {{json .Config.Cmd}} {{index .Config.Labels "com.x"}} {{range .Config.Cmd}}<{{.}}>{{end}} {{join .Config.Cmd "|"}}', web]);
  await assertSame(t, ['inspect', '-f', '{{if .State.Running}}running{{else}}stopped{{end}} {{.Config.Labels.nope}} {{len .Mounts}}', web, done]);
  await assertSame(t, ['image', 'inspect', '-f', '{{.Id}} {{.Os}}/{{.Architecture}} {{.Size}}', 'busybox']);
  // The indented JSON: same text as docker's (both re-indent the daemon's answer).
  await assertSame(t, ['inspect', 'busybox']);
  await assertSame(t, ['container', 'inspect', '-s', '-f', '{{.SizeRw}} {{.SizeRootFs}}', done]);
  await assertSame(t, ['version', '--format', '{{.Client.APIVersion}} {{.Server.Version}} {{.Server.APIVersion}}']);
  await assertSame(t, ['info', '--format', '{{.ServerVersion}} {{.Containers}} {{.ContainersRunning}} {{json .Plugins}}']);
  // The whole `info` text, warnings on stderr included.
  await assertSame(t, ['info']);
  await assertSame(t, ['system', 'info', '--format', '{{.RegistryConfig.InsecureRegistryCIDRs}} {{.OSType}}/{{.Architecture}} {{.NCPU}}']);
});

test('version: the Server section is docker\'s, the Client section has docker\'s layout', async () => {
  const p = await assertSame(t, ['version', '--format', '{{json .Server}}']);
  assert.equal(p.wharf.code, 0);
  const d = await runDocker(t.env, ['version']);
  const w = await runWharf(t.env, ['version']);
  assert.equal(w.code, 0, w.stderr);
  const server = (s: string): string => s.slice(s.indexOf('\nServer'));
  assert.equal(server(w.stdout), server(d.stdout));
  const labels = (s: string): string[] => s.slice(0, s.indexOf('\nServer')).split('\n').map((l) => l.replace(/:\s.*$/, ':').replace(/:$/, ''));
  assert.deepEqual(labels(w.stdout), labels(d.stdout));
  // Values start in the same column (tabwriter min width 20, padding 1).
  assert.equal(w.stdout.split('\n')[2]!.indexOf('1.41'), d.stdout.split('\n')[2]!.indexOf('1.41'));
});

test('stats without --no-stream redraws the table in place until interrupted', async () => {
  const child = spawn(process.execPath, ['--', WHARF_MAIN, 'stats', web], { env: { ...t.env, WHARF_NO_AUTOSTART: '1' } });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  try {
    await until(() => out.split('\x1b[2J\x1b[H').length >= 3, 15_000, 'two stats frames');
  } finally {
    child.kill('SIGINT');
    await new Promise((res) => child.once('close', res));
  }
  const frames = out.split('\x1b[2J\x1b[H').filter(Boolean);
  for (const f of frames.slice(0, 2)) {
    assert.match(f, /^CONTAINER ID {3}NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS\n/);
    assert.match(f, new RegExp(`\\n[0-9a-f]{12} {3}${web} +\\d+\\.\\d\\d% `));
  }
});

/** Runs a shell command line under `script`, so the CLI's stdin and stdout are a terminal. */
function onTerminal(env: NodeJS.ProcessEnv, command: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...env, WHARF_NO_AUTOSTART: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out }); });
    child.stdin.end();
  });
}

test('save refuses to write an archive to a terminal; load refuses to read one from it', async () => {
  const main = `${process.execPath} -- ${WHARF_MAIN}`;
  const save = await onTerminal(t.env, `${main} save busybox`);
  assert.equal(save.code, 1);
  assert.match(save.out, /cowardly refusing to save to a terminal\. Use the -o flag or redirect/);
  const load = await onTerminal(t.env, `${main} load`);
  assert.equal(load.code, 1);
  assert.match(load.out, /requested load from stdin, but stdin is empty/);
});

test('build with the context on stdin: a plain Dockerfile, -q prints the image ID', async () => {
  const b = await runWharf(t.env, ['build', '-q', '-t', `stdin-${r}`, '-'], { input: 'FROM busybox\nLABEL from=stdin\n', timeoutMs: 60_000 });
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /^sha256:[0-9a-f]{64}\n$/);
  assert.equal(await t.ok(['image', 'inspect', '-f', '{{.Id}} {{index .Config.Labels "from"}}', `stdin-${r}`]), `${b.stdout.trim()} stdin`);
  await t.ok(['rmi', `stdin-${r}`]);
});
