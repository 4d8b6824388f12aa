/**
 * volume: Docker's volumes on disk (local driver: plain directories or mounted filesystems),
 * their API semantics, and the parsing of mount specifications (-v, --mount, --tmpfs,
 * --volumes-from). Knows nothing of containers: the engine tells it who refers to what.
 */
export * from './errors.js';
export * from './types.js';
export { VolumeStore, type CreateVolumeOptions } from './store.js';
export { VolumeService, type VolumeFilters, type VolumeServiceOptions, type CreateVolumeBody } from './service.js';
export { parseBind, parseApiMount, parseTmpfs, parseVolumesFrom, parseMode, PROPAGATIONS, type ApiMount, type MountRequest } from './mount-spec.js';
export { copyImagePath, resolveInRoot } from './copy-up.js';
export { isVolumeName, anonymousName } from './names.js';
export { directorySize } from './usage.js';
export { mountsUnder, isMountPoint, propagationOf } from '../storage/mountinfo.js';
export { mountsView } from './views.js';
