// GET /images/json: Docker's image list filters (dangling, label, reference, before, since, until)
// applied on top of the image store's summaries, and Docker's reference glob matching.
import type { Image, ImageStore, ImageSummary } from '../image/index.js';
import { familiarName, familiarString, parseReference } from '../image/index.js';
import { InvalidParameterError } from './errors.js';
import { matchKeyValueList, validateFilterKeys, type FilterArgs } from './filters.js';

const ACCEPTED = ['dangling', 'label', 'label!', 'reference', 'before', 'since', 'until'];

export interface ImageListQuery {
  all: boolean;
  filters: FilterArgs;
  /** Compute SharedSize (else -1, as Docker without `shared-size`). */
  sharedSize: boolean;
  /** Count containers per image (else -1). */
  containers?: (imageId: string) => number;
}

/** Go's path.Match as a regular expression: `*` and `?` stop at `/`, `[...]` classes, `\` escapes. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new InvalidParameterError(`invalid reference filter ${JSON.stringify(pattern)}: syntax error in pattern`);
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = '^' + cls.slice(1).replace(/\\/g, '\\\\');
      else cls = cls.replace(/\\/g, '\\\\');
      re += `[${cls}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Docker's reference.FamiliarMatch: the pattern against `name:tag` and then against `name`. */
export function familiarMatch(pattern: RegExp, ref: string): boolean {
  let parsed;
  try { parsed = parseReference(ref); } catch { return false; }
  return pattern.test(familiarString(parsed)) || pattern.test(familiarName(parsed));
}

function createdMs(img: Image): number {
  const t = img.config.created ? Date.parse(img.config.created) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

function single(filters: FilterArgs, key: string): string | undefined {
  const v = filters.get(key);
  if (!v || v.size === 0) return undefined;
  if (v.size > 1) throw new InvalidParameterError(`invalid filter '${key}': only one value is allowed`);
  return [...v][0];
}

/** The list, filtered and shaped like Docker's ImageSummary (before API-version adjustments). */
export async function listImages(store: ImageStore, q: ImageListQuery, parseTime: (v: string) => number): Promise<ImageSummary[]> {
  const f = q.filters;
  validateFilterKeys(f, ACCEPTED);
  const danglingArg = single(f, 'dangling');
  if (danglingArg !== undefined && !/^(true|false|1|0)$/i.test(danglingArg)) {
    throw new InvalidParameterError(`invalid filter 'dangling=${danglingArg}'`);
  }
  const dangling = danglingArg === undefined ? undefined : /^(true|1)$/i.test(danglingArg);
  // before/since name an image: compare creation times with it (Docker's rule, strict).
  const refTime = async (key: string) => {
    const v = single(f, key);
    return v === undefined ? undefined : createdMs(await store.get(v));
  };
  const before = await refTime('before');
  const since = await refTime('since');
  const untilArg = single(f, 'until');
  const until = untilArg === undefined ? undefined : parseTime(untilArg);
  const patterns = [...(f.get('reference') ?? [])].map(globToRegExp);

  const summaries = await store.list({
    all: q.all,
    ...(q.containers ? { containers: q.containers } : {}),
  });
  const out: ImageSummary[] = [];
  for (const s of summaries) {
    const img = await store.byId(s.Id);
    const isDangling = s.RepoTags.length === 0 && s.RepoDigests.length === 0;
    if (dangling === true && s.RepoTags.length > 0) continue;
    if (dangling === false && isDangling) continue;
    const t = createdMs(img);
    if (before !== undefined && t >= before) continue;
    if (since !== undefined && t <= since) continue;
    if (until !== undefined && t >= until) continue;
    const labels = img.config.config?.Labels ?? {};
    if (f.has('label') && !matchKeyValueList(f, 'label', labels)) continue;
    const notLabels = f.get('label!');
    if (notLabels?.size && [...notLabels].some((l) => matchKeyValueList(new Map([['label', new Set([l])]]), 'label', labels))) continue;
    const item: ImageSummary = { ...s, RepoTags: [...s.RepoTags], RepoDigests: [...s.RepoDigests] };
    if (patterns.length > 0) {
      // Only the references that match are shown; an image with none is left out.
      const keep = (r: string) => patterns.some((p) => familiarMatch(p, r));
      item.RepoTags = item.RepoTags.filter(keep);
      item.RepoDigests = item.RepoDigests.filter(keep);
      if (item.RepoTags.length === 0 && item.RepoDigests.length === 0) continue;
    }
    if (!q.sharedSize) item.SharedSize = -1;
    out.push(item);
  }
  return out;
}
