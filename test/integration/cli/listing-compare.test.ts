// wharf's listings against docker 20.10's on the same wharfd: ps, images, history, stats
// --no-stream, port and system df, column for column, their --format variants and exit codes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestDaemon, type TestDaemon } from '../docker-cli/helpers.js';
import { rand, runWharf } from './container-helpers.js';
import { assertSame, assertSameTable, both, calibrate } from './listing-helpers.js';

let t: TestDaemon;
const r = rand();
const web = `web-${r}`;
const done = `done-${r}`;
const port = 20000 + Math.floor(Math.random() * 20000);

before(async () => {
  t = await startTestDaemon();
  await t.ok(['run', '-d', '--name', web, '-l', 'com.x=y', '-p', `${port}:80`, '-p', `${port + 1}-${port + 2}:${port + 1}-${port + 2}/udp`,
    'busybox', 'sh', '-c', 'while true; do sleep 1; done']);
  await t.ok(['run', '--name', done, '--network', 'none', 'busybox', 'sh', '-c', 'echo hi > /x']);
  await calibrate(t);
});

after(async () => {
  await t?.cleanup();
});

test('ps tables are the docker CLI\'s (default, -a, -s, --no-trunc, -q, -n, --filter)', async () => {
  await assertSame(t, ['ps']);
  await assertSame(t, ['ps', '-a']);
  await assertSame(t, ['ps', '-a', '-s']);
  await assertSame(t, ['ps', '-a', '--no-trunc']);
  await assertSame(t, ['ps', '-aq']);
  await assertSame(t, ['ps', '-n', '1']);
  await assertSame(t, ['ps', '-l', '-q']);
  await assertSame(t, ['ps', '-a', '--filter', `name=${done}`, '--filter', 'status=exited']);
  await assertSame(t, ['container', 'ls', '-a']);
  const p = await assertSame(t, ['ps']);
  // The PORTS column: a host mapping and a merged range.
  assert.match(p.wharf.stdout, new RegExp(`0\\.0\\.0\\.0:${port + 1}-${port + 2}->${port + 1}-${port + 2}/udp`));
  assert.match(p.wharf.stdout, new RegExp(`0\\.0\\.0\\.0:${port}->80/tcp`));
});

test('images and history are the docker CLI\'s', async () => {
  await assertSame(t, ['images']);
  await assertSame(t, ['images', '-a', '--digests']);
  await assertSame(t, ['images', '-q', '--no-trunc']);
  await assertSame(t, ['images', 'busybox']);
  await assertSame(t, ['images', 'nosuch']);
  await assertSame(t, ['images', '--format', '{{json .}}']);
  await assertSame(t, ['images', '--format', 'table {{.Repository}}:{{.Tag}}\t{{.ID}}\t{{.Containers}}\t{{.VirtualSize}}']);
  await assertSame(t, ['image', 'ls', '--filter', 'reference=busy*']);
  await assertSame(t, ['history', 'busybox']);
  await assertSame(t, ['history', '--no-trunc', 'busybox']);
  await assertSame(t, ['history', '--human=false', 'busybox']);
  await assertSame(t, ['history', '-q', 'busybox']);
  await assertSame(t, ['history', '--format', '{{json .}}', 'busybox']);
  await assertSame(t, ['image', 'history', '--format', 'table {{.ID}}\t{{.Size}}\t{{.Comment}}', 'busybox']);
});

test('images with several tags: one row per tag (docker orders them by a Go map, so rows are compared as a set)', async () => {
  await t.ok(['tag', 'busybox', `localhost:5000/cli-b/${r}:v1`]);
  try {
    await assertSame(t, ['images'], { sortLines: true });
    await assertSame(t, ['images', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}'], { sortLines: true });
  } finally {
    await t.ok(['rmi', `localhost:5000/cli-b/${r}:v1`]);
  }
});

test('stats --no-stream: same columns, same cells except the sampled CPU and memory figures', async () => {
  const titles = ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'];
  const masked = { 'CPU %': /^\d+\.\d\d%$/, 'MEM USAGE / LIMIT': /^[\d.]+[KMG]?i?B \/ [\d.]+[KMGT]?i?B$/, 'MEM %': /^\d+\.\d\d%$/, 'NET I/O': /^[\d.]+[kMG]?B \/ [\d.]+[kMG]?B$/ };
  const p = await both(t, ['stats', '--no-stream']);
  assert.equal(p.wharf.code, 0, p.wharf.stderr);
  assertSameTable(p.docker.stdout, p.wharf.stdout, titles, masked);
  const named = await both(t, ['stats', '--no-stream', web]);
  assertSameTable(named.docker.stdout, named.wharf.stdout, titles, masked);
  await assertSame(t, ['stats', '--no-stream', '--format', 'table {{.Name}}\t{{.PIDs}}\t{{.BlockIO}}']);
  await assertSame(t, ['stats', '--no-stream', '-a', '--format', '{{.Container}} {{.Name}} {{.ID}}']);
  const j = JSON.parse((await runWharf(t.env, ['stats', '--no-stream', '--format', '{{json .}}', web])).stdout) as Record<string, string>;
  assert.deepEqual(Object.keys(j), ['BlockIO', 'CPUPerc', 'Container', 'ID', 'MemPerc', 'MemUsage', 'Name', 'NetIO', 'PIDs']);
  assert.equal(j.Name, web);
  await assertSame(t, ['stats', '--no-stream', `nosuch-${r}`]);
});

test('port (when the container commands are there) lists the same mappings', async (ctx) => {
  const help = await runWharf(t.env, ['port', '--help']);
  if (help.code !== 0) return ctx.skip('no port command in this CLI');
  // docker 20.10 prints port mappings in Go map order.
  await assertSame(t, ['port', web], { sortLines: true });
  await assertSame(t, ['port', web, '80/tcp']);
});

test('system df: summary, verbose and --format', async () => {
  await assertSame(t, ['system', 'df']);
  await assertSame(t, ['system', 'df', '-v']);
  await assertSame(t, ['system', 'df', '--format', '{{json .}}']);
  await assertSame(t, ['system', 'df', '--format', 'table {{.Type}}\t{{.Active}}\t{{.Reclaimable}}']);
});
