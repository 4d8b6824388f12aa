// docker cp's archive endpoints by effect on a container root: Docker's path rules for GET/HEAD/PUT,
// and no read or write ever outside the root, whatever the path or the container's symlinks say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  archiveGet, archiveHead, archivePut, encodePathStat, decodePathStat,
  ContainerPathNotFoundError, ContainerPathNotDirectoryError, ExtractPointNotDirectoryError, SymlinkLoopError, ArchiveEntryError,
} from '../../../src/image/index.js';
import { GoMode } from '../../../src/image/cp/stat.js';
import { readTar, makeTar, tempDir, cleanupDir } from './helpers.js';

interface Fixture { base: string; root: string; done: () => Promise<void> }

/**
 * <base>/secret and <base>/etc/passwd are outside the root (sentinels); the root holds a small
 * tree and hostile symlinks: /evil -> /, /up -> ../../../.., /dotdot -> .., /loop1 <-> /loop2.
 */
function fixture(): Fixture {
  const base = tempDir('wharf-cp-');
  const root = path.join(base, 'root');
  fs.writeFileSync(path.join(base, 'secret'), 'HOST SECRET\n');
  fs.mkdirSync(path.join(base, 'etc'));
  fs.writeFileSync(path.join(base, 'etc/passwd'), 'HOST PASSWD\n');
  for (const d of ['etc', 'tmp', 'data/sub']) fs.mkdirSync(path.join(root, d), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nann:x:1000:1001::/home/ann:/bin/sh\n', { mode: 0o644 });
  fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nstaff:x:50:\n');
  fs.writeFileSync(path.join(root, 'data/a.txt'), 'A');
  fs.writeFileSync(path.join(root, 'data/sub/b.txt'), 'B');
  fs.linkSync(path.join(root, 'data/a.txt'), path.join(root, 'data/a-hard'));
  fs.symlinkSync('/etc', path.join(root, 'link-to-etc'));
  fs.symlinkSync('/', path.join(root, 'evil'));
  fs.symlinkSync('../../../..', path.join(root, 'up'));
  fs.symlinkSync('..', path.join(root, 'dotdot'));
  fs.symlinkSync('loop2', path.join(root, 'loop1'));
  fs.symlinkSync('loop1', path.join(root, 'loop2'));
  fs.utimesSync(path.join(root, 'data/a.txt'), 1_000_000, 1_000_000);
  return { base, root, done: () => cleanupDir(base) };
}

const tarOf = async (items: Parameters<typeof makeTar>[0]) => Readable.from([await makeTar(items)]);
const names = async (tar: Readable) => (await readTar(tar)).map((e) => e.header.name);
const notFound = (p: string) => (e: Error) => e instanceof ContainerPathNotFoundError && e.message === `Could not find the file ${p} in container c1`;

test('GET and HEAD: files, directories, dir/. contents, symlinks with and without a trailing slash', async () => {
  const f = fixture();
  const opts = { containerId: 'c1' };
  try {
    const file = await archiveGet(f.root, 'etc/passwd', opts);
    assert.deepEqual([file.stat.name, file.stat.size, file.stat.mode, file.stat.linkTarget], ['passwd', fs.statSync(path.join(f.root, 'etc/passwd')).size, 0o644, '']);
    const fileTar = await readTar(file.tar);
    assert.deepEqual(fileTar.map((e) => [e.header.name, e.data.toString()]), [['passwd', fs.readFileSync(path.join(f.root, 'etc/passwd'), 'utf8')]]);

    const dir = await archiveGet(f.root, '/data', opts);
    assert.equal(dir.stat.mode, GoMode.dir + 0o755);
    const dirTar = await readTar(dir.tar);
    assert.deepEqual(dirTar.map((e) => e.header.name), ['data/', 'data/a-hard', 'data/a.txt', 'data/sub/', 'data/sub/b.txt']);
    assert.deepEqual([dirTar[2]!.header.type, dirTar[2]!.header.linkname], ['link', 'data/a-hard'], 'hard links kept');
    assert.equal(dirTar[1]!.header.mtime!.getTime(), 1_000_000_000);

    const contents = await archiveGet(f.root, '/data/.', opts);
    assert.equal(contents.stat.name, '.');
    assert.deepEqual(await names(contents.tar), ['./', './a-hard', './a.txt', './sub/', './sub/b.txt']);
    assert.equal((await archiveGet(f.root, '/data/', opts)).stat.name, 'data');

    // The final symlink is copied as a link; with a trailing slash it is followed, entries keep the asked name.
    const link = await archiveGet(f.root, '/link-to-etc', opts);
    assert.deepEqual([link.stat.name, link.stat.mode, link.stat.linkTarget], ['link-to-etc', GoMode.symlink + 0o777, '/etc']);
    const linkTar = await readTar(link.tar);
    assert.deepEqual(linkTar.map((e) => [e.header.name, e.header.type, e.header.linkname]), [['link-to-etc', 'symlink', '/etc']]);
    const followed = await archiveGet(f.root, '/link-to-etc/', opts);
    assert.ok(followed.stat.mode >= GoMode.dir, 'a directory (Go ModeDir is the top bit)');
    assert.deepEqual(await names(followed.tar), ['link-to-etc/', 'link-to-etc/group', 'link-to-etc/passwd']);
    // Intermediate symlinks are always followed.
    assert.deepEqual(await names((await archiveGet(f.root, '/link-to-etc/group', opts)).tar), ['group']);

    const head = await archiveHead(f.root, '/link-to-etc', opts);
    assert.deepEqual(decodePathStat(encodePathStat(head)), head);
    assert.equal(JSON.parse(Buffer.from(encodePathStat(head), 'base64').toString()).linkTarget, '/etc');

    await assert.rejects(archiveGet(f.root, '/nope', opts), notFound('/nope'));
    await assert.rejects(archiveHead(f.root, '/nope/deeper', opts), notFound('/nope/deeper'));
    await assert.rejects(archiveGet(f.root, '/etc/passwd/', opts), ContainerPathNotDirectoryError);
    await assert.rejects(archiveGet(f.root, '/loop1/', opts), SymlinkLoopError);
  } finally {
    await f.done();
  }
});

test('GET never reads outside the root: .., absolute and relative symlink escapes', async () => {
  const f = fixture();
  const opts = { containerId: 'c1' };
  const containerPasswd = fs.readFileSync(path.join(f.root, 'etc/passwd'), 'utf8');
  try {
    for (const p of ['../../etc/passwd', '/../../../etc/passwd', '/evil/etc/passwd', '/up/etc/passwd', '/dotdot/dotdot/etc/passwd', 'evil/up/dotdot/etc/passwd']) {
      const got = await readTar((await archiveGet(f.root, p, opts)).tar);
      assert.deepEqual(got.map((e) => e.data.toString()), [containerPasswd], p);
    }
    for (const p of ['/up/secret', '/evil/secret', '/dotdot/secret', '../secret']) {
      await assert.rejects(archiveGet(f.root, p, opts), notFound(p), `${p} must not reach the host's secret`);
    }
    // The whole root through an escaping link: the container's files only.
    const all = await readTar((await archiveGet(f.root, '/up/', opts)).tar);
    assert.ok(all.length > 5 && all.length < 30);
    assert.ok(all.every((e) => !e.data.toString().includes('HOST')));
    const head = await archiveHead(f.root, '/up', opts);
    assert.equal(head.linkTarget, '/', 'links resolved within the root');
  } finally {
    await f.done();
  }
});

test('PUT: extracts into an existing directory (symlinks to dirs followed), owners and modes as in the archive', async () => {
  const f = fixture();
  const opts = { containerId: 'c1' };
  try {
    await archivePut(f.root, '/tmp', await tarOf([
      { name: 'new.txt', data: 'new\n', mode: 0o640, uid: 1234, gid: 4321, mtime: new Date(2_000_000_000) },
      { name: 'd/', type: 'directory', mode: 0o750 },
      { name: 'd/x', data: 'x' },
      { name: 'd/l', type: 'symlink', linkname: 'x' },
      { name: 'd/h', type: 'link', linkname: 'd/x' },
      { name: 'deep/er/file', data: 'parents made' },
    ]), opts);
    const t = (p: string) => path.join(f.root, 'tmp', p);
    const st = fs.statSync(t('new.txt'));
    assert.deepEqual([fs.readFileSync(t('new.txt'), 'utf8'), st.mode & 0o777, st.uid, st.gid, st.mtimeMs], ['new\n', 0o640, 1234, 4321, 2_000_000_000]);
    assert.equal(fs.statSync(t('d')).mode & 0o777, 0o750);
    assert.equal(fs.readlinkSync(t('d/l')), 'x');
    assert.equal(fs.statSync(t('d/h')).ino, fs.statSync(t('d/x')).ino);
    assert.equal(fs.readFileSync(t('deep/er/file'), 'utf8'), 'parents made');

    await archivePut(f.root, '/link-to-etc', Readable.from([gzipSync(await makeTar([{ name: 'hosts', data: '127.0.0.1 localhost\n' }]))]), opts);
    assert.equal(fs.readFileSync(path.join(f.root, 'etc/hosts'), 'utf8'), '127.0.0.1 localhost\n', 'gzip input, symlinked dir followed');

    // copyUIDGID: everything owned by the container's user, looked up in the container's passwd/group.
    await archivePut(f.root, '/tmp', await tarOf([{ name: 'owned', data: 'o', uid: 7, gid: 7 }]), { ...opts, copyUIDGID: true, user: 'ann' });
    assert.deepEqual([fs.statSync(t('owned')).uid, fs.statSync(t('owned')).gid], [1000, 1001]);
    await archivePut(f.root, '/tmp', await tarOf([{ name: 'owned2', data: 'o' }]), { ...opts, copyUIDGID: true, user: 'ann:staff' });
    assert.deepEqual([fs.statSync(t('owned2')).uid, fs.statSync(t('owned2')).gid], [1000, 50]);

    // Dir/non-dir replacement: allowed by default, refused with noOverwriteDirNonDir.
    await archivePut(f.root, '/tmp', await tarOf([{ name: 'd', data: 'now a file' }]), opts);
    assert.equal(fs.readFileSync(t('d'), 'utf8'), 'now a file');
    await assert.rejects(archivePut(f.root, '/', await tarOf([{ name: 'data', data: 'x' }]), { ...opts, noOverwriteDirNonDir: true }),
      /cannot overwrite directory "\/data" with non-directory "\/"/);
    await assert.rejects(archivePut(f.root, '/tmp', await tarOf([{ name: 'new.txt/', type: 'directory' }]), { ...opts, noOverwriteDirNonDir: true }),
      /cannot overwrite non-directory "\/tmp\/new.txt" with directory "\/tmp"/);
    assert.equal(fs.readdirSync(path.join(f.root, 'data')).length, 3, 'the directory was kept');

    // Missing or non-directory extraction points: Docker's errors, nothing written.
    const before = fs.readdirSync(f.root).sort();
    await assert.rejects(archivePut(f.root, '/missing', await tarOf([{ name: 'x', data: 'x' }]), opts), notFound('/missing'));
    await assert.rejects(archivePut(f.root, '/etc/passwd', await tarOf([{ name: 'x', data: 'x' }]), opts), ExtractPointNotDirectoryError);
    assert.deepEqual(fs.readdirSync(f.root).sort(), before);
  } finally {
    await f.done();
  }
});

test('PUT never writes outside the root: .. entries, symlinked parents, escaping links, container symlinks', async () => {
  const f = fixture();
  const opts = { containerId: 'c1' };
  const unique = `wharf-cp-escape-${randomBytes(4).toString('hex')}`;
  const hostPaths = [path.join('/', unique), path.join(f.base, unique), path.join(path.dirname(f.base), unique)];
  const snapshot = () => ({ secret: fs.readFileSync(path.join(f.base, 'secret'), 'utf8'), base: fs.readdirSync(f.base).sort() });
  try {
    const before = snapshot();
    await assert.rejects(archivePut(f.root, '/tmp', await tarOf([{ name: `../../${unique}`, data: 'x' }]), opts), ArchiveEntryError);
    await assert.rejects(archivePut(f.root, '/tmp', await tarOf([{ name: 'l', type: 'symlink', linkname: '../../../etc' }]), opts), /invalid symlink/);
    await assert.rejects(archivePut(f.root, '/tmp', await tarOf([{ name: 'h', type: 'link', linkname: '../secret' }]), opts), ArchiveEntryError);
    // A hard link through the container's escaping symlink finds no /secret inside the root.
    await assert.rejects(archivePut(f.root, '/', await tarOf([{ name: 'h', type: 'link', linkname: 'up/secret' }]), opts), /does not exist/);

    // Parents that are container symlinks are resolved inside the root (as under chroot).
    await archivePut(f.root, '/', await tarOf([
      { name: `evil/${unique}`, data: 'via /' },
      { name: `up/etc/${unique}`, data: 'via up' },
      { name: `dotdot/dotdot/tmp/${unique}`, data: 'via dotdot' },
    ]), opts);
    assert.equal(fs.readFileSync(path.join(f.root, unique), 'utf8'), 'via /');
    assert.equal(fs.readFileSync(path.join(f.root, 'etc', unique), 'utf8'), 'via up');
    assert.equal(fs.readFileSync(path.join(f.root, 'tmp', unique), 'utf8'), 'via dotdot');
    // Extraction points through escaping links stay inside too.
    await archivePut(f.root, '/up/etc', await tarOf([{ name: 'passwd', data: 'replaced inside\n' }]), opts);
    assert.equal(fs.readFileSync(path.join(f.root, 'etc/passwd'), 'utf8'), 'replaced inside\n');
    // An entry named like a container symlink replaces the link, never writes through it.
    await archivePut(f.root, '/', await tarOf([{ name: 'evil/', type: 'directory' }, { name: 'evil/inside', data: 'i' }]), opts);
    assert.equal(fs.lstatSync(path.join(f.root, 'evil')).isDirectory(), true);
    assert.equal(fs.readFileSync(path.join(f.root, 'evil/inside'), 'utf8'), 'i');

    for (const p of hostPaths) assert.equal(fs.existsSync(p), false, `${p} must not exist`);
    assert.deepEqual(snapshot(), before);
    assert.equal(fs.readFileSync(path.join(f.base, 'etc/passwd'), 'utf8'), 'HOST PASSWD\n');
  } finally {
    for (const p of hostPaths) fs.rmSync(p, { force: true, recursive: true });
    await f.done();
  }
});
