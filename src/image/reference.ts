// Docker image references, parsed and normalized as github.com/distribution/reference does:
// `busybox` -> docker.io/library/busybox:latest, `host:5000/a/b:tag`, `name@sha256:<hex>`.

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const NAME_TOTAL_LENGTH_MAX = 255;
export const DEFAULT_TAG = 'latest';

// The same regular expressions as distribution/reference/regexp.go.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;
const referenceRegexp = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const tagRegexp = new RegExp(`^${tagPat}$`);
const identifierRegexp = /^[a-f0-9]{64}$/;
const sha256DigestRegexp = /^sha256:[a-f0-9]{64}$/;

export class InvalidReferenceError extends Error {
  constructor(readonly reference: string, detail: string) {
    super(`invalid reference format: ${detail}`);
    this.name = 'InvalidReferenceError';
  }
}

/** A normalized reference: `domain/path` plus an optional tag and/or digest. */
export interface Reference {
  /** Fully qualified repository name, e.g. docker.io/library/busybox. */
  readonly name: string;
  readonly domain: string;
  /** Repository path without the domain, e.g. library/busybox. */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const i = name.indexOf('/');
  let domain: string;
  let remainder: string;
  const first = i === -1 ? '' : name.slice(0, i);
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    remainder = name;
  } else {
    domain = first;
    remainder = name.slice(i + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

/** Validates a digest string (algorithm:hex); only sha256 is accepted for content. */
export function isValidDigest(d: string): boolean {
  return sha256DigestRegexp.test(d);
}

/**
 * Parses a reference the way `docker pull/tag/run` does (ParseNormalizedNamed).
 * Throws InvalidReferenceError with a message naming the bad part.
 */
export function parseReference(input: string): Reference {
  if (input === '') throw new InvalidReferenceError(input, 'repository name must have at least one component');
  if (identifierRegexp.test(input)) {
    throw new InvalidReferenceError(input, `invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, remainder } = splitDockerDomain(input);
  const at = remainder.indexOf('@');
  const beforeDigest = at === -1 ? remainder : remainder.slice(0, at);
  const tagSep = beforeDigest.indexOf(':');
  const repoPart = tagSep === -1 ? beforeDigest : beforeDigest.slice(0, tagSep);
  if (repoPart.toLowerCase() !== repoPart) {
    throw new InvalidReferenceError(input, `repository name (${repoPart}) must be lowercase`);
  }
  if (tagSep !== -1) {
    const tag = beforeDigest.slice(tagSep + 1);
    if (!tagRegexp.test(tag)) {
      const why = tag.length > 128 ? 'longer than 128 characters' : 'may only contain [A-Za-z0-9_.-] and must not start with "." or "-"';
      throw new InvalidReferenceError(input, `tag "${tag.length > 40 ? tag.slice(0, 40) + '...' : tag}" in "${input}" is invalid: ${why}`);
    }
  }
  if (at !== -1) {
    const digest = remainder.slice(at + 1);
    if (!new RegExp(`^${digestPat}$`).test(digest)) {
      throw new InvalidReferenceError(input, `invalid digest "${digest}" in "${input}"`);
    }
    if (digest.startsWith('sha256:') && !isValidDigest(digest)) {
      throw new InvalidReferenceError(input, `invalid digest "${digest}" in "${input}": sha256 needs 64 lowercase hex digits`);
    }
  }
  const m = referenceRegexp.exec(`${domain}/${remainder}`);
  if (!m) throw new InvalidReferenceError(input, `"${input}" is not a valid image reference`);
  const name = m[1]!;
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidReferenceError(input, `repository name in "${input}" must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  const slash = name.indexOf('/');
  const ref: Reference = { name, domain: name.slice(0, slash), path: name.slice(slash + 1) };
  return { ...ref, ...(m[2] ? { tag: m[2] } : {}), ...(m[3] ? { digest: m[3] } : {}) };
}

/** Adds `:latest` when the reference has neither tag nor digest (TagNameOnly). */
export function withDefaultTag(ref: Reference): Reference {
  return ref.tag || ref.digest ? ref : { ...ref, tag: DEFAULT_TAG };
}

/** Parses and adds the default tag: what `docker tag` / `docker pull` store. */
export function parseNormalizedTagged(input: string): Reference {
  return withDefaultTag(parseReference(input));
}

/** Full string form: docker.io/library/busybox:latest, name@sha256:... */
export function referenceString(ref: Reference): string {
  return ref.name + (ref.tag ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '');
}

/** The short name Docker prints: busybox, user/app, localhost:5000/x/y. */
export function familiarName(ref: Pick<Reference, 'domain' | 'path'>): string {
  if (ref.domain !== DEFAULT_DOMAIN) return `${ref.domain}/${ref.path}`;
  return ref.path.startsWith(OFFICIAL_REPO_PREFIX) && ref.path.split('/').length === 2
    ? ref.path.slice(OFFICIAL_REPO_PREFIX.length)
    : ref.path;
}

/** Familiar form with tag/digest, as `docker images` shows it: busybox:latest. */
export function familiarString(ref: Reference): string {
  return familiarName(ref) + (ref.tag ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '');
}

/** Parses a stored canonical reference string back (accepts familiar forms too). */
export function familiarize(canonical: string): string {
  return familiarString(parseReference(canonical));
}

/** True for a full image ID (`sha256:<64 hex>` or 64 hex). */
export function isFullImageId(s: string): boolean {
  return identifierRegexp.test(s) || sha256DigestRegexp.test(s);
}

/** Validates a tag alone (for `docker tag` style APIs that take repo and tag separately). */
export function isValidTag(tag: string): boolean {
  return tagRegexp.test(tag);
}
