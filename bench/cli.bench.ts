// The wharf CLI beside the docker CLI, both against one wharfd (and against dockerd when one runs
// here): `ps` (start-up cost: Node's own start is the floor, shown as `node -e 0`), `create busybox
// true` and `run --rm busybox true`, for the bin (dist/wharf.cjs run as a program, as `wharf`
// is), the unbundled dist/src/cli/main.js and /usr/bin/docker. WHARF_BENCH_RUNS sets the runs
// per row (default 20).
// NODE_EXTRA_CA_CERTS makes every node start parse the CA certificates (~80 ms here); the bin's
// shebang starts node without it. When it is set, the start-up rows are shown with it (as the
// user's environment is) and without it.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCli } from '../src/cli/bundle.js';
import { startTestDaemon } from '../test/integration/docker-cli/helpers.js';
import { ping } from '../test/helpers/wharfd.js';
import { measure, printTable, skipped, which, type Row } from './lib.js';

const RUNS = Number(process.env.WHARF_BENCH_RUNS ?? 20);
const DOCKER = '/usr/bin/docker';
const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${err.trim()}`))));
  });
}

/** The environment without NODE_EXTRA_CA_CERTS. */
function withoutCa(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _, ...rest } = env;
  return rest;
}

const CA = process.env.NODE_EXTRA_CA_CERTS ? ' [NODE_EXTRA_CA_CERTS set]' : '';

async function rows(label: string, env: NodeJS.ProcessEnv, bin: string): Promise<Row[]> {
  const out: Row[] = [];
  const wharfEnv = { ...env, WHARF_NO_AUTOSTART: '1' };
  const tools: Array<[string, (args: string[]) => Promise<void>]> = [[`wharf (bin)${CA}`, (args) => exec(bin, args, wharfEnv)]];
  if (CA) tools.push(['wharf (bin) [NODE_EXTRA_CA_CERTS unset]', (args) => exec(bin, args, withoutCa(wharfEnv))]);
  tools.push(
    [`wharf (unbundled, node main.js)${CA}`, (args) => exec(process.execPath, ['--', MAIN, ...args], wharfEnv)],
    ['docker', (args) => exec(DOCKER, args, env)],
  );
  // create: one API call, as docker's; its gap to docker is the CLI's start-up (containers go at cleanup).
  for (const args of [['ps'], ['create', 'busybox', 'true'], ['run', '--rm', 'busybox', 'true']]) {
    for (const [name, run] of tools) {
      try {
        out.push(await measure(`${label}: ${name} ${args.join(' ')}`, RUNS, () => run(args)));
      } catch (err) {
        out.push(skipped(`${label}: ${name} ${args.join(' ')}`, (err as Error).message.slice(0, 160)));
      }
    }
  }
  return out;
}

// The bin's shebang runs `node` from PATH: make it this one.
process.env.PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
const launcher = await bundleCli(fileURLToPath(new URL('..', import.meta.url)));
const table: Row[] = [await measure(`node -e 0 (the floor)${CA}`, RUNS, () => exec(process.execPath, ['-e', '0'], process.env))];
if (CA) table.push(await measure('node -e 0 (the floor) [NODE_EXTRA_CA_CERTS unset]', RUNS, () => exec(process.execPath, ['-e', '0'], withoutCa(process.env))));
const t = await startTestDaemon();
try {
  table.push(...await rows('wharfd', t.env, launcher));
} finally {
  await t.cleanup();
}
if (!which('dockerd')) table.push(skipped('dockerd', 'dockerd not installed'));
else if (!fs.existsSync('/var/run/docker.sock') || !(await ping('/var/run/docker.sock'))) table.push(skipped('dockerd', 'installed but not running; not started by the bench'));
else table.push(...await rows('dockerd', { ...process.env, DOCKER_HOST: 'unix:///var/run/docker.sock' }, launcher));
printTable(`CLI: wharf vs docker (${RUNS} runs each)`, table);
