// Docker's copy-up: a volume that is empty when a container first gets it is filled with what
// the image has at the mount destination (files, owners, modes, the directory's own owner/mode).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/**
 * Host path of container path `p` under `root`, symlinks resolved as the container would see
 * them (absolute links relative to `root`, never leaving it). Null when it does not exist.
 */
export async function resolveInRoot(root: string, p: string): Promise<string | null> {
  const todo = p.split('/').filter(Boolean);
  const done: string[] = [];
  let hops = 0;
  while (todo.length) {
    const part = todo.shift()!;
    if (part === '.') continue;
    if (part === '..') { done.pop(); continue; }
    const host = path.join(root, ...done, part);
    let st;
    try { st = await fs.lstat(host); } catch { return null; }
    if (st.isSymbolicLink()) {
      if (++hops > 40) return null;
      const target = await fs.readlink(host);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    done.push(part);
  }
  return path.join(root, ...done);
}

/** Copies `rootfs`'s content at `containerPath` into `dest` if `dest` is empty; true if it did. */
export async function copyImagePath(rootfs: string, containerPath: string, dest: string): Promise<boolean> {
  const src = await resolveInRoot(rootfs, containerPath);
  if (!src) return false;
  const st = await fs.stat(src);
  if (!st.isDirectory()) return false;
  if ((await fs.readdir(dest)).length > 0) return false;
  if ((await fs.readdir(src)).length > 0) {
    try {
      await execFileP('cp', ['-a', '--', `${src}/.`, `${dest}/`]);
    } catch (err) {
      throw new Error(`copying image content of ${containerPath} into its volume failed: ${((err as { stderr?: string }).stderr || (err as Error).message).trim()}`);
    }
  }
  await fs.chown(dest, st.uid, st.gid);
  await fs.chmod(dest, st.mode & 0o7777);
  return true;
}
