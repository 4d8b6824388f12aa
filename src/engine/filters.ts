// Docker's filter arguments (`filters=` query parameter): a map of key -> set of values,
// with Docker's matching rules (exact, prefix "fuzzy", label key[=value] lists).
import { InvalidParameterError } from './errors.js';

export type FilterArgs = ReadonlyMap<string, ReadonlySet<string>>;

export const NO_FILTERS: FilterArgs = new Map();

/**
 * Parses the JSON of a `filters` parameter. Accepts both encodings Docker accepts:
 * {"key": ["v1", "v2"]} and the older {"key": {"v1": true}}. Empty input means no filters.
 */
export function parseFilters(json: string | undefined): FilterArgs {
  if (json === undefined || json.trim() === '') return NO_FILTERS;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new InvalidParameterError(`invalid filter: ${(err as Error).message}`);
  }
  if (raw === null) return NO_FILTERS;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidParameterError('invalid filter: expected a JSON object of key -> values');
  }
  const out = new Map<string, Set<string>>();
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const values = new Set<string>();
    if (Array.isArray(value)) {
      for (const v of value) {
        if (typeof v !== 'string') throw new InvalidParameterError(`invalid filter: values of "${key}" must be strings`);
        values.add(v);
      }
    } else if (value && typeof value === 'object') {
      for (const [v, on] of Object.entries(value as Record<string, unknown>)) if (on === true) values.add(v);
    } else {
      throw new InvalidParameterError(`invalid filter: "${key}" must be a list of strings`);
    }
    out.set(key, values);
  }
  return out;
}

/** Rejects keys not in `accepted` with Docker's message. */
export function validateFilterKeys(args: FilterArgs, accepted: readonly string[]): void {
  for (const key of args.keys()) {
    if (!accepted.includes(key)) throw new InvalidParameterError(`invalid filter '${key}'`);
  }
}

/** True when no value is given for `key`, or `value` is one of them. */
export function exactMatch(args: FilterArgs, key: string, value: string): boolean {
  const values = args.get(key);
  if (!values || values.size === 0) return true;
  return values.has(value);
}

/** Like exactMatch, but a filter value that is a prefix of `source` also matches. */
export function fuzzyMatch(args: FilterArgs, key: string, source: string): boolean {
  const values = args.get(key);
  if (!values || values.size === 0) return true;
  if (values.has(source)) return true;
  for (const v of values) if (source.startsWith(v)) return true;
  return false;
}

/**
 * Every `key` filter value ("k" or "k=v") must be satisfied by `attributes`
 * (Docker's MatchKVList: all label filters are ANDed).
 */
export function matchKeyValueList(args: FilterArgs, key: string, attributes: Readonly<Record<string, string>> | undefined): boolean {
  const values = args.get(key);
  if (!values || values.size === 0) return true;
  if (!attributes) return false;
  for (const filter of values) {
    const eq = filter.indexOf('=');
    const k = eq < 0 ? filter : filter.slice(0, eq);
    if (!Object.prototype.hasOwnProperty.call(attributes, k)) return false;
    if (eq >= 0 && attributes[k] !== filter.slice(eq + 1)) return false;
  }
  return true;
}
