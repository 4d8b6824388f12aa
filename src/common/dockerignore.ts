// .dockerignore lines as Docker reads them (dockerignore.ReadAll), for the daemon's build and
// the CLI's context upload alike. A leaf module.
import * as path from 'node:path';

/** Patterns of a .dockerignore file (comments and blank lines dropped, leading `/` removed). */
export function readIgnorePatterns(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    let p = line.trim();
    if (!p || p.startsWith('#')) continue;
    const invert = p.startsWith('!');
    if (invert) p = p.slice(1).trim();
    if (p) {
      p = path.posix.normalize(p);
      if (p.length > 1) p = p.replace(/\/+$/, '');
      if (p.length > 1 && p.startsWith('/')) p = p.replace(/^\/+/, '');
    }
    out.push(invert ? '!' + p : p);
  }
  return out;
}
