// 64-hex object IDs (containers, execs) and Docker's prefix lookup.
import { randomBytes } from 'node:crypto';
import { InvalidParameterError } from './errors.js';

const FULL_ID = /^[0-9a-f]{64}$/;

/**
 * A new random 64-hex ID. Like Docker, IDs whose 12-char short form is all digits are
 * skipped: a short ID must never be mistaken for a number by tools that parse it.
 */
export function newId(): string {
  for (;;) {
    const id = randomBytes(32).toString('hex');
    if (!/^[0-9]{12}/.test(id)) return id;
  }
}

export function isFullId(s: string): boolean {
  return FULL_ID.test(s);
}

/** The 12-character form shown by `docker ps`. */
export function shortId(id: string): string {
  return id.slice(0, 12);
}

/** Thrown when a prefix matches more than one ID (Docker answers 400). */
export class AmbiguousPrefixError extends InvalidParameterError {
  constructor(readonly prefix: string) {
    super(`multiple IDs found with provided prefix: ${prefix}`);
  }
}

/**
 * The value whose key is `prefix` exactly, or the only key starting with `prefix`.
 * undefined when nothing matches; AmbiguousPrefixError when several keys do.
 */
export function findByPrefix<V>(map: ReadonlyMap<string, V>, prefix: string): V | undefined {
  if (prefix === '') return undefined;
  const exact = map.get(prefix);
  if (exact !== undefined) return exact;
  let found: V | undefined;
  let matches = 0;
  for (const [key, value] of map) {
    if (!key.startsWith(prefix)) continue;
    if (++matches > 1) throw new AmbiguousPrefixError(prefix);
    found = value;
  }
  return found;
}
