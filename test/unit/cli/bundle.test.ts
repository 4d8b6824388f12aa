// The bundled `wharf` (src/cli/bundle.ts): the bin (a CommonJS launcher), its ES module alias, the
// bundle and V8's code cache, which the launcher uses when V8 accepts it and rewrites when V8
// rejects it. Built into a temp dir: the bin must work wherever dist/ is copied.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCli } from '../../../src/cli/bundle.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-bundle-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const packageRoot = fileURLToPath(new URL('../../../../', import.meta.url));

interface Result { code: number | null; stdout: string; stderr: string }

/** `node -- <file> args` (how the tests and README run it). */
function wharf(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Result {
  const r = spawnSync(process.execPath, ['--', file, ...args], { encoding: 'utf8', env: { ...process.env, WHARF_NO_AUTOSTART: '1', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The bin run as a program (its shebang line chooses how node runs). */
function bin(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Result {
  const r = spawnSync(file, args, { encoding: 'utf8', env: { ...process.env, WHARF_NO_AUTOSTART: '1', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the build writes the bin, its .mjs alias, the bundle and the code cache; help lists every command', async () => {
  const launcher = await bundleCli(dir);
  assert.equal(launcher, path.join(dir, 'wharf.cjs'));
  assert.ok(fs.statSync(path.join(dir, 'wharf-cli.cjs')).size > 10_000, 'bundle');
  assert.ok(fs.statSync(path.join(dir, 'wharf-cli.cache')).size > 10_000, 'code cache written');
  assert.equal(fs.statSync(launcher).mode & 0o111, 0o111, 'the bin is executable');
  for (const run of [() => bin(launcher, ['--help']), () => wharf(launcher, ['--help']), () => wharf(path.join(dir, 'wharf.mjs'), ['--help'])]) {
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    for (const cmd of ['run', 'ps', 'images', 'volume', 'network', 'build', 'system']) assert.match(r.stdout, new RegExp(`\\n  ${cmd}\\b`));
  }
  // One command's own help: only that command is registered, with its flags.
  const ps = bin(launcher, ['container', 'ls', '--help']);
  assert.equal(ps.code, 0, ps.stderr);
  assert.match(ps.stdout, /--all/);
});

test('a code cache V8 rejects is replaced by one it accepts, and an accepted one is left alone', () => {
  const launcher = path.join(dir, 'wharf.cjs');
  const cache = path.join(dir, 'wharf-cli.cache');
  const expected = wharf(launcher, ['--help']).stdout;
  fs.writeFileSync(cache, 'not a code cache');
  const r = wharf(launcher, ['--help']);
  assert.deepEqual([r.code, r.stdout], [0, expected], r.stderr);
  const rewritten = fs.readFileSync(cache);
  assert.ok(rewritten.length > 10_000, 'a real cache replaced the bad one');
  const before = fs.statSync(cache).mtimeMs;
  assert.equal(wharf(launcher, ['--help']).code, 0);
  assert.equal(fs.statSync(cache).mtimeMs, before, 'an accepted cache is not rewritten');
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('.cache.')), [], 'no temp files left');
});

test('--version and -v print "Wharf version <package version>, build <commit>", as docker does', () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=7', 'HEAD'], { cwd: packageRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch { /* not a git checkout: no build part */ }
  const expected = `Wharf version ${version}${commit ? `, build ${commit}` : ''}\n`;
  const unbundled = path.join(packageRoot, 'dist/src/cli/main.js');
  for (const [file, args] of [[path.join(dir, 'wharf.cjs'), ['--version']], [path.join(dir, 'wharf.cjs'), ['-v']], [unbundled, ['--version']]] as const) {
    const r = wharf(file, [...args]);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, expected, ''], `${file} ${args.join(' ')}`);
  }
  // The bundle carries them: a copy outside the checkout prints the same.
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-bundle-copy-'));
  try {
    for (const f of ['wharf.cjs', 'wharf-cli.cjs', 'wharf-cli.cache']) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
    fs.chmodSync(path.join(copy, 'wharf.cjs'), 0o755);
    assert.equal(bin(path.join(copy, 'wharf.cjs'), ['--version']).stdout, expected);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
});

test('run as a program, the bin starts node without NODE_EXTRA_CA_CERTS (node would load it: a warning for a missing file)', () => {
  const env = { NODE_EXTRA_CA_CERTS: path.join(dir, 'no-such-ca.pem') };
  // The check can fail: node itself reads the variable and warns about the missing file.
  assert.match(spawnSync(process.execPath, ['-e', '0'], { encoding: 'utf8', env: { ...process.env, ...env } }).stderr, /no-such-ca\.pem/);
  const r = bin(path.join(dir, 'wharf.cjs'), ['--version'], env);
  assert.deepEqual([r.code, r.stderr], [0, '']);
  const shim = bin(path.join(dir, 'wharf.mjs'), ['--version'], env);
  assert.deepEqual([shim.code, shim.stderr], [0, '']);
});
