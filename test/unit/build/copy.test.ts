// COPY/ADD helpers: Docker's source checksums (checked against hashes in a Docker-built
// fixture's history), wildcards, context escapes, .dockerignore patterns, destination rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sourceHash, combinedHash } from '../../../src/build/copy/checksum.js';
import { componentRegex, hasGlob } from '../../../src/build/copy/glob.js';
import { resolveSource } from '../../../src/build/copy/sources.js';
import { applySources } from '../../../src/build/copy/apply.js';
import { applyDockerignore, ignoreMatcher, readIgnorePatterns } from '../../../src/build/context.js';

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-build-unit-'));
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o755 });
    fs.writeFileSync(p, content, { mode: 0o644 });
  }
  for (const d of ['tree', 'tree/sub']) if (fs.existsSync(path.join(dir, d))) fs.chmodSync(path.join(dir, d), 0o755);
  return dir;
}

test('file and directory checksums equal those Docker 20.10 recorded for the fixture image', () => {
  const dir = tree({ 'hello.txt': 'hello from the build context\n', 'tree/a': 'a\n', 'tree/sub/b': 'b\n' });
  try {
    for (const p of ['hello.txt', 'tree', 'tree/a', 'tree/sub', 'tree/sub/b']) fs.lchownSync(path.join(dir, p), 0, 0);
    // From the history of shared/fixtures/images/layers-docker-save.tar (docker build, legacy builder).
    assert.equal(sourceHash(path.join(dir, 'hello.txt'), 'hello.txt'), 'file:be1b4059d20db816b307adfce5eb3cf420d1c92d83693ae3ab499980825f7db6');
    assert.equal(sourceHash(path.join(dir, 'tree'), 'tree'), 'dir:c5502af7c536997d5b35d1d1bdd0279b46c6ef56f7ff5c2c3d05dc5f3b7fb3d1');
    assert.equal(combinedHash(['file:x']), 'file:x');
    assert.match(combinedHash(['file:x', 'dir:y']), /^multi:[0-9a-f]{64}$/);
    fs.writeFileSync(path.join(dir, 'tree/a'), 'changed\n');
    assert.notEqual(sourceHash(path.join(dir, 'tree'), 'tree'), 'dir:c5502af7c536997d5b35d1d1bdd0279b46c6ef56f7ff5c2c3d05dc5f3b7fb3d1');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('wildcards match one component at a time; sources may not leave the context', () => {
  assert.ok(hasGlob('*.txt') && hasGlob('a?c') && hasGlob('[ab]') && !hasGlob('plain') && !hasGlob('a\\*'));
  assert.ok(componentRegex('*.txt').test('a.txt') && !componentRegex('*.txt').test('a/b.txt'));
  assert.ok(componentRegex('[^a]x').test('bx') && !componentRegex('[^a]x').test('ax'));
  const dir = tree({ 'a.txt': '1', 'b.txt': '2', 'c.md': '3', 'd/e.txt': '4' });
  try {
    const root = { dir, isContext: true };
    assert.deepEqual(resolveSource(root, '*.txt', 'COPY').map((i) => i.rel), ['a.txt', 'b.txt']);
    assert.deepEqual(resolveSource(root, '*/e.txt', 'COPY').map((i) => i.rel), ['d/e.txt']);
    assert.throws(() => resolveSource(root, '*.none', 'COPY'), /COPY failed: no source files were specified/);
    assert.throws(() => resolveSource(root, '../etc/passwd', 'COPY'), /forbidden path outside the build context/);
    assert.throws(() => resolveSource(root, 'missing', 'ADD'), /ADD failed: file not found in build context or excluded by .dockerignore: stat missing/);
    fs.symlinkSync('/etc', path.join(dir, 'escape'));
    // A symlink is evaluated inside the context: /etc there is <context>/etc, which does not exist.
    assert.throws(() => resolveSource(root, 'escape/passwd', 'COPY'), /file not found/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('destination rules: dir contents, file into dir/ or to a name, several sources need a dir/', async () => {
  const src = tree({ 'f.txt': 'file', 'dir/x': 'x', 'dir/sub/y': 'y' });
  const dst = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-build-root-'));
  try {
    const root = { dir: src, isContext: true };
    const opts = { cmd: 'COPY' };
    await applySources(dst, resolveSource(root, 'f.txt', 'COPY'), '/a/renamed', opts);
    await applySources(dst, resolveSource(root, 'f.txt', 'COPY'), '/b/', opts);
    await applySources(dst, resolveSource(root, 'dir', 'COPY'), '/c', opts);
    fs.mkdirSync(path.join(dst, 'existing'));
    await applySources(dst, resolveSource(root, 'f.txt', 'COPY'), '/existing', { cmd: 'COPY', chown: { uid: 7, gid: 8 }, chmod: 0o600 });
    assert.equal(fs.readFileSync(path.join(dst, 'a/renamed'), 'utf8'), 'file');
    assert.equal(fs.readFileSync(path.join(dst, 'b/f.txt'), 'utf8'), 'file');
    assert.deepEqual(fs.readdirSync(path.join(dst, 'c')).sort(), ['sub', 'x']);
    const st = fs.statSync(path.join(dst, 'existing/f.txt'));
    assert.deepEqual([st.uid, st.gid, st.mode & 0o777], [7, 8, 0o600]);
    await assert.rejects(applySources(dst, [...resolveSource(root, 'f.txt', 'COPY'), ...resolveSource(root, 'dir', 'COPY')], '/multi', opts),
      /When using COPY with more than one source file, the destination must be a directory and end with a \//);
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
    fs.rmSync(dst, { recursive: true, force: true });
  }
});

test('.dockerignore: Docker pattern rules and exceptions', () => {
  const patterns = readIgnorePatterns('# comment\n\n/secret\n*.log\n!keep.log\n**/tmp\n./build/\n');
  assert.deepEqual(patterns, ['secret', '*.log', '!keep.log', '**/tmp', 'build']);
  const ignored = ignoreMatcher(patterns);
  assert.ok(ignored('secret') && ignored('a.log') && !ignored('keep.log') && ignored('x/y/tmp') && ignored('build') && !ignored('src/a.ts'));
  const dir = tree({ 'secret': 's', 'a.log': 'l', 'keep.log': 'k', 'x/tmp/f': 'f', 'x/ok': 'o', 'build/out': 'b' });
  try {
    applyDockerignore(dir, patterns);
    const left: string[] = [];
    const walk = (d: string, rel: string): void => { for (const n of fs.readdirSync(d).sort()) { const p = path.join(d, n); if (fs.statSync(p).isDirectory()) walk(p, `${rel}${n}/`); else left.push(rel + n); } };
    walk(dir, '');
    assert.deepEqual(left, ['keep.log', 'x/ok']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
