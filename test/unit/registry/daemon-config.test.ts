// The daemon's registry settings: flags and daemon.json (insecure-registries, registry-mirrors,
// max-concurrent-downloads/uploads) with Docker's names, defaults and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mergeConfig, readConfigFile } from '../../../src/daemon/config.js';
import { parseFlags } from '../../../src/daemon/flags.js';

test('registry flags and daemon.json keys; defaults 3 downloads / 5 uploads; bad values name the directive', () => {
  const d = mergeConfig(parseFlags(['--insecure-registry', 'reg.local:5000', '--insecure-registry', '10.0.0.0/8', '--registry-mirror', 'http://mirror:5000', '--max-concurrent-downloads', '6']).directives, {});
  assert.deepEqual(d.registry, { insecureRegistries: ['reg.local:5000', '10.0.0.0/8'], mirrors: ['http://mirror:5000'], maxConcurrentDownloads: 6, maxConcurrentUploads: 5 });
  assert.equal(mergeConfig({}, {}).registry?.maxConcurrentDownloads, 3);
  assert.throws(() => parseFlags(['--max-concurrent-downloads', '0']), /expected a positive integer/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-regcfg-'));
  try {
    const file = path.join(dir, 'daemon.json');
    fs.writeFileSync(file, JSON.stringify({ 'insecure-registries': ['a:1'], 'registry-mirrors': ['https://m.example'], 'max-concurrent-uploads': 2 }));
    const c = mergeConfig({}, readConfigFile(file, true));
    assert.deepEqual(c.registry, { insecureRegistries: ['a:1'], mirrors: ['https://m.example'], maxConcurrentDownloads: 3, maxConcurrentUploads: 2 });
    fs.writeFileSync(file, JSON.stringify({ 'max-concurrent-downloads': 'many' }));
    assert.throws(() => readConfigFile(file, true), /invalid value for "max-concurrent-downloads".*positive integer/);
    fs.writeFileSync(file, JSON.stringify({ 'registry-mirrors': ['not a url'] }));
    assert.throws(() => mergeConfig({}, readConfigFile(file, true)), /registry-mirrors: invalid URL "not a url"/);
    assert.throws(() => mergeConfig(parseFlags(['--insecure-registry', 'x:1']).directives, { 'insecure-registries': ['y:2'] }), /insecure-registries: \(from flag/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
