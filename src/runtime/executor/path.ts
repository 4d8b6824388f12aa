// Locates native/build/wharf-exec from the package root, whether running from src/ or dist/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** Path of the executor binary; WHARF_EXEC overrides it. Throws if it was not built. */
export function executorPath(): string {
  const override = process.env.WHARF_EXEC;
  if (override) return override;
  if (cached) return cached;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'wharf') {
      const bin = join(dir, 'native', 'build', 'wharf-exec');
      if (!existsSync(bin)) throw new Error(`executor not built: ${bin} is missing (run make -C native)`);
      return (cached = bin);
    }
    if (dirname(dir) === dir) throw new Error('cannot find the wharf package root (package.json named "wharf")');
  }
}
