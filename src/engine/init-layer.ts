// Docker keeps a container's mount targets in an "init" layer under the container's, so `docker
// diff` never lists them and commit never copies them; here the runtime creates them in the
// container's own layer, so diff and commit leave them out by name.
const INIT_LAYER_PATHS = ['/dev/pts', '/dev/shm', '/proc', '/sys', '/.dockerenv', '/etc/resolv.conf', '/etc/hosts', '/etc/hostname', '/dev/console', '/etc/mtab'];

/** A path Docker keeps in the init layer: never part of a diff or a committed image. */
export const isInitLayerPath = (p: string): boolean => INIT_LAYER_PATHS.some((i) => p === i || p.startsWith(i + '/'));
