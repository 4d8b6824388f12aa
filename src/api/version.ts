// Docker Engine API versions: the supported range and the `/vX.YY/` URL prefix.

export const MIN_API_VERSION = '1.41';
export const MAX_API_VERSION = '1.51';

/** Compares dotted versions numerically ("1.5" < "1.41"): negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = Number.parseInt(pa[i] ?? '0', 10) || 0;
    const y = Number.parseInt(pb[i] ?? '0', 10) || 0;
    if (x !== y) return x - y;
  }
  return 0;
}

export function versionAtLeast(version: string, min: string): boolean {
  return compareVersions(version, min) >= 0;
}

export interface VersionedPath {
  /** The path without the version prefix. */
  url: string;
  /** The version the client asked for (MAX_API_VERSION for unversioned paths). */
  version: string;
  /** Docker's message when the version is outside the supported range. */
  error?: string;
}

const PREFIX = /^\/v([0-9.]+)(?=\/)/;

/** Splits "/v1.41/containers/json?all=1" into the version and "/containers/json?all=1". */
export function splitVersion(url: string): VersionedPath {
  const m = PREFIX.exec(url);
  if (!m) return { url, version: MAX_API_VERSION };
  const version = m[1];
  const rest = url.slice(m[0].length);
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    return { url: rest, version, error: `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version` };
  }
  if (compareVersions(version, MAX_API_VERSION) > 0) {
    return { url: rest, version, error: `client version ${version} is too new. Maximum supported API version is ${MAX_API_VERSION}` };
  }
  return { url: rest, version };
}
