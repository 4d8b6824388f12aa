// The client side of a build context, for the CLI: a directory (minus what .dockerignore
// excludes; the Dockerfile and .dockerignore are always sent) as a tar stream for POST /build,
// owners set to 0:0 as the docker CLI sends them. A Dockerfile outside the directory is added
// under a generated name, returned for the `dockerfile` query parameter.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { ignoreMatcher, readIgnorePatterns } from './context.js';

export interface ContextTarOptions {
  /** Dockerfile path (absolute or relative to the current directory); default <dir>/Dockerfile. */
  dockerfile?: string;
}

export interface ContextTar {
  tar: Readable;
  /** The `dockerfile` query parameter to send. */
  dockerfile: string;
}

export function createContextTar(dir: string, opts: ContextTarOptions = {}): ContextTar {
  const root = path.resolve(dir);
  const ignoreText = fs.existsSync(path.join(root, '.dockerignore')) ? fs.readFileSync(path.join(root, '.dockerignore'), 'utf8') : '';
  const ignored = ignoreMatcher(readIgnorePatterns(ignoreText));
  const dfPath = path.resolve(opts.dockerfile ?? path.join(root, 'Dockerfile'));
  const rel = path.relative(root, dfPath);
  const inside = !rel.startsWith('..') && !path.isAbsolute(rel);
  const dockerfile = inside ? rel.split(path.sep).join('/') : `.dockerfile.${randomBytes(10).toString('hex')}`;
  const keep = new Set([dockerfile, '.dockerignore']);
  const pack = tar.pack();
  const add = (h: Parameters<typeof pack.entry>[0], data?: Buffer): Promise<void> => new Promise((res, rej) => pack.entry(h, data ?? Buffer.alloc(0), (e) => (e ? rej(e) : res())));
  const walk = async (abs: string, relPath: string): Promise<void> => {
    for (const name of fs.readdirSync(abs).sort()) {
      const p = path.join(abs, name);
      const r = relPath ? `${relPath}/${name}` : name;
      const st = fs.lstatSync(p);
      const skip = ignored(r) && !keep.has(r);
      const base = { name: r, mode: st.mode & 0o7777, uid: 0, gid: 0, mtime: st.mtime };
      if (st.isDirectory()) {
        if (!skip) await add({ ...base, name: r + '/', type: 'directory' });
        await walk(p, r);
      } else if (skip) {
        continue;
      } else if (st.isSymbolicLink()) {
        await add({ ...base, type: 'symlink', linkname: fs.readlinkSync(p) });
      } else if (st.isFile()) {
        await add({ ...base, type: 'file', size: st.size }, fs.readFileSync(p));
      }
    }
  };
  (async () => {
    await walk(root, '');
    if (!inside) await add({ name: dockerfile, mode: 0o644, uid: 0, gid: 0, mtime: new Date() }, fs.readFileSync(dfPath));
    pack.finalize();
  })().catch((err: Error) => pack.destroy(err));
  return { tar: pack as unknown as Readable, dockerfile };
}
