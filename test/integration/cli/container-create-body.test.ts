// The create request wharf sends equals the docker CLI's for the same flags, and a bad flag value
// gets the docker CLI's message and exit code. Both CLIs talk to a small capture server that
// records POST /containers/create (no daemon needed).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { DOCKER_NEW, runDocker } from '../docker-cli/helpers.js';
import { runWharf } from './container-helpers.js';

let dir: string;
let server: http.Server;
let env: NodeJS.ProcessEnv;
let last: { url: string; body: Record<string, unknown> } | undefined;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cli-cap-'));
  const socket = path.join(dir, 'cap.sock');
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url?.includes('/containers/create')) {
        last = { url: req.url, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> };
        res.writeHead(201, { 'Content-Type': 'application/json' });
        res.end('{"Id":"0123456789ab","Warnings":[]}');
        return;
      }
      res.writeHead(200, { 'Api-Version': '1.41', Ostype: 'linux', 'Content-Type': 'application/json' });
      res.end(req.url?.includes('_ping') ? 'OK' : '{}');
    });
  });
  await new Promise<void>((r) => server.listen(socket, r));
  env = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: path.join(dir, 'docker-config') };
});

after(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Drops zero values (Go's defaults), sorts lists whose order comes from Go map iteration. */
function normalize(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => normalize(x)).filter((x) => x !== undefined);
    if (items.length === 0) return undefined;
    return ['Binds', 'Ulimits', 'Env'].includes(key) ? items.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : items;
  }
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) {
      const n = normalize(x, k);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (v === null || v === '' || v === 0 || v === false) return undefined;
  return v;
}

async function bodies(args: string[]): Promise<{ docker: unknown; wharf: unknown; dockerUrl: string; wharfUrl: string }> {
  last = undefined;
  const d = await runDocker(env, ['create', ...args], { cli: DOCKER_NEW });
  assert.equal(d.code, 0, d.stderr);
  const docker = last!;
  last = undefined;
  const w = await runWharf(env, ['create', ...args]);
  assert.equal(w.code, 0, w.stderr);
  assert.equal(w.stdout, '0123456789ab\n');
  const wharf = last!;
  return { docker: normalize(docker.body), wharf: normalize(wharf.body), dockerUrl: docker.url, wharfUrl: wharf.url };
}

const CASES: Record<string, string[]> = {
  resources: ['-m', '200M', '--memory-swap', '1g', '--memory-reservation', '1.5GB', '--memory-swappiness', '10', '--cpus', '1.5',
    '-c', '512', '--cpu-period', '100000', '--cpu-quota', '50000', '--cpuset-cpus', '0', '--cpuset-mems', '0', '--pids-limit', '10',
    '--blkio-weight', '300', '--device-read-bps', '/dev/sda:1mb', '--device-write-bps', '/dev/sda:2m', '--device-read-iops', '/dev/sda:100',
    '--device-write-iops', '/dev/sda:200', '--ulimit', 'nofile=1024:2048', '--ulimit', 'nproc=5', '--oom-kill-disable', '--shm-size', '64m'],
  config: ['-i', '-t', '--name', 'nm', '-e', 'A=1', '-e', 'B', '-l', 'k', '-l', 'a=b', '-w', '/w', '-u', '1:2', '-h', 'hh', '--domainname', 'dd',
    '--entrypoint', '', '--stop-signal', 'SIGINT', '--stop-timeout', '5', '--health-cmd', 'true', '--health-interval', '1m30s',
    '--health-timeout', '500ms', '--health-retries', '3', '--health-start-period', '2s', 'busybox', 'sh', '-c', 'echo hi'],
  host: ['-p', '8080:80', '-p', '127.0.0.1::53/udp', '-p', '9000-9001:90-91', '--expose', '100-101/udp', '-P', '-v', '/tmp:/data:ro',
    '-v', '/anon', '-v', 'named:/n', '--mount', 'type=bind,src=/tmp,dst=/t,readonly', '--mount', 'type=volume,dst=/v,volume-opt=a=b',
    '--mount', 'type=tmpfs,dst=/tm,tmpfs-size=1m', '--tmpfs', '/run:size=1m', '--tmpfs', '/x', '--network', 'mynet',
    '--network-alias', 'al', '--ip', '10.0.0.5', '--dns', '1.1.1.1', '--dns-search', 'example.com', '--dns-option', 'ndots:2',
    '--add-host', 'h:1.2.3.4', '--cap-add', 'net_admin', '--cap-drop', 'ALL', '--security-opt', 'seccomp=unconfined',
    '--sysctl', 'net.ipv4.ip_forward=1', '--privileged', '--read-only', '--init', '--restart', 'on-failure:3', '--group-add', '10',
    '--volumes-from', 'x', '--log-driver', 'json-file', '--log-opt', 'max-size=1m', '--device', '/dev/null:/dev/n:r',
    '--pid', 'host', '--ipc', 'private', '--uts', 'host', '--userns', 'host', '--platform', 'linux/amd64'],
};

for (const [name, flags] of Object.entries(CASES)) {
  test(`create body equals the docker CLI's: ${name}`, async () => {
    const args = flags.includes('busybox') ? flags : [...flags, 'busybox'];
    const r = await bodies(args);
    assert.deepEqual(r.wharf, r.docker);
    assert.equal(r.wharfUrl, r.dockerUrl);
  });
}

const BAD: string[][] = [
  ['-m', 'foo'], ['--memory-swap', 'x'], ['--cpus', 'abc'], ['--cpus', '0.0000000001'], ['-c', 'x'], ['--blkio-weight', '70000'],
  ['--health-interval', '5'], ['--health-interval', '5x'], ['--health-interval', '-5s'], ['-p', 'foo'], ['-p', '1.2.3:80:80'],
  ['-p', '80/xyz'], ['-p', '8000-8010:80-81'], ['--ulimit', 'nofile'], ['--ulimit', 'nofile=20:10'], ['--ulimit', 'foo=1'],
  ['--restart', 'on-failure:x'], ['--rm', '--restart', 'always'], ['--expose', 'x'], ['--add-host', 'foo'], ['--dns', 'x'],
  ['-l', '=x'], ['--env-file', '/nonexist'], ['--device-read-bps', '/dev/sda:x'], ['--mount', 'type=bind'], ['--mount', 'foo'],
  ['--sysctl', 'foo=1'], ['--pid', 'foo'], ['--mac-address', 'zz'], ['--shm-size', '1q'], ['--no-healthcheck', '--health-cmd', 'x'],
  ['--security-opt', 'foo'], ['--security-opt', 'seccomp=/nonexist'], ['--foo'], ['-z'],
];

test('bad flag values: the docker CLI message (docker -> wharf) and exit code 125', async () => {
  for (const flags of BAD) {
    const d = await runDocker(env, ['create', ...flags, 'busybox'], { cli: DOCKER_NEW });
    const w = await runWharf(env, ['create', ...flags, 'busybox']);
    assert.equal(d.code, 125, `docker ${flags.join(' ')}`);
    assert.equal(w.code, 125, `wharf ${flags.join(' ')}: ${w.stderr}`);
    assert.equal(w.stderr, d.stderr.replaceAll('docker', 'wharf'), `stderr for ${flags.join(' ')}`);
    assert.equal(w.stdout, '');
  }
});
