#!/usr/bin/env node
// Runs the compiled test suite: unit tests first (parallel), then root integration tests.
// A hard time budget keeps CI bounded: every test has a timeout and the whole run has a deadline.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const filter = process.env.WHARF_TEST_FILTER ?? '';
const root = new URL('../dist/test/', import.meta.url).pathname;

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

const deadline = Date.now() + Number(process.env.WHARF_TEST_BUDGET_MS ?? 25 * 60_000);
let failed = false;
for (const [kind, concurrency, timeout] of [['unit', 2, 60_000], ['integration', 1, 180_000]]) {
  const files = find(join(root, kind));
  if (files.length === 0) continue;
  const left = deadline - Date.now();
  if (left <= 0) { console.error(`test budget exhausted before ${kind} tests`); process.exit(1); }
  console.log(`# ${kind}: ${files.length} files`);
  const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`,
    `--test-timeout=${timeout}`, '--test-reporter=spec', ...files],
    { stdio: 'inherit', timeout: left, killSignal: 'SIGKILL' });
  if (r.error) { console.error(`${kind} tests: ${r.error.message}`); failed = true; }
  else if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
