// The `wharf` bin as users run it (the bundle's launcher, executed through its shebang, from a
// build outside the checkout) against wharfd: it starts node without NODE_EXTRA_CA_CERTS (no CA
// parsing at start-up), yet the CLI's own environment still has the user's value: `-e VAR`
// without a value copies VAR from the CLI's environment into the container, as docker does (and
// passes the bare name when VAR is not set there).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleCli } from '../../../src/cli/bundle.js';
import { runProgram, startTestDaemon, type TestDaemon } from '../docker-cli/helpers.js';
import { wharfOk } from './container-helpers.js';

let t: TestDaemon;
let dir: string;
let bin: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-cli-bin-'));
  [t, bin] = await Promise.all([startTestDaemon(), bundleCli(dir)]);
});

after(async () => {
  await t?.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The bin run as a program, with the daemon's env (its shebang's `node` from this node's dir). */
function wharfBin(args: string[], env: NodeJS.ProcessEnv) {
  const base: NodeJS.ProcessEnv = { ...t.env, WHARF_NO_AUTOSTART: '1', PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` };
  delete base.NODE_EXTRA_CA_CERTS;
  return runProgram(bin, args, { ...base, ...env });
}

test('ps through the bin: node does not read NODE_EXTRA_CA_CERTS (it would warn about a missing file)', async () => {
  const missing = path.join(dir, 'no-such-ca.pem');
  const r = await wharfBin(['ps'], { NODE_EXTRA_CA_CERTS: missing });
  assert.deepEqual([r.code, r.stderr], [0, '']);
  assert.match(r.stdout, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES\n/);
  // The same variable makes a plain node start warn: the check above can fail.
  const plain = await runProgram(process.execPath, ['-e', '0'], { ...process.env, NODE_EXTRA_CA_CERTS: missing });
  assert.match(plain.stderr, /no-such-ca\.pem/);
});

test("the CLI's environment keeps the user's NODE_EXTRA_CA_CERTS, and only it", async () => {
  const envOf = async (env: NodeJS.ProcessEnv): Promise<string[]> => {
    const r = await wharfBin(['create', '-e', 'NODE_EXTRA_CA_CERTS', '-e', '_WHARF_NODE_EXTRA_CA_CERTS', 'busybox', 'true'], env);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    const vars = JSON.parse(await wharfOk(t.env, ['inspect', '-f', '{{json .Config.Env}}', id])) as string[];
    await wharfOk(t.env, ['rm', id]);
    return vars.filter((v) => /NODE_EXTRA_CA_CERTS/.test(v));
  };
  const ca = path.join(dir, 'my ca.pem'); // a space survives the shebang's ${...}
  assert.deepEqual(await envOf({ NODE_EXTRA_CA_CERTS: ca }), [`NODE_EXTRA_CA_CERTS=${ca}`, '_WHARF_NODE_EXTRA_CA_CERTS']);
  // Unset for the user: unset for the CLI too (not set to empty).
  assert.deepEqual(await envOf({}), ['NODE_EXTRA_CA_CERTS', '_WHARF_NODE_EXTRA_CA_CERTS']);
});

test('with --pending-deprecation the bin prints no deprecation warning (it talks over node:net then) and runs as before', async () => {
  for (const args of [['ps'], ['run', '--rm', 'busybox', 'echo', 'attached']]) {
    const r = await wharfBin(args, { NODE_OPTIONS: '--pending-deprecation' });
    assert.deepEqual([r.code, r.stderr], [0, ''], args.join(' '));
    assert.match(r.stdout, args[0] === 'ps' ? /^CONTAINER ID\s+IMAGE/ : /^attached\n$/);
  }
  // What the check above guards against: process.binding warns under that flag.
  const plain = await runProgram(process.execPath, ['--pending-deprecation', '-e', "process.binding('pipe_wrap')"], process.env);
  assert.match(plain.stderr, /DEP0111/);
});
