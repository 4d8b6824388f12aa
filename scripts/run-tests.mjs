#!/usr/bin/env node
// Runs the compiled test suite: unit tests first (in parallel), then the root integration tests one
// file at a time. Hard time limits keep CI bounded: every test has a timeout, every integration
// file is killed if it runs too long (a hung file fails instead of stalling the run), and the whole
// run has a deadline.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const filter = process.env.WHARF_TEST_FILTER ?? '';
const root = new URL('../dist/test/', import.meta.url).pathname;
const deadline = Date.now() + Number(process.env.WHARF_TEST_BUDGET_MS ?? 22 * 60_000);
const FILE_LIMIT_MS = Number(process.env.WHARF_TEST_FILE_LIMIT_MS ?? 240_000);

function find(dir) {
  let out = [];
  let entries = [];
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries.sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (name.endsWith('.test.js') && p.includes(filter)) out.push(p);
  }
  return out;
}

function runNodeTest(files, concurrency, testTimeout, limit) {
  const left = Math.min(limit, deadline - Date.now());
  if (left <= 0) return { ok: false, why: 'test budget exhausted' };
  const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`,
    `--test-timeout=${testTimeout}`, '--test-reporter=spec', ...files],
    { stdio: 'inherit', timeout: left, killSignal: 'SIGKILL' });
  if (r.error) return { ok: false, why: r.error.code === 'ETIMEDOUT' ? `killed after ${Math.round(left / 1000)} s` : r.error.message };
  return { ok: r.status === 0, why: `exit status ${r.status}` };
}

const failures = [];
const unit = find(join(root, 'unit'));
if (unit.length) {
  console.log(`# unit: ${unit.length} files`);
  const r = runNodeTest(unit, 2, 60_000, 10 * 60_000);
  if (!r.ok) failures.push(`unit tests: ${r.why}`);
}
const integration = find(join(root, 'integration'));
console.log(`# integration: ${integration.length} files`);
for (const file of integration) {
  const t0 = Date.now();
  const r = runNodeTest([file], 1, 120_000, FILE_LIMIT_MS);
  const name = relative(root, file);
  console.log(`# ${name}: ${r.ok ? 'ok' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (!r.ok) failures.push(`${name}: ${r.why}`);
}
if (failures.length) {
  console.error(`\n${failures.length} failing:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('\nall tests passed');
