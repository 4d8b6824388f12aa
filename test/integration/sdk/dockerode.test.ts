// dockerode (the Node Docker SDK) against a real wharfd: create / start / attach (hijacked,
// stdin, demuxed) / wait / logs / exec / remove, listContainers with filters, image inspect.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as fs from 'node:fs';
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import Docker from 'dockerode';
import { assertNoLeaks, prepareDir, until } from '../docker-cli/helpers.js';
import { startWharfd, type Wharfd } from '../../helpers/wharfd.js';

let dir: string;
let d: Wharfd;
let docker: Docker;
const created = new Set<string>();
const tag = Math.random().toString(36).slice(2, 8);

before(async () => {
  dir = await prepareDir();
  d = await startWharfd({ dir });
  docker = new Docker({ socketPath: d.socket });
});

after(async () => {
  if (!d) { fs.rmSync(dir, { recursive: true, force: true }); return; }
  try {
    for (const c of await docker.listContainers({ all: true })) created.add(c.Id);
    for (const id of created) await docker.getContainer(id).remove({ force: true }).catch(() => {});
    await d.stop('SIGTERM');
    assertNoLeaks(dir, [...created]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

async function create(opts: Docker.ContainerCreateOptions): Promise<Docker.Container> {
  const c = await docker.createContainer({ Image: 'busybox', ...opts });
  created.add(c.id);
  return c;
}

/** Collects a stream's text until it ends. */
function collect(s: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => { text += chunk; });
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
}

/** Splits a multiplexed (stdcopy) stream into stdout and stderr text with dockerode's own demuxer. */
function demux(stream: Readable): { stdout: Promise<string>; stderr: Promise<string> } {
  const out = new PassThrough();
  const err = new PassThrough();
  docker.modem.demuxStream(stream, out, err);
  stream.on('end', () => { out.end(); err.end(); });
  stream.on('close', () => { out.end(); err.end(); });
  return { stdout: collect(out), stderr: collect(err) };
}

/** Splits a buffered multiplexed log body into per-stream text (dockerode returns a Buffer when follow is false). */
function splitFrames(buf: Buffer): { stdout: string; stderr: string } {
  const parts = { stdout: '', stderr: '' };
  for (let off = 0; off + 8 <= buf.length;) {
    const type = buf[off];
    const len = buf.readUInt32BE(off + 4);
    const payload = buf.subarray(off + 8, off + 8 + len).toString('utf8');
    if (type === 1) parts.stdout += payload;
    else if (type === 2) parts.stderr += payload;
    else throw new Error(`bad stream type ${type} at ${off}`);
    off += 8 + len;
  }
  return parts;
}

/** The exec's inspect once it is no longer running. */
async function finished(exec: Docker.Exec): Promise<Docker.ExecInspectInfo> {
  let info: Docker.ExecInspectInfo | undefined;
  await until(async () => { info = await exec.inspect(); return !info.Running; }, 5000, 'exec to finish');
  return info!;
}

test('create, attach with stdin, start, wait, logs, remove', async () => {
  const c = await create({
    name: `sdk-attach-${tag}`,
    Cmd: ['sh', '-c', 'read line; echo "got:$line"; echo "oops" >&2; exit 5'],
    OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true,
    Labels: { suite: `sdk-${tag}` },
  });
  assert.match(c.id, /^[0-9a-f]{64}$/);
  const before = await c.inspect();
  assert.equal(before.State.Status, 'created');
  assert.equal(before.Name, `/sdk-attach-${tag}`);

  const stream = (await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
  const out = demux(stream);
  const waited = c.wait({ condition: 'next-exit' });
  await c.start();
  stream.write('hello sdk\n');
  stream.end();
  const result = await waited as { StatusCode: number };
  assert.equal(result.StatusCode, 5);
  assert.equal(await out.stdout, 'got:hello sdk\n');
  assert.equal(await out.stderr, 'oops\n');

  const after = await c.inspect();
  assert.equal(after.State.Status, 'exited');
  assert.equal(after.State.ExitCode, 5);
  assert.equal(after.State.Running, false);
  assert.ok(Date.parse(after.State.FinishedAt) >= Date.parse(after.State.StartedAt));

  const logs = splitFrames(await c.logs({ stdout: true, stderr: true, follow: false }) as unknown as Buffer);
  assert.deepEqual(logs, { stdout: 'got:hello sdk\n', stderr: 'oops\n' });
  const onlyErr = splitFrames(await c.logs({ stdout: false, stderr: true, timestamps: true }) as unknown as Buffer);
  assert.match(onlyErr.stderr, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z oops\n$/);
  assert.equal(onlyErr.stdout, '');

  await c.remove();
  await assert.rejects(c.inspect(), (err: { statusCode?: number }) => err.statusCode === 404);
});

test('logs follow streams new lines and ends when the container exits', async () => {
  const c = await create({ Cmd: ['sh', '-c', 'for i in 1 2 3 4 5; do echo line$i; sleep 0.05; done'] });
  await c.start();
  const stream = await c.logs({ follow: true, stdout: true, stderr: true }) as unknown as Readable;
  const out = demux(stream);
  assert.equal(await out.stdout, 'line1\nline2\nline3\nline4\nline5\n');
  assert.equal((await c.wait() as { StatusCode: number }).StatusCode, 0);
  await c.remove();
});

test('exec: create + start with hijack and stdin, exit code from inspect', async () => {
  const c = await create({ Cmd: ['sleep', '60'], Labels: { suite: `sdk-${tag}` } });
  await c.start();
  const exec = await c.exec({
    Cmd: ['sh', '-c', 'echo "env:$FOO"; cat | tr a-z A-Z; echo done >&2; exit 7'],
    Env: ['FOO=bar'], AttachStdin: true, AttachStdout: true, AttachStderr: true,
  });
  const stream = (await exec.start({ hijack: true, stdin: true })) as unknown as Duplex;
  const out = demux(stream);
  stream.write('shout\n');
  stream.end();
  assert.equal(await out.stdout, 'env:bar\nSHOUT\n');
  assert.equal(await out.stderr, 'done\n');
  const info = await finished(exec);
  assert.equal(info.ExitCode, 7);
  assert.equal(info.ContainerID, c.id);

  // A second, non-interactive exec in the same container, with a working dir and user.
  const e2 = await c.exec({ Cmd: ['sh', '-c', 'pwd; id -u'], WorkingDir: '/tmp', User: '1234', AttachStdout: true, AttachStderr: true });
  const s2 = (await e2.start({ hijack: true, stdin: false })) as unknown as Duplex;
  const o2 = demux(s2);
  assert.equal(await o2.stdout, '/tmp\n1234\n');
  assert.equal((await finished(e2)).ExitCode, 0);

  // Running container: remove without force is refused, with force it goes.
  await assert.rejects(c.remove(), (err: { statusCode?: number }) => err.statusCode === 409);
  await c.remove({ force: true });
  await assert.rejects(c.inspect(), (err: { statusCode?: number }) => err.statusCode === 404);
});

test('listContainers with filters, and getImage().inspect()', async () => {
  const label = `sdk-list-${tag}`;
  const running = await create({ name: `sdk-run-${tag}`, Cmd: ['sleep', '60'], Labels: { group: label, role: 'a' } });
  const exited = await create({ name: `sdk-exit-${tag}`, Cmd: ['true'], Labels: { group: label, role: 'b' } });
  const fresh = await create({ name: `sdk-new-${tag}`, Cmd: ['true'], Labels: { group: label, role: 'c' } });
  await running.start();
  await exited.start();
  await exited.wait();

  const names = (list: Docker.ContainerInfo[]) => list.map((c) => c.Names[0]).sort();
  assert.deepEqual(names(await docker.listContainers({ filters: { label: [`group=${label}`] } })), [`/sdk-run-${tag}`]);
  assert.deepEqual(names(await docker.listContainers({ all: true, filters: { label: [`group=${label}`] } })),
    [`/sdk-exit-${tag}`, `/sdk-new-${tag}`, `/sdk-run-${tag}`]);
  assert.deepEqual(names(await docker.listContainers({ all: true, filters: { label: [`group=${label}`], status: ['exited'] } })), [`/sdk-exit-${tag}`]);
  assert.deepEqual(names(await docker.listContainers({ all: true, filters: { status: ['created'], label: [`group=${label}`] } })), [`/sdk-new-${tag}`]);
  assert.deepEqual(names(await docker.listContainers({ all: true, filters: { label: [`role=b`, `group=${label}`] } })), [`/sdk-exit-${tag}`]);
  assert.deepEqual(names(await docker.listContainers({ all: true, filters: { name: [`sdk-run-${tag}`] } })), [`/sdk-run-${tag}`]);
  assert.deepEqual(names(await docker.listContainers({ all: true, filters: { id: [fresh.id.slice(0, 12)] } })), [`/sdk-new-${tag}`]);
  assert.deepEqual(names(await docker.listContainers({ all: true, filters: { exited: ['0'], label: [`group=${label}`] } })), [`/sdk-exit-${tag}`]);

  const [summary] = await docker.listContainers({ filters: { id: [running.id] } });
  assert.equal(summary!.Id, running.id);
  assert.equal(summary!.Image, 'busybox');
  assert.equal(summary!.State, 'running');
  assert.match(summary!.Status, /^Up /);
  assert.equal(summary!.Command, 'sleep 60');
  assert.deepEqual(summary!.Labels, { group: label, role: 'a' });

  const img = await docker.getImage('busybox').inspect();
  assert.match(img.Id, /^sha256:[0-9a-f]{64}$/);
  assert.ok(img.RepoTags.includes('busybox:latest'), `RepoTags ${img.RepoTags.join(',')}`);
  assert.equal(img.Os, 'linux');
  assert.ok(img.Size > 0);
  assert.equal(summary!.ImageID, img.Id);
  await assert.rejects(docker.getImage(`nope-${tag}:latest`).inspect(), (err: { statusCode?: number }) => err.statusCode === 404);

  await running.stop({ t: 1 });
  const st = await running.inspect();
  assert.equal(st.State.Status, 'exited');
  assert.equal(st.State.ExitCode, 137, 'sleep as PID 1 ignores SIGTERM: killed after the timeout');
  for (const c of [running, exited, fresh]) await c.remove();
  assert.deepEqual(await docker.listContainers({ all: true, filters: { label: [`group=${label}`] } }), []);
});

test('AutoRemove: wait with condition "removed" resolves once the container is gone', async () => {
  const c = await create({ Cmd: ['sh', '-c', 'exit 2'], HostConfig: { AutoRemove: true } });
  const removed = c.wait({ condition: 'removed' });
  await c.start();
  assert.equal((await removed as { StatusCode: number }).StatusCode, 2);
  await assert.rejects(c.inspect(), (err: { statusCode?: number }) => err.statusCode === 404);
});
