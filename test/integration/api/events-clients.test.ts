// Events emitted inside an in-process daemon, read with the docker CLIs and python3-docker.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { mergeConfig } from '../../../src/daemon/config.js';
import { startDaemon, type RunningDaemon } from '../../../src/daemon/daemon.js';

const run = promisify(execFile);
const CLIS = ['/usr/bin/docker', '/usr/local/bin/docker'].filter((p) => fs.existsSync(p));

let dir: string;
let daemon: RunningDaemon;
let env: NodeJS.ProcessEnv;
let since: string;
let until: string;
const WEB = 'c0ffee'.padEnd(64, '1');
const DB = 'decade'.padEnd(64, '2');

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-ev-'));
  const socket = path.join(dir, 'api.sock');
  const config = mergeConfig({ hosts: [`unix://${socket}`], 'data-root': `${dir}/root`, 'exec-root': `${dir}/exec` }, {});
  daemon = await startDaemon(config, { logger: pino({ level: 'silent' }) });
  fs.mkdirSync(`${dir}/docker-config`);
  env = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: `${dir}/docker-config` };
  const bus = daemon.engine.events;
  since = String(Math.floor(Date.now() / 1000) - 1);
  bus.emit('container', 'create', { ID: WEB, Attributes: { name: 'web', image: 'busybox:latest', tier: 'front' } });
  bus.emit('container', 'start', { ID: WEB, Attributes: { name: 'web', image: 'busybox:latest', tier: 'front' } });
  bus.emit('image', 'tag', { ID: 'sha256:' + 'a'.repeat(64), Attributes: { name: 'busybox:mine' } });
  bus.emit('container', 'die', { ID: DB, Attributes: { name: 'db', image: 'alpine', exitCode: '3' } });
  until = String(Math.floor(Date.now() / 1000) + 1);
});

after(async () => {
  await daemon?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function dockerLines(cli: string, args: string[]): Promise<string[]> {
  const r = await run(cli, args, { env, timeout: 30_000 });
  return r.stdout.split('\n').filter(Boolean);
}

test('docker events replays a time window with filters, in JSON and in the default format', async () => {
  for (const cli of CLIS) {
    const window = ['events', '--since', since, '--until', until];
    const all = await dockerLines(cli, [...window, '--format', '{{json .}}']);
    assert.deepEqual(all.map((l) => { const e = JSON.parse(l) as { Type: string; Action: string }; return `${e.Type} ${e.Action}`; }),
      ['container create', 'container start', 'image tag', 'container die'], cli);
    const first = JSON.parse(all[0]) as Record<string, unknown>;
    assert.equal(first.status, 'create');
    assert.equal(first.id, WEB);
    assert.equal(first.from, 'busybox:latest');
    assert.deepEqual(await dockerLines(cli, [...window, '--filter', 'container=web', '--format', '{{.Action}}']), ['create', 'start']);
    assert.deepEqual(await dockerLines(cli, [...window, '--filter', 'type=container', '--filter', 'event=die', '--format', '{{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}']), ['db 3']);
    assert.deepEqual(await dockerLines(cli, [...window, '--filter', 'label=tier=front', '--format', '{{.Action}}']), ['create', 'start']);
    assert.deepEqual(await dockerLines(cli, [...window, '--filter', 'image=busybox', '--format', '{{.Type}} {{.Action}}']),
      ['container create', 'container start', 'image tag']);
    assert.deepEqual(await dockerLines(cli, [...window, '--filter', `container=${DB.slice(0, 8)}`, '--format', '{{.Actor.ID}}']), [DB]);
    const plain = await dockerLines(cli, window);
    assert.equal(plain.length, 4);
    assert.match(plain[1], new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[0-9:.]+[-+Z0-9:]* container start ${WEB} \\(image=busybox:latest, name=web, tier=front\\)$`));
  }
});

test('docker events follows live events until --until', async () => {
  const bus = daemon.engine.events;
  // Earlier tests' event streams may still be closing: count relative to what is there now.
  const settle = Date.now() + 5_000;
  while (bus.listenerCount > 0 && Date.now() < settle) await new Promise((r) => setTimeout(r, 10));
  const baseline = bus.listenerCount;
  const untilLive = new Date(Date.now() + 2500).toISOString();
  const child = spawn(CLIS[0], ['events', '--until', untilLive, '--filter', 'event=die', '--format', '{{.Actor.Attributes.name}}'], { env });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    const deadline = Date.now() + 10_000;
    while (bus.listenerCount === baseline && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(bus.listenerCount, baseline + 1);
    bus.emit('container', 'start', { ID: 'x', Attributes: { name: 'skipped' } });
    bus.emit('container', 'die', { ID: 'y', Attributes: { name: 'live-one' } });
    assert.equal(await exited, 0);
    // With --until (and no --since) Docker first replays buffered events: the earlier "db" die.
    assert.equal(out, 'db\nlive-one\n');
    const gone = Date.now() + 5_000; // the server notices the closed stream a moment later
    while (bus.listenerCount > baseline && Date.now() < gone) await new Promise((r) => setTimeout(r, 10));
    assert.equal(bus.listenerCount, baseline, 'the stream unsubscribed when the client left');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('python3-docker reads filtered events', async () => {
  const script = `
import docker, json, sys
c = docker.DockerClient(base_url=sys.argv[1])
evs = c.events(since=int(sys.argv[2]), until=int(sys.argv[3]), decode=True, filters={"label": "tier=front"})
print(json.dumps([[e["Type"], e["Action"], e["Actor"]["Attributes"]["name"]] for e in evs]))
`;
  const r = await run('python3', ['-c', script, env.DOCKER_HOST!, since, until], { env, timeout: 30_000 });
  assert.deepEqual(JSON.parse(r.stdout), [['container', 'create', 'web'], ['container', 'start', 'web']]);
});
