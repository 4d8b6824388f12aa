/** vfs driver helpers: a layer or container is a full copy of its parent (hosts without overlayfs). */
import { run } from './overlay.js';

/**
 * Copy the contents of `src` into the existing dir `dst` preserving everything layers carry
 * (owners, modes incl. setuid, times, xattrs, hard links, devices); reflinks where the fs allows.
 */
export async function copyTree(src: string, dst: string): Promise<void> {
  await run('cp', ['-a', '--reflink=auto', '--no-target-directory', src + '/.', dst]);
}
