// COPY/ADD sources: paths (with wildcards) looked up in a source root (the build context, an
// earlier stage's or another image's root filesystem, or heredoc/download files), every symlink
// evaluated inside that root; the result names each source's real path and its Docker hash.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScopedRoot } from '../../image/cp/scoped-root.js';
import { sourceHash } from './checksum.js';
import { componentRegex, hasGlob } from './glob.js';

export interface SourceRoot {
  /** Host directory of the root. */
  dir: string;
  /** The build context: paths may not leave it ("forbidden path outside the build context"). */
  isContext: boolean;
}

export interface SourceInfo {
  root: SourceRoot;
  /** Real path below the root (symlinks evaluated), '' for the root itself. */
  rel: string;
  /** The name the source is copied under (the base name as requested). */
  name: string;
  isDir: boolean;
  hash: string;
}

/** Components of a source path after Docker's checks; throws for a context escape. */
function sourceParts(p: string, root: SourceRoot, cmd: string): string[] {
  const norm = path.posix.normalize('/' + p);
  if (root.isContext) {
    const lexical = path.posix.normalize(p.startsWith('/') ? '.' + p : p);
    if (lexical === '..' || lexical.startsWith('../')) throw new Error(`${cmd} failed: forbidden path outside the build context: ${p} ()`);
  }
  return norm.split('/').filter(Boolean);
}

/** Relative paths below the root matching `parts` (wildcards per component), sorted. */
function expandGlob(root: SourceRoot, parts: string[]): string[] {
  let found: string[] = [''];
  for (const part of parts) {
    const next: string[] = [];
    for (const base of found) {
      const dir = path.join(root.dir, base);
      if (!hasGlob(part)) {
        let exists = false;
        try { exists = !!fs.lstatSync(path.join(dir, part), { throwIfNoEntry: false }); } catch { /* ENOTDIR */ }
        if (exists) next.push(base ? `${base}/${part}` : part);
        continue;
      }
      const re = componentRegex(part);
      let names: string[] = [];
      try { if (fs.lstatSync(dir).isDirectory()) names = fs.readdirSync(dir); } catch { /* not a directory */ }
      for (const n of names.sort()) if (re.test(n)) next.push(base ? `${base}/${n}` : n);
    }
    found = next;
  }
  return found;
}

/** One source (a path as written, maybe a wildcard) -> its infos. */
export function resolveSource(root: SourceRoot, src: string, cmd: string): SourceInfo[] {
  const parts = sourceParts(src, root, cmd);
  const scoped = new ScopedRoot(root.dir, root.isContext ? 'build context' : root.dir);
  try {
    const candidates = parts.some(hasGlob) ? expandGlob(root, parts) : [parts.join('/')];
    const out: SourceInfo[] = [];
    for (const c of candidates) {
      const cparts = c.split('/').filter(Boolean);
      const real = scoped.realPath(cparts, src).replace(/^\/+/, '');
      const host = path.join(root.dir, real);
      const st = fs.statSync(host, { throwIfNoEntry: false });
      if (!st) {
        if (parts.some(hasGlob)) continue;
        throw new Error(root.isContext
          ? `${cmd} failed: file not found in build context or excluded by .dockerignore: stat ${src}: file does not exist`
          : `${cmd} failed: stat ${path.posix.join('/', src)}: file does not exist`);
      }
      const name = cparts.length ? cparts[cparts.length - 1]! : '';
      out.push({ root, rel: real, name, isDir: st.isDirectory(), hash: sourceHash(host, real || '.') });
    }
    if (out.length === 0) throw new Error(`${cmd} failed: no source files were specified`);
    return out;
  } finally {
    scoped.close();
  }
}
