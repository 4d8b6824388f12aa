// How Docker reads a container path given to the archive endpoints: relative paths are taken from
// `/`, the path is cleaned lexically, and a trailing `/` or `/.` is kept because it changes meaning.
import * as path from 'node:path';
import { components } from './scoped-root.js';

export interface ContainerPath {
  /** What the caller asked for (named in not-found errors). */
  requested: string;
  /** Absolute, lexically clean, trailing `/` or `/.` preserved (Docker's PreserveTrailingDotOrSeparator). */
  abs: string;
  /** Components of the directory part: resolved following symlinks (within the root). */
  dirParts: string[];
  /**
   * The final component, never followed when it is a symlink; '' when the path names a directory
   * itself (trailing `/`, trailing `/.`, or the root) and so is fully resolved.
   */
  base: string;
  /** Base name as Docker reports it: "foo" for `/foo/`, "." for `/foo/.`, "/" for the root. */
  name: string;
}

export function parseContainerPath(requested: string): ContainerPath {
  let abs = path.posix.join('/', requested);
  if ((requested === '.' || requested.endsWith('/.')) && !abs.endsWith('/.')) abs += abs.endsWith('/') ? '.' : '/.';
  if (requested.endsWith('/') && !abs.endsWith('/')) abs += '/';
  const slash = abs.lastIndexOf('/');
  const dir = abs.slice(0, slash + 1);
  let base = abs.slice(slash + 1);
  const name = base === '' ? (abs === '/' ? '/' : path.posix.basename(abs)) : base;
  if (base === '.') base = '';
  return { requested, abs, dirParts: components(dir), base, name };
}
