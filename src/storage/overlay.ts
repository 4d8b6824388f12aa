/** overlayfs helpers: support probe, mount options within the kernel's one-page limit, mount/unmount. */
import * as fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runProgram } from './program-runner.js';
import { randomBytes } from 'node:crypto';

/** Mount data must fit in one page (4096 bytes, NUL included); keep a margin. */
export const MOUNT_DATA_LIMIT = 4000;

export async function run(cmd: string, args: string[], cwd?: string): Promise<void> {
  const r = await runProgram(cmd, args, cwd ? { cwd } : {}); // no fork of Node per mount (program-runner.ts)
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim() || `exit status ${r.code}`}`);
}

/** True when an overlay with upper/work dirs under `tmpDir` can be mounted (kernel + filesystem support). */
export async function overlaySupported(tmpDir: string): Promise<boolean> {
  const base = path.join(tmpDir, 'snap-probe-' + randomBytes(4).toString('hex'));
  const d = (n: string) => path.join(base, n);
  try {
    for (const n of ['lower', 'upper', 'work', 'merged']) await fs.mkdir(d(n), { recursive: true });
    await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${d('lower')},upperdir=${d('upper')},workdir=${d('work')}`, d('merged')]);
    await run('umount', [d('merged')]);
    return true;
  } catch {
    return false;
  } finally {
    await fs.rm(base, { recursive: true, force: true }).catch(() => {});
  }
}

/**
 * Extra options turning off overlay features whose on-disk upper format a layer diff cannot read
 * (redirects, metadata-only copy-ups) or that pin upper dirs to one lower stack (index).
 */
export function featureOptions(): string[] {
  return (features ??= readFeatureOptions());
}

/** Module parameters are read once per process (two mounts per container start otherwise read them). */
let features: string[] | undefined;

function readFeatureOptions(): string[] {
  const out: string[] = [];
  for (const p of ['index', 'redirect_dir', 'metacopy']) {
    let v = '';
    try { v = readFileSync(`/sys/module/overlay/parameters/${p}`, 'utf8').trim(); } catch { continue; }
    if (v === 'Y' || v === 'on' || v === 'follow') out.push(`${p}=off`);
  }
  return out;
}

export interface OverlayMount {
  type: 'overlay';
  source: 'overlay';
  options: string[];
  /** Set when option paths are relative (too long as absolute): mount from this directory. */
  cwd?: string;
}

/**
 * Overlay mount for `lowers` (topmost first, as paths relative to `root`, normally short l/ links)
 * with the given upper/work dirs. Absolute paths when they fit in a page; else relative to root.
 */
export function overlayMount(root: string, lowers: string[], upper: string, work: string, options: string[] = []): OverlayMount {
  const extra = [...featureOptions(), ...options];
  const build = (base: string) => [
    'lowerdir=' + lowers.map((l) => (base ? path.join(base, l) : l)).join(':'),
    'upperdir=' + (base ? path.join(base, upper) : upper),
    'workdir=' + (base ? path.join(base, work) : work),
    ...extra,
  ];
  const abs = build(root);
  if (abs.join(',').length < MOUNT_DATA_LIMIT) return { type: 'overlay', source: 'overlay', options: abs };
  const rel = build('');
  if (rel.join(',').length >= MOUNT_DATA_LIMIT) throw new Error(`overlay: ${lowers.length} layers exceed the mount option size limit`);
  return { type: 'overlay', source: 'overlay', options: rel, cwd: root };
}
