// Resolving a container path inside the rootfs the way the kernel would after pivot_root:
// symlinks are followed but can never lead out of the root (like runc's securejoin).
import { SpecError } from './errors.js';
import type { HostView } from './host.js';

const MAX_LINKS = 255;

/**
 * Resolves `path` (absolute, in container terms) against `root` on the host and returns the
 * resolved container path ("/a/b"). Components at or below a path for which `opaque` returns
 * true are taken literally: they live on a filesystem mounted later (a fresh tmpfs, a bind
 * source) whose content the rootfs on disk does not show.
 */
export function resolveInRoot(root: string, path: string, host: HostView, opaque: (p: string) => boolean = () => false): string {
  const done: string[] = [];
  const todo = path.split('/').filter((c) => c !== '' && c !== '.');
  let links = 0;
  while (todo.length > 0) {
    const part = todo.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const candidate = '/' + [...done, part].join('/');
    if (opaque(candidate)) {
      done.push(part, ...todo.filter((c) => c !== '.'));
      return normalize(done);
    }
    const target = host.readlink(root + candidate);
    if (target === undefined) {
      done.push(part);
      continue;
    }
    if (++links > MAX_LINKS) throw new SpecError('', `too many levels of symbolic links resolving ${path} in the rootfs`);
    if (target.startsWith('/')) done.length = 0;
    todo.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
  }
  return '/' + done.join('/');
}

/** Applies any ".." left in literal components. */
function normalize(parts: string[]): string {
  const out: string[] = [];
  for (const p of parts) {
    if (p === '..') out.pop();
    else out.push(p);
  }
  return '/' + out.join('/');
}

/** Whether `path` is `base` or lies below it. */
export function isWithin(path: string, base: string): boolean {
  return base === '/' || path === base || path.startsWith(base + '/');
}

/** Host path of a resolved container path. */
export function hostPath(root: string, containerPath: string): string {
  return containerPath === '/' ? root : root + containerPath;
}
