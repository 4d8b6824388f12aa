// Host mount table look-ups (mountinfo), shared by the layers that mount things.
import * as fs from 'node:fs';

/** Mount points at or below `prefix`, from /proc/self/mountinfo (octal escapes decoded). */
export function mountsUnder(prefix: string): string[] {
  let text: string;
  try { text = fs.readFileSync('/proc/self/mountinfo', 'utf8'); } catch { return []; }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const mp = line.split(' ')[4];
    if (!mp) continue;
    const decoded = mp.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (decoded === prefix || decoded.startsWith(prefix + '/')) out.push(decoded);
  }
  return out;
}

export const isMountPoint = (p: string): boolean => mountsUnder(p).includes(p);

/** Propagation of the mount holding `p`: its mount point and whether it is shared / a slave. */
export function propagationOf(p: string): { mountPoint: string; shared: boolean; slave: boolean } | undefined {
  let text: string;
  try { text = fs.readFileSync('/proc/self/mountinfo', 'utf8'); } catch { return undefined; }
  let best: { mountPoint: string; shared: boolean; slave: boolean } | undefined;
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (sep < 0) continue;
    const mp = f[4]!.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    const within = mp === '/' || p === mp || p.startsWith(mp + '/');
    if (!within || (best && mp.length < best.mountPoint.length)) continue;
    const optional = f.slice(6, sep);
    best = { mountPoint: mp, shared: optional.some((o) => o.startsWith('shared:')), slave: optional.some((o) => o.startsWith('master:')) };
  }
  return best;
}
