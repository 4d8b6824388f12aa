// Disk usage of a volume's directory: bytes of its files, hard links counted once, never
// following symlinks or crossing into other mounts below it.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

export async function directorySize(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  let rootDev: number | undefined;
  const walk = async (p: string): Promise<void> => {
    let st;
    try { st = await fs.lstat(p); } catch { return; }
    rootDev ??= st.dev;
    if (st.dev !== rootDev) return;
    if (st.isDirectory()) {
      let names: string[];
      try { names = await fs.readdir(p); } catch { return; }
      for (const n of names) await walk(path.join(p, n));
      return;
    }
    if (st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) return;
      seen.add(key);
    }
    total += st.size;
  };
  await walk(dir);
  return total;
}
