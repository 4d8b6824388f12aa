// readFromLayers: overlayfs' lookup rules applied to layer directories without mounting them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFromLayers } from '../../../src/storage/layered-read.js';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-layered-'));
after(() => fs.rmSync(base, { recursive: true, force: true }));

let n = 0;
/** A fresh stack of layer dirs, topmost first, filled by `setup`. */
function stack(count: number, setup: (dirs: string[]) => void): string[] {
  const dirs = Array.from({ length: count }, (_, i) => path.join(base, `s${n}`, `l${i}`));
  n++;
  for (const d of dirs) fs.mkdirSync(d, { recursive: true });
  setup(dirs);
  return dirs;
}

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

test('the topmost layer holding the file wins; absent everywhere is undefined', async () => {
  const dirs = stack(3, ([up, mid, low]) => {
    write(path.join(low!, 'etc/passwd'), 'low');
    write(path.join(mid!, 'etc/passwd'), 'mid');
    fs.mkdirSync(path.join(up!, 'etc'));
  });
  assert.equal(await readFromLayers(dirs, '/etc/passwd'), 'mid');
  assert.equal(await readFromLayers(dirs, '/etc/group'), undefined);
  assert.equal(await readFromLayers(dirs, 'etc/passwd'), 'mid', 'relative paths are from the root');
});

test('a whiteout, a file in place of a parent dir, and an opaque dir hide the layers below', async () => {
  const dirs = stack(2, ([up, low]) => {
    write(path.join(low!, 'etc/passwd'), 'low');
    write(path.join(low!, 'etc/group'), 'low-group');
    write(path.join(low!, 'opt/conf/x'), 'low-x');
    write(path.join(low!, 'srv/y'), 'low-y');
    fs.mkdirSync(path.join(up!, 'etc'));
    execFileSync('mknod', [path.join(up!, 'etc/passwd'), 'c', '0', '0']);
    write(path.join(up!, 'opt'), 'a file now');
    fs.mkdirSync(path.join(up!, 'srv'));
    execFileSync('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', path.join(up!, 'srv')]);
  });
  assert.equal(await readFromLayers(dirs, '/etc/passwd'), undefined, 'whiteout');
  assert.equal(await readFromLayers(dirs, '/etc/group'), 'low-group', 'a plain dir above lets the lower file through');
  assert.equal(await readFromLayers(dirs, '/opt/conf/x'), undefined, 'a file replaced the directory');
  assert.equal(await readFromLayers(dirs, '/srv/y'), undefined, 'opaque directory');
});

test('symlinks resolve inside the view, never on the host', async () => {
  const hostDir = path.join(base, `host-secret-${n}`);
  write(path.join(hostDir, 'passwd'), 'HOST FILE');
  const dirs = stack(2, ([up, low]) => {
    write(path.join(low!, 'private/etc/passwd'), 'view passwd');
    write(path.join(low!, 'private/etc/group'), 'view group');
    // /etc is a link to an absolute path: it must mean the view's /private/etc.
    fs.symlinkSync('/private/etc', path.join(low!, 'etc'));
    // A link climbing out with .. stays at the view's root.
    fs.mkdirSync(path.join(up!, 'a'));
    fs.symlinkSync('../../../../../../private/etc/group', path.join(up!, 'a/group'));
    // An absolute link naming a host path that exists only on the host finds nothing.
    fs.symlinkSync(path.join(hostDir, 'passwd'), path.join(up!, 'a/passwd'));
    // A loop ends.
    fs.symlinkSync('/loop2', path.join(up!, 'loop1'));
    fs.symlinkSync('/loop1', path.join(up!, 'loop2'));
  });
  assert.equal(await readFromLayers(dirs, '/etc/passwd'), 'view passwd');
  assert.equal(await readFromLayers(dirs, '/a/group'), 'view group');
  assert.equal(await readFromLayers(dirs, '/a/passwd'), undefined);
  assert.equal(await readFromLayers(dirs, '/loop1'), undefined);
});
