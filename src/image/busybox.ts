// The offline first image: a busybox rootfs built from the host's static busybox (Debian's
// busybox-static) and imported. Deterministic: same host binary -> same image ID.
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { ImageStore } from './store.js';
import { createImage, type CreatedImage } from './create.js';

const execFileP = promisify(execFile);
const EPOCH = new Date(0);
const PT_INTERP = 3;

/** True when the ELF file has no program interpreter (statically linked). */
export async function isStaticElf(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r');
  try {
    const hdr = Buffer.alloc(64);
    await fh.read(hdr, 0, 64, 0);
    if (hdr.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file} is not an ELF executable`);
    const is64 = hdr[4] === 2;
    const le = hdr[5] === 1;
    const u16 = (o: number) => (le ? hdr.readUInt16LE(o) : hdr.readUInt16BE(o));
    const phoff = is64 ? Number(le ? hdr.readBigUInt64LE(32) : hdr.readBigUInt64BE(32)) : (le ? hdr.readUInt32LE(28) : hdr.readUInt32BE(28));
    const phentsize = u16(is64 ? 54 : 42);
    const phnum = u16(is64 ? 56 : 44);
    const ph = Buffer.alloc(phentsize * phnum);
    await fh.read(ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) {
      const type = le ? ph.readUInt32LE(i * phentsize) : ph.readUInt32BE(i * phentsize);
      if (type === PT_INTERP) return false;
    }
    return true;
  } finally {
    await fh.close();
  }
}

/** Applet paths (`bin/sh`, `usr/bin/awk`, ...) the binary provides, sorted. */
async function appletPaths(busybox: string): Promise<string[]> {
  const { stdout } = await execFileP(busybox, ['--list-full'], { maxBuffer: 1 << 20 });
  return [...new Set(stdout.split('\n').map((l) => l.trim()).filter((l) => l && !l.includes('..') && !l.startsWith('/')))].sort();
}

/** A deterministic rootfs tar: dirs, /bin/busybox, applet symlinks, passwd/group. */
function rootfsTar(busybox: string, size: number, applets: string[]): Readable {
  const pack = tar.pack();
  const base = { mtime: EPOCH, uid: 0, gid: 0, uname: 'root', gname: 'root' };
  const dirs = new Set(['bin', 'dev', 'etc', 'home', 'proc', 'root', 'sbin', 'sys', 'tmp', 'usr', 'usr/bin', 'usr/sbin', 'var']);
  for (const a of applets) for (let d = a; d.includes('/');) { d = d.slice(0, d.lastIndexOf('/')); dirs.add(d); }
  (async () => {
    const add = (h: Parameters<typeof pack.entry>[0], data?: Buffer) =>
      new Promise<void>((res, rej) => pack.entry({ ...base, ...h }, data ?? Buffer.alloc(0), (e) => (e ? rej(e) : res())));
    for (const d of [...dirs].sort()) {
      await add({ name: `${d}/`, type: 'directory', mode: d === 'tmp' ? 0o1777 : d === 'root' ? 0o700 : 0o755 });
    }
    await new Promise<void>((res, rej) => {
      const sink = pack.entry({ ...base, name: 'bin/busybox', mode: 0o755, size }, (e) => (e ? rej(e) : res()));
      const src = createReadStream(busybox);
      src.on('error', rej);
      src.pipe(sink as unknown as NodeJS.WritableStream);
    });
    for (const a of applets) {
      if (a === 'bin/busybox') continue;
      await add({ name: a, type: 'symlink', linkname: '/bin/busybox', mode: 0o777 });
    }
    await add({ name: 'etc/passwd', mode: 0o644 }, Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n'));
    await add({ name: 'etc/group', mode: 0o644 }, Buffer.from('root:x:0:\nnobody:x:65534:\n'));
    pack.finalize();
  })().catch((err: Error) => pack.destroy(err));
  return pack as unknown as Readable;
}

/**
 * Builds (or rebuilds, idempotently) the busybox image from a static busybox binary and tags it.
 * Throws when the binary is missing or dynamically linked (the image would not run).
 */
export async function buildBusyboxImage(store: ImageStore, tag = 'busybox:latest', busybox = '/bin/busybox'): Promise<CreatedImage> {
  let st;
  try {
    st = await fs.stat(busybox);
  } catch {
    throw new Error(`busybox image: ${busybox} not found (install Debian's busybox-static)`);
  }
  if (!(await isStaticElf(busybox))) {
    throw new Error(`busybox image: ${busybox} is dynamically linked; a static busybox (Debian busybox-static) is needed`);
  }
  const applets = await appletPaths(busybox);
  if (!applets.includes('bin/sh')) throw new Error(`busybox image: ${busybox} --list-full has no bin/sh applet`);
  return createImage(store, {
    layer: rootfsTar(busybox, st.size, applets),
    config: {},
    changes: ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["sh"]'],
    comment: `Imported from ${busybox} (static busybox)`,
    created: EPOCH,
    tag,
  });
}
