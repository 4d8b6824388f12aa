// Docker's reading of container paths for the archive endpoints, and the path-stat header encoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseContainerPath } from '../../../src/image/cp/paths.js';
import { goFileMode, GoMode, encodePathStat, decodePathStat, toPathStat } from '../../../src/image/cp/stat.js';

test('container paths: relative from /, cleaned, trailing / and /. kept', () => {
  const cases: Array<[string, string, string[], string, string]> = [
    // requested, abs, dirParts, base, name
    ['etc/passwd', '/etc/passwd', ['etc'], 'passwd', 'passwd'],
    ['/etc/passwd', '/etc/passwd', ['etc'], 'passwd', 'passwd'],
    ['/a/../../etc//x', '/etc/x', ['etc'], 'x', 'x'],
    ['/etc/', '/etc/', ['etc'], '', 'etc'],
    ['/etc/.', '/etc/.', ['etc'], '', '.'],
    ['etc/./', '/etc/', ['etc'], '', 'etc'],
    ['/', '/', [], '', '/'],
    ['', '/', [], '', '/'],
    ['.', '/.', [], '', '.'],
    ['/.', '/.', [], '', '.'],
    ['a/..', '/', [], '', '/'],
    ['/link', '/link', [], 'link', 'link'],
  ];
  for (const [req, abs, dirParts, base, name] of cases) {
    assert.deepEqual(parseContainerPath(req), { requested: req, abs, dirParts, base, name }, req);
  }
});

test('path stat: Go os.FileMode bits and the base64 JSON header', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-stat-'));
  try {
    fs.writeFileSync(path.join(dir, 'f'), 'abc', { mode: 0o640 });
    fs.chmodSync(path.join(dir, 'f'), 0o4755);
    fs.symlinkSync('f', path.join(dir, 'l'));
    fs.chmodSync(dir, 0o1777);
    assert.equal(goFileMode(fs.lstatSync(path.join(dir, 'f'))), GoMode.setuid + 0o755);
    assert.equal(goFileMode(fs.lstatSync(path.join(dir, 'l'))), GoMode.symlink + 0o777);
    assert.equal(goFileMode(fs.lstatSync(dir)), GoMode.dir + GoMode.sticky + 0o777);
    assert.equal(goFileMode(fs.lstatSync('/dev/null')), GoMode.device + GoMode.charDevice + 0o666);
    const st = toPathStat('f', fs.lstatSync(path.join(dir, 'f')));
    const header = encodePathStat(st);
    const json = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
    assert.deepEqual(Object.keys(json), ['name', 'size', 'mode', 'mtime', 'linkTarget']);
    assert.equal(json.size, 3);
    assert.ok(!Number.isNaN(Date.parse(json.mtime)));
    assert.deepEqual(decodePathStat(header), st);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
