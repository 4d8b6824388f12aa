// Locates wharf's init for `docker run --init` (native/build/wharf-init), bound into containers
// at /sbin/docker-init. WHARF_INIT overrides it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Path of the built init binary, or undefined when it was not built (then --init is ignored). */
export function initBinaryPath(): string | undefined {
  const override = process.env.WHARF_INIT;
  if (override) return override;
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (!existsSync(pkg)) continue;
    try {
      if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name !== 'wharf') continue;
    } catch { continue; }
    const bin = join(dir, 'native', 'build', 'wharf-init');
    return existsSync(bin) ? bin : undefined;
  }
  return undefined;
}
