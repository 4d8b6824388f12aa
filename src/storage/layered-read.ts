// Reads a file of an overlay view from its directories (upper first) without mounting it, with
// overlayfs' rules: the first layer holding the path wins, a whiteout (0:0 character device) or a
// non-directory ancestor hides it, an opaque ancestor directory hides the layers below, and
// symlinks resolve inside the view (never on the host).
import { runProgram } from './program-runner.js';
import * as fs from 'node:fs';
import * as path from 'node:path';

const MAX_LINKS = 16;
const OPAQUE_XATTR = 'trusted.overlay.opaque';

function isWhiteout(st: fs.Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/** Whether `dir` carries overlayfs' opaque mark (getfattr: Node cannot read xattrs). */
async function isOpaqueDir(dir: string): Promise<boolean> {
  const r = await runProgram('getfattr', ['--only-values', '-h', '-n', OPAQUE_XATTR, '--', dir]).catch(() => null);
  return r?.code === 0 && r.stdout === 'y';
}

/**
 * The layer showing `rel` (no leading slash) in the view, whose parent directory the caller
 * resolved to a real directory of the view. Each layer is walked component by component with
 * lstat, so a symlink inside a layer is never followed on the host.
 */
async function lookup(dirs: string[], rel: string): Promise<{ dir: string; st: fs.Stats } | undefined> {
  const parts = rel.split('/');
  layers: for (const dir of dirs) {
    let prefix = dir;
    for (let i = 0; i < parts.length; i++) {
      const here = path.join(prefix, parts[i]!);
      const st = fs.lstatSync(here, { throwIfNoEntry: false });
      const last = i === parts.length - 1;
      if (!st) {
        // Absent in this layer: the layers below show through unless this ancestor is opaque.
        if (prefix !== dir && await isOpaqueDir(prefix)) return undefined;
        continue layers;
      }
      if (last) return isWhiteout(st) ? undefined : { dir, st };
      // A non-directory ancestor here (whiteout, file, link) hides everything below it.
      if (!st.isDirectory()) return undefined;
      prefix = here;
    }
  }
  return undefined;
}

/** Contents of absolute path `file` in the view made of `dirs` (topmost first), or undefined. */
export async function readFromLayers(dirs: string[], file: string): Promise<string | undefined> {
  let parts = path.posix.normalize('/' + file).split('/').filter(Boolean);
  let hops = 0;
  for (let i = 0; i < parts.length;) {
    const rel = parts.slice(0, i + 1).join('/');
    const found = await lookup(dirs, rel);
    if (!found) return undefined;
    if (found.st.isSymbolicLink()) {
      if (++hops > MAX_LINKS) return undefined;
      const target = fs.readlinkSync(path.join(found.dir, rel));
      // Resolved in the view: absolute from its root, ".." never above it.
      const base = target.startsWith('/') ? '/' : '/' + parts.slice(0, i).join('/');
      parts = [...path.posix.normalize(path.posix.join(base, target)).split('/').filter(Boolean), ...parts.slice(i + 1)];
      i = 0;
      continue;
    }
    const last = i === parts.length - 1;
    if (last) return found.st.isFile() ? fs.readFileSync(path.join(found.dir, rel), 'utf8') : undefined;
    if (!found.st.isDirectory()) return undefined;
    i++;
  }
  return undefined;
}
