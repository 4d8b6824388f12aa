// The build context: the tar a client sends (plain or gzip) is extracted into a private
// directory, never writing outside it; .dockerignore (Docker's rules, @balena/dockerignore) then
// removes what the client should not have sent, and the Dockerfile is read from it.
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import { decompressed, TAR_END, TarReader } from '../storage/index.js';
import { ScopedRoot, at } from '../image/cp/scoped-root.js';
import { CpExtractor } from '../image/cp/extract.js';
import { InvalidParameterError } from '../engine/errors.js';

export { readIgnorePatterns } from '../common/dockerignore.js';

/** A predicate: true when the relative path is excluded by the patterns. */
export function ignoreMatcher(patterns: string[]): (rel: string) => boolean {
  if (patterns.length === 0) return () => false;
  // CommonJS module: the factory is module.exports (and, for bundlers, .default).
  const factory = ((dockerignore as unknown as { default?: unknown }).default ?? dockerignore) as unknown as () => { add(p: string[]): { ignores(p: string): boolean } };
  const ig = factory().add(patterns);
  return (rel) => ig.ignores(rel);
}

/** Extracts a context tar (plain or gzip) into the existing empty directory `dir`. */
export async function extractContext(input: Readable, dir: string): Promise<void> {
  const root = new ScopedRoot(dir, 'build context');
  const dest = root.openDir([], '/');
  const ex = new CpExtractor(root, dest, {});
  try {
    const reader = new TarReader(ex);
    let total = 0;
    for await (const chunk of decompressed(input)) {
      total += chunk.length;
      if (!reader.ended) reader.push(chunk);
    }
    // The docker CLI's tar for a Dockerfile outside the context (-f) stops right after the last
    // entry's data: no padding, no end-of-archive blocks. Docker's daemon accepts it, so do we.
    if (total > 0 && !reader.ended && total % 512 !== 0) {
      reader.push(Buffer.alloc(512 - (total % 512)));
      reader.push(TAR_END);
    }
    if (total > 0) reader.finish();
    ex.finish();
  } catch (err) {
    input.destroy();
    throw new InvalidParameterError(`failed to read the build context: ${(err as Error).message}`);
  } finally {
    ex.close();
    fs.closeSync(dest.fd);
    root.close();
  }
}

/** Removes what .dockerignore excludes; `keep` (the Dockerfile) is read before and kept out of this. */
export function applyDockerignore(dir: string, patterns: string[]): void {
  if (patterns.length === 0) return;
  const ignored = ignoreMatcher(patterns);
  const hasExceptions = patterns.some((p) => p.startsWith('!'));
  const walk = (fd: number, rel: string): void => {
    for (const name of fs.readdirSync(at(fd))) {
      const childRel = rel ? `${rel}/${name}` : name;
      const p = at(fd, name);
      const st = fs.lstatSync(p);
      if (st.isDirectory()) {
        if (ignored(childRel) && !hasExceptions) { fs.rmSync(p, { recursive: true, force: true }); continue; }
        const cfd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
        try { walk(cfd, childRel); } finally { fs.closeSync(cfd); }
        if (ignored(childRel) && fs.readdirSync(p).length === 0) fs.rmdirSync(p);
      } else if (ignored(childRel)) {
        fs.unlinkSync(p);
      }
    }
  };
  const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try { walk(fd, ''); } finally { fs.closeSync(fd); }
}

/** Reads a regular file of the context by relative path (symlinks resolved inside the context). */
export function readContextFile(dir: string, rel: string): Buffer | null {
  const root = new ScopedRoot(dir, 'build context');
  try {
    const parts = rel.split('/').filter((c) => c && c !== '.');
    if (parts.length === 0) return null;
    let d;
    try { d = root.openDir(parts.slice(0, -1), rel); } catch { return null; }
    try {
      const real = root.realPath(parts, rel);
      const rparts = real.split('/').filter(Boolean);
      const rd = root.openDir(rparts.slice(0, -1), rel);
      try {
        const fd = fs.openSync(at(rd.fd, rparts[rparts.length - 1]!), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
        try {
          if (!fs.fstatSync(fd).isFile()) return null;
          return fs.readFileSync(fd);
        } finally { fs.closeSync(fd); }
      } catch { return null; } finally { fs.closeSync(rd.fd); }
    } catch { return null; } finally { fs.closeSync(d.fd); }
  } finally {
    root.close();
  }
}
