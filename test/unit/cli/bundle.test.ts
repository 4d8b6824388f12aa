// The bundled `wharf` (src/cli/bundle.ts): one launcher, the bundles and V8's code cache, which
// the launcher uses when V8 accepts it and rewrites when V8 rejects it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import module from 'node:module';
import { bundleCli } from '../../../src/cli/bundle.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-bundle-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function wharf(launcher: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--', launcher, ...args], { encoding: 'utf8', env: { ...process.env, WHARF_NO_AUTOSTART: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the build writes the launcher, both bundles and (on Node 20) the code cache; help lists every command', async () => {
  const launcher = await bundleCli(dir);
  assert.equal(launcher, path.join(dir, 'wharf.mjs'));
  for (const f of ['wharf-cli.mjs', 'wharf-cli.cjs']) assert.ok(fs.statSync(path.join(dir, f)).size > 10_000, f);
  const usesCodeCache = !('enableCompileCache' in module);
  if (usesCodeCache) assert.ok(fs.statSync(path.join(dir, 'wharf-cli.cache')).size > 10_000, 'code cache written');
  const r = wharf(launcher, ['--help']);
  assert.equal(r.code, 0, r.stderr);
  for (const cmd of ['run', 'ps', 'images', 'volume', 'network', 'build', 'system']) assert.match(r.stdout, new RegExp(`\\n  ${cmd}\\b`));
  // One command's own help: only that command is registered, with its flags.
  const ps = wharf(launcher, ['container', 'ls', '--help']);
  assert.equal(ps.code, 0, ps.stderr);
  assert.match(ps.stdout, /--all/);
});

test('a code cache V8 rejects is replaced by one it accepts, and an accepted one is left alone', { skip: 'enableCompileCache' in module && 'Node >= 22 uses its compile cache' }, () => {
  const launcher = path.join(dir, 'wharf.mjs');
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
