// Real clients against a real wharfd: Debian's docker 20.10 (API 1.41), the newer docker CLI,
// and python3-docker.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import { startWharfd, type Wharfd } from '../../helpers/wharfd.js';

const run = promisify(execFile);
const OLD_CLI = '/usr/bin/docker';
const NEW_CLI = '/usr/local/bin/docker';
const CLIS = [OLD_CLI, NEW_CLI].filter((p) => fs.existsSync(p));

let d: Wharfd;

before(async () => {
  d = await startWharfd();
});

after(async () => {
  await d?.stop();
});

async function docker(cli: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(cli, args, { env: { ...d.env, ...env }, timeout: 30_000 });
    return { stdout: r.stdout, stderr: r.stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : -1 };
  }
}

test('daemon is lean: memory and startup time', (t) => {
  const m = d.memory();
  const mb = (kb: number): string => (kb / 1024).toFixed(1);
  t.diagnostic(`wharfd startup ${d.startupMs.toFixed(0)} ms, RSS ${mb(m.rssKb)} MB, PSS ${mb(m.pssKb)} MB, private ${mb(m.privateKb)} MB`);
  // RSS counts the node binary's shared text (~40 MB, more or less depending on the page cache);
  // the daemon's own footprint is its private memory.
  assert.ok(m.privateKb > 5 * 1024 && m.privateKb < 60 * 1024, `private memory ${mb(m.privateKb)} MB`);
  assert.ok(m.rssKb < 100 * 1024, `RSS ${mb(m.rssKb)} MB`);
  assert.ok(d.startupMs < 10_000, `startup took ${d.startupMs.toFixed(0)} ms`);
});

test('the API socket is mode 0660 and owned by root', () => {
  const st = fs.statSync(d.socket);
  assert.ok(st.isSocket());
  assert.equal(st.mode & 0o777, 0o660);
  assert.equal(st.uid, 0);
});

test('docker version: both CLIs see the server and negotiate their API version', async () => {
  assert.ok(CLIS.length > 0, 'no docker CLI installed');
  for (const cli of CLIS) {
    const r = await docker(cli, ['version', '--format', '{{.Server.Version}}|{{.Server.APIVersion}}|{{.Server.MinAPIVersion}}|{{.Server.Os}}|{{.Client.APIVersion}}']);
    assert.equal(r.code, 0, `${cli}: ${r.stderr}`);
    const [server, api, min, osName, client] = r.stdout.trim().split('|');
    assert.equal(server, '0.1.0', cli);
    assert.equal(api, '1.51');
    assert.equal(min, '1.41');
    assert.equal(osName, 'linux');
    if (cli === OLD_CLI) assert.equal(client, '1.41', 'docker 20.10 negotiates down to its own 1.41');
    else assert.ok(Number(client.split('.')[1]) > 41, `newer CLI uses API ${client}`);
  }
  // The plain human output works too.
  const plain = await docker(CLIS[0], ['version']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /Server: Wharf Engine[\s\S]*API version:\s+1\.51 \(minimum version 1\.41\)/);
});

test('a client asking for an unsupported API version gets Docker\'s error', async () => {
  const r = await docker(CLIS[0], ['version', '--format', '{{.Server.Version}}'], { DOCKER_API_VERSION: '1.12' });
  assert.notEqual(r.code, 0);
  // API <= 1.23 clients print the raw JSON body, as they do against dockerd.
  assert.match(r.stderr, /Error response from daemon: .*client version 1\.12 is too old\. Minimum supported API version is 1\.41, please upgrade your client to a newer version/);
});

test('docker info works with both CLIs and reports the daemon\'s facts', async () => {
  for (const cli of CLIS) {
    const r = await docker(cli, ['info', '--format', '{{json .}}']);
    assert.equal(r.code, 0, `${cli}: ${r.stderr}`);
    const info = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(info.ServerVersion, '0.1.0');
    assert.equal(info.DockerRootDir, d.dataRoot);
    assert.equal(info.Containers, 0);
    assert.equal(info.CgroupDriver, 'cgroupfs');
    assert.ok(info.CgroupVersion === '1' || info.CgroupVersion === '2');
    assert.equal(info.OSType, 'linux');
    assert.ok((info.NCPU as number) >= 1);
    const plain = await docker(cli, ['info']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /Server Version: 0\.1\.0/);
    assert.match(plain.stdout, /Cgroup Driver: cgroupfs/);
  }
});

test('docker events with since/until returns (and rejects since > until like Docker)', async () => {
  for (const cli of CLIS) {
    // Durations are "that long ago": --until 2s is before --since 1s, which Docker refuses.
    const bad = await docker(cli, ['system', 'events', '--since', '1s', '--until', '2s']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Error response from daemon: `since` time \(\d+(\.\d+)?\) cannot be after `until` time/);
    // A window ending in the past returns at once.
    const t0 = Date.now();
    const past = await docker(cli, ['system', 'events', '--since', '2s', '--until', '1s']);
    assert.equal(past.code, 0, past.stderr);
    assert.ok(Date.now() - t0 < 5000);
    // An until in the future: the stream stays open until then, then the CLI exits 0.
    const until = new Date(Date.now() + 1500).toISOString();
    const t1 = Date.now();
    const live = await docker(cli, ['events', '--until', until]);
    const took = Date.now() - t1;
    assert.equal(live.code, 0, live.stderr);
    assert.ok(took >= 800 && took < 10_000, `events returned after ${took} ms`);
  }
});

test('python3-docker: ping, version and events', async () => {
  const script = `
import docker, json, sys, time
c = docker.DockerClient(base_url=sys.argv[1])
v = c.version()
now = int(time.time())
evs = list(c.api.events(since=now - 5, until=now, decode=True))
print(json.dumps({"ping": c.ping(), "api": v["ApiVersion"], "version": v["Version"], "neg": c.api.api_version, "events": evs}))
`;
  const r = await run('python3', ['-c', script, `unix://${d.socket}`], { env: d.env, timeout: 30_000 });
  const out = JSON.parse(r.stdout) as { ping: boolean; api: string; version: string; neg: string; events: unknown[] };
  assert.deepEqual(out, { ping: true, api: '1.51', version: '0.1.0', neg: '1.51', events: [] });
});
