import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TarReader, TarFormatError, type TarHeader } from '../../../src/storage/tar-reader.js';
import { encodeTarHeader, tarPadding, TAR_END, type TarWriteHeader } from '../../../src/storage/tar-writer.js';

interface Got { h: TarHeader; data: Buffer }

/** Parse `buf` fed in chunks of `step` bytes (exercises every split point of headers and data). */
function parse(buf: Buffer, step = buf.length): Got[] {
  const out: Got[] = [];
  let cur: Got | null = null;
  const r = new TarReader({
    onEntry: (h) => { cur = { h, data: Buffer.alloc(0) }; out.push(cur); },
    onData: (c) => { cur!.data = Buffer.concat([cur!.data, c]); },
    onEntryEnd: () => { cur = null; },
  });
  for (let i = 0; i < buf.length; i += step) r.push(buf.subarray(i, i + step));
  r.finish();
  return out;
}

function entry(h: TarWriteHeader, data = Buffer.alloc(0)): Buffer {
  return Buffer.concat([encodeTarHeader({ ...h, size: data.length }), data, tarPadding(data.length)]);
}

const base = { mode: 0o644, uid: 0, gid: 0, mtime: 1700000000 };

test('round-trips long names, binary xattrs, big ids, setuid modes and every entry type, in any chunking', () => {
  const longName = 'd/' + 'x'.repeat(150) + '/f\u00e9';
  const cap = Buffer.from([0x01, 0x00, 0x00, 0x02, 0xff, 0x80, 0x00]);
  const tar = Buffer.concat([
    entry({ ...base, name: 'd', type: 'dir', mode: 0o1777 }),
    entry({ ...base, name: longName, type: 'file', mode: 0o4755, uid: 70000000, gid: 5, xattrs: new Map([['security.capability', cap]]) }, Buffer.from('hello')),
    entry({ ...base, name: 'd/l', type: 'symlink', linkname: 'y'.repeat(120) }),
    entry({ ...base, name: 'd/h', type: 'link', linkname: longName }),
    entry({ ...base, name: 'd/c', type: 'char', devmajor: 1, devminor: 3 }),
    entry({ ...base, name: 'd/p', type: 'fifo' }),
    TAR_END,
  ]);
  for (const step of [tar.length, 1, 7, 511, 513]) {
    const got = parse(tar, step);
    assert.deepEqual(got.map((g) => g.h.type), ['dir', 'file', 'symlink', 'link', 'char', 'fifo']);
    assert.equal(got[0]!.h.mode, 0o1777);
    assert.equal(got[1]!.h.name, longName);
    assert.equal(got[1]!.h.mode, 0o4755);
    assert.equal(got[1]!.h.uid, 70000000);
    assert.deepEqual(got[1]!.h.xattrs.get('security.capability'), cap);
    assert.equal(got[1]!.data.toString(), 'hello');
    assert.equal(got[2]!.h.linkname, 'y'.repeat(120));
    assert.equal(got[3]!.h.linkname, longName);
    assert.deepEqual([got[4]!.h.devmajor, got[4]!.h.devminor], [1, 3]);
  }
});

test('reads what GNU tar writes in gnu and posix formats (long names, long link targets)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-tarr-'));
  try {
    const long = 'a'.repeat(120);
    fs.mkdirSync(path.join(dir, 'src', long), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src', long, 'file'), 'content');
    fs.symlinkSync('t'.repeat(150), path.join(dir, 'src', 'sym'));
    for (const format of ['gnu', 'posix']) {
      const tar = execFileSync('tar', ['--format=' + format, '-C', path.join(dir, 'src'), '-cf', '-', '.'], { maxBuffer: 1 << 24 });
      const got = parse(tar, 100);
      const f = got.find((g) => g.h.name.endsWith(long + '/file'));
      assert.ok(f, `${format}: long name found`);
      assert.equal(f.data.toString(), 'content');
      assert.equal(got.find((g) => g.h.type === 'symlink')!.h.linkname, 't'.repeat(150));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('rejects a corrupted header checksum, a truncated entry and a missing end marker', () => {
  const good = Buffer.concat([entry({ ...base, name: 'f', type: 'file' }, Buffer.alloc(1000, 1)), TAR_END]);
  const bad = Buffer.from(good);
  bad[10] = 0x41; // inside the name field
  assert.throws(() => parse(bad), (e: Error) => e instanceof TarFormatError && /checksum/.test(e.message));
  assert.throws(() => parse(good.subarray(0, 700)), /truncated tar archive in entry "f"/);
  assert.throws(() => parse(good.subarray(0, 512 + 1024)), /missing end-of-archive marker/);
  assert.throws(() => parse(Buffer.concat([entry({ ...base, name: 'x', type: 'file' }).fill(0x37, 124, 135), TAR_END])), /checksum|octal/);
});

test('rejects unsupported entry types with the entry name', () => {
  const h = encodeTarHeader({ ...base, name: 'sparse', type: 'file' });
  h[156] = 'S'.charCodeAt(0);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  assert.throws(() => parse(Buffer.concat([h, TAR_END])), /sparse files are not supported \(entry "sparse"\)/);
});
