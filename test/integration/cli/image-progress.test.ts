// wharf pull / push progress against wharfd and a wharf registry on 127.0.0.1: on a terminal
// (tmux with a private server) one line per layer, rewritten in place with a bar; off a terminal
// plain status lines, the same as the docker CLI prints; `pull --all-tags` and `pull --platform`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { serveRegistry, type RunningRegistry } from '../../../src/registry/server/main.js';
import { FIXTURES, skopeo } from '../registry/helpers.js';
import { runDocker, startTestDaemon, until, type TestDaemon } from '../docker-cli/helpers.js';
import { rand, runWharf, WHARF_MAIN, wharfOk } from './container-helpers.js';

let t: TestDaemon;
let reg: RunningRegistry;
let tmp: string;
let repo: string; // <registry>/library/layers: tags 1.0, 2.0 and multi (an amd64 + arm64 index)
const server = `wharf-test-${rand()}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function put(url: string, body: Buffer, type: string): Promise<void> {
  const r = await fetch(url, { method: 'PUT', body: body as BodyInit, headers: { 'content-type': type } });
  assert.ok(r.status < 300, `${url}: ${r.status} ${await r.text()}`);
}

/** Adds tag `multi`: an index of the 1.0 image (amd64) and the same layers with an arm64 config. */
async function pushIndex(): Promise<void> {
  const base = `${reg.url}/v2/library/layers`;
  const amdBytes = Buffer.from(await (await fetch(`${base}/manifests/1.0`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).arrayBuffer());
  const amd = JSON.parse(amdBytes.toString()) as { config: { digest: string; size: number } };
  const cfg = JSON.parse(Buffer.from(await (await fetch(`${base}/blobs/${amd.config.digest}`)).arrayBuffer()).toString()) as object;
  const armCfg = Buffer.from(JSON.stringify({ ...cfg, architecture: 'arm64', variant: 'v8' }));
  assert.equal((await fetch(`${base}/blobs/uploads/?digest=${sha(armCfg)}`, { method: 'POST', body: armCfg as BodyInit })).status, 201);
  const arm = Buffer.from(JSON.stringify({ ...amd, config: { ...amd.config, digest: sha(armCfg), size: armCfg.length } }));
  await put(`${base}/manifests/${sha(arm)}`, arm, 'application/vnd.oci.image.manifest.v1+json');
  const index = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(arm), size: arm.length, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(amdBytes), size: amdBytes.length, platform: { os: 'linux', architecture: 'amd64' } },
    ],
  }));
  await put(`${base}/manifests/multi`, index, 'application/vnd.oci.image.index.v1+json');
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cli-progress-'));
  [t, reg] = await Promise.all([startTestDaemon(), serveRegistry({ addr: '127.0.0.1:0', root: path.join(tmp, 'registry') })]);
  repo = `${reg.address}/library/layers`;
  await skopeo(['copy', '--dest-tls-verify=false', `oci-archive:${path.join(FIXTURES, 'layers-oci-gzip.tar')}:layers-1.0`, `docker://${repo}:1.0`]);
  await skopeo(['copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${repo}:1.0`, `docker://${repo}:2.0`]);
  await pushIndex();
});

after(async () => {
  spawnSync('tmux', ['-L', server, 'kill-server']);
  await reg?.close();
  await t?.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Removes every tag of the test repository (so the next pull downloads again). */
async function removeRepo(): Promise<void> {
  const tags = (await wharfOk(t.env, ['images', '--format', '{{.Repository}}:{{.Tag}}', repo])).split('\n').filter(Boolean);
  if (tags.length) await wharfOk(t.env, ['rmi', '-f', ...tags]);
}

interface Terminal { exit: number; pane: string; raw: string }

/**
 * Runs `wharf args` on a 160x50 terminal (wide enough for docker's bars) and records everything
 * it writes; resolves once the shell printed its exit code.
 */
async function onTerminal(args: string[]): Promise<Terminal> {
  const name = `s${rand()}`;
  const rawFile = path.join(tmp, `${name}.raw`);
  // `read` holds the command until pipe-pane records the pane.
  const cmd = `read go; env DOCKER_HOST=${t.env.DOCKER_HOST} WHARF_NO_AUTOSTART=1 ${process.execPath} -- ${WHARF_MAIN} ${args.join(' ')}; echo EXIT=$?; sleep 600`;
  tmux('new-session', '-d', '-s', name, '-x', '160', '-y', '50', cmd);
  tmux('pipe-pane', '-t', name, `cat >> ${rawFile}`);
  tmux('send-keys', '-t', name, 'Enter');
  const pane = () => tmux('capture-pane', '-p', '-J', '-t', name);
  try {
    const exit = Number(await until(() => /^EXIT=(\d+)$/m.exec(pane())?.[1], 30_000, `wharf ${args.join(' ')} to finish`));
    return { exit, pane: pane(), raw: fs.readFileSync(rawFile, 'latin1') };
  } catch (err) {
    throw new Error(`${(err as Error).message}; pane:\n${pane().trimEnd()}`);
  } finally {
    tmux('kill-session', '-t', name);
  }
}

/** The pane's lines that start with a layer id, as "<id>: <text>". */
function layerLines(pane: string): string[] {
  return pane.split('\n').map((l) => l.trimEnd()).filter((l) => /^[0-9a-f]{12}: /.test(l));
}

test('pull on a terminal: one line per layer, rewritten in place with a progress bar, ending "Pull complete"', async () => {
  await removeRepo();
  const term = await onTerminal(['pull', `${repo}:1.0`]);
  const pane = term.pane;
  assert.equal(term.exit, 0, pane);
  const layers = layerLines(pane);
  const ids = layers.map((l) => l.slice(0, 12));
  assert.equal(ids.length, 5, pane);
  assert.equal(new Set(ids).size, 5, `each layer keeps one line:\n${pane}`);
  assert.ok(layers.every((l) => /: Pull complete$/.test(l)), pane);
  assert.match(pane, /^1\.0: Pulling from library\/layers$/m);
  assert.match(pane, /^Digest: sha256:[0-9a-f]{64}$/m);
  assert.match(pane, new RegExp(`^Status: Downloaded newer image for ${repo}:1\\.0\\n${repo}:1\\.0\\nEXIT=0`, 'm'));
  // What went to the terminal: bars ("[====>   ]  1.2kB/3.4kB") on the layers' lines, reached
  // by moving the cursor up and clearing the line.
  const raw = term.raw;
  assert.match(raw, /[0-9a-f]{12}: (Downloading|Extracting) {1,2}\[=*>\s*\] +[\d.]+k?B\/[\d.]+k?B/);
  assert.match(raw, /\x1b\[\d+A/, 'cursor up to a layer line');
  assert.match(raw, /\x1b\[2K\r/, 'line cleared before rewriting');
  assert.deepEqual((await wharfOk(t.env, ['images', '--format', '{{.Tag}}', repo])).split('\n'), ['1.0']);
});

test('push on a terminal: one line per layer ending "Pushed", with bars while uploading, then the digest', async () => {
  const name = `${reg.address}/cli/bb-${rand()}`;
  await wharfOk(t.env, ['tag', 'busybox', `${name}:v1`]);
  const term = await onTerminal(['push', `${name}:v1`]);
  const pane = term.pane;
  assert.equal(term.exit, 0, pane);
  assert.match(pane, new RegExp(`^The push refers to repository \\[${name}\\]$`, 'm'));
  const layers = layerLines(pane);
  assert.ok(layers.length >= 1, pane);
  assert.equal(new Set(layers.map((l) => l.slice(0, 12))).size, layers.length, `each layer keeps one line:\n${pane}`);
  assert.ok(layers.every((l) => /: Pushed$/.test(l)), pane);
  assert.match(pane, /^v1: digest: sha256:[0-9a-f]{64} size: \d+$/m);
  const raw = term.raw;
  assert.match(raw, /[0-9a-f]{12}: Pushing {1,2}\[=*>\s*\] +[\d.]+[kM]?B\/[\d.]+[kM]?B/);
  assert.match(raw, /\x1b\[2K\r/);
  // By effect: the registry has it, and a pull of it is up to date.
  const again = await runWharf(t.env, ['pull', `${name}:v1`]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`Status: Image is up to date for ${name}:v1\\n`));
});

test('pull --all-tags off a terminal: every tag pulled, plain lines as the docker CLI prints them', async () => {
  const outputs: string[] = [];
  for (const cli of ['wharf', 'docker'] as const) {
    await removeRepo();
    const r = cli === 'wharf' ? await runWharf(t.env, ['pull', '--all-tags', repo]) : await runDocker(t.env, ['pull', '--all-tags', repo]);
    assert.equal(r.code, 0, `${cli}: ${r.stderr}`);
    const tags = (await wharfOk(t.env, ['images', '--format', '{{.Tag}}', repo])).split('\n').sort();
    assert.deepEqual(tags, ['1.0', '2.0', 'multi'], cli);
    outputs.push(r.stdout);
  }
  const [wharf, docker] = outputs as [string, string];
  assert.doesNotMatch(wharf, /\x1b|\[=/, 'no cursor movement or bars off a terminal');
  for (const tag of ['1.0', '2.0', 'multi']) assert.match(wharf, new RegExp(`^${tag}: Pulling from library/layers$`, 'm'));
  assert.ok(wharf.endsWith(`\n${repo}\n`), wharf);
  // Layers download concurrently: the same lines, not necessarily in the same order.
  assert.deepEqual(wharf.split('\n').sort(), docker.split('\n').sort());
});

test('pull --platform: the index entry of that platform; a platform the index lacks is an error', async () => {
  await removeRepo();
  const arch = async () => wharfOk(t.env, ['image', 'inspect', '-f', '{{.Os}}/{{.Architecture}}', `${repo}:multi`]);
  const arm = await runWharf(t.env, ['pull', '--platform', 'linux/arm64', `${repo}:multi`]);
  assert.equal(arm.code, 0, arm.stderr);
  assert.equal(await arch(), 'linux/arm64');
  const amd = await runWharf(t.env, ['pull', '-q', '--platform', 'linux/amd64', `${repo}:multi`]);
  assert.deepEqual([amd.code, amd.stdout], [0, `${repo}:multi\n`], amd.stderr);
  assert.equal(await arch(), 'linux/amd64');
  const none = await runWharf(t.env, ['pull', '--platform', 'linux/s390x', `${repo}:multi`]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no matching manifest for linux\/s390x/);
  assert.equal(await arch(), 'linux/amd64', 'the failed pull changed nothing');
});
