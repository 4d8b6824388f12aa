// Container cgroups: one interface (Cgroup), two drivers (v1 with the hybrid unified mount, v2),
// chosen by looking at the cgroup mount. Input is OCI `linux.resources`.
import type { Cgroup, CgroupOptions } from './types.js';
import { DEFAULT_ROOT, detectCgroupVersion as detect, cgroupInfo as info, v1Layout, type V1Layout } from './detect.js';
import { normalizeCgroupPath } from './paths.js';
import { V1Cgroup } from './v1.js';
import { V2Cgroup } from './v2.js';
import type { CgroupInfo, CgroupVersion } from './types.js';

export type * from './types.js';
export { containerCgroupPath, normalizeCgroupPath, DEFAULT_PARENT } from './paths.js';
export { deviceProgram, deviceProgramInsns, encodeInsns, decodeInsns, BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE, DEVICE_PROGRAM_LICENSE } from './devicefilter.js';
export { sharesToWeight, blkioWeightToIoWeight, swapToV2 } from './convert.js';
export { validateResources } from './validate.js';

export function detectCgroupVersion(root: string = DEFAULT_ROOT): CgroupVersion {
  return detect(root);
}

/** Version, driver and controllers, for `docker info`. */
export function cgroupInfo(root: string = DEFAULT_ROOT): CgroupInfo {
  return info(root);
}

/** Mounts do not change while wharf runs; caching saves ~10 syscalls per container. */
const layouts = new Map<string, V1Layout>();

/**
 * A handle on the cgroup at `relPath` (e.g. "wharf/<id>" or OCI linux.cgroupsPath) in every
 * hierarchy. Nothing is touched until create()/join()/...
 */
export function openCgroup(relPath: string, options: CgroupOptions = {}): Cgroup {
  const root = options.root ?? DEFAULT_ROOT;
  const rel = normalizeCgroupPath(relPath);
  const version = options.version ?? detect(root);
  if (version === 'v2') return new V2Cgroup(rel, root, options.deviceLoader);
  let layout = layouts.get(root);
  if (!layout) {
    layout = v1Layout(root);
    layouts.set(root, layout);
  }
  if (layout.hierarchies.size === 0) throw new Error(`cgroup: no cgroup v1 hierarchies found under ${root}`);
  return new V1Cgroup(rel, layout);
}
