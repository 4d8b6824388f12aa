// Docker's `local` volume driver: a directory under <root>/volumes/<name>/_data, or, with the
// options type/device/o, a filesystem (tmpfs, a bind of a host path, a block device) mounted
// there at first use and unmounted when its last user stops.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InvalidVolumeError, VolumeSystemError } from './errors.js';
import { isMountPoint, mountsUnder } from '../storage/mountinfo.js';

const execFileP = promisify(execFile);

const VALID_OPTIONS = ['type', 'device', 'o'];
/** An option that needs others (moby's mandatoryOpts). */
const REQUIRES: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device', 'type'] };

/** Checks local driver options; throws Docker's messages. */
export function validateLocalOptions(opts: Record<string, string> | null | undefined): void {
  if (!opts) return;
  for (const [key, value] of Object.entries(opts)) {
    if (!VALID_OPTIONS.includes(key)) throw new InvalidVolumeError(`invalid option: "${key}"`);
    // Values go to mount(8) as arguments: one starting with "-" would be read as a flag.
    if (typeof value !== 'string' || value.startsWith('-')) throw new InvalidVolumeError(`invalid value for option "${key}": ${String(value)}`);
  }
  for (const [key, needs] of Object.entries(REQUIRES)) {
    if (!(key in opts)) continue;
    for (const n of needs) if (!(n in opts)) throw new InvalidVolumeError(`missing required option: "${n}"`);
  }
}

/** True when the volume is a filesystem to mount rather than a plain directory. */
export const needsMount = (opts: Record<string, string> | null | undefined): boolean => !!opts?.type || !!opts?.device;

/** Mounts the volume's filesystem at `target` unless it is mounted there already. */
export async function mountLocal(opts: Record<string, string>, target: string): Promise<void> {
  if (isMountPoint(target)) return;
  const args = ['-t', opts.type || 'none'];
  if (opts.o) args.push('-o', opts.o);
  args.push(opts.device ?? 'none', target);
  try {
    await execFileP('mount', args);
  } catch (err) {
    const msg = ((err as { stderr?: string }).stderr || (err as Error).message).trim();
    throw new VolumeSystemError(`error while mounting volume '${target}': ${msg}`);
  }
}

/** Unmounts everything at or below `target` (deepest first; lazily when busy). */
export async function unmountAll(target: string): Promise<void> {
  for (const m of mountsUnder(target).sort((a, b) => b.length - a.length)) {
    try {
      await execFileP('umount', [m]);
    } catch {
      await execFileP('umount', ['-l', m]).catch(() => {});
    }
  }
}
