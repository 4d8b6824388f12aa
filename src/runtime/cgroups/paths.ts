// Cgroup path handling: OCI `linux.cgroupsPath` (absolute or relative) and the default
// `wharf/<id>`, both resolved below each hierarchy root and never allowed to escape it.

export const DEFAULT_PARENT = 'wharf';

/**
 * Normalize a cgroup path to "a/b/c" (no leading slash). Absolute OCI paths are taken relative to
 * the hierarchy root (wharf has no cgroup of its own to be relative to). The systemd form
 * "slice:prefix:name" is rejected because the driver is cgroupfs.
 */
export function normalizeCgroupPath(relPath: string, field = 'cgroupsPath'): string {
  if (typeof relPath !== 'string' || relPath.trim() === '') {
    throw new Error(`${field}: must be a non-empty path`);
  }
  if (relPath.includes(':')) {
    throw new Error(`${field}: "${relPath}" looks like a systemd path (slice:prefix:name); only the cgroupfs driver is supported`);
  }
  if (relPath.includes('\0') || relPath.includes('\n')) throw new Error(`${field}: invalid character in "${relPath}"`);
  const parts = relPath.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new Error(`${field}: ".." is not allowed in "${relPath}"`);
  if (parts.length === 0) throw new Error(`${field}: "${relPath}" names the root cgroup`);
  return parts.join('/');
}

/** Default cgroup path of a container: `<parent>/<id>`. */
export function containerCgroupPath(id: string, parent: string = DEFAULT_PARENT): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(id)) throw new Error(`container id: invalid cgroup name "${id}"`);
  return `${normalizeCgroupPath(parent, 'cgroup parent')}/${id}`;
}

/** "a/b/c" -> ["a", "a/b", "a/b/c"]: the levels create() walks and destroy() unwinds. */
export function pathLevels(rel: string): string[] {
  const parts = rel.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}
