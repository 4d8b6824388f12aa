// GET /containers/json: Docker's listing rules (newest first, all/limit, before/since) and filters.
import { InvalidParameterError } from '../errors.js';
import { fuzzyMatch, matchKeyValueList, validateFilterKeys, type FilterArgs } from '../filters.js';
import type { Rec } from './inspect.js';
import { statusOf, type ContainerStatus } from './types.js';

const ACCEPTED = ['ancestor', 'before', 'expose', 'exited', 'health', 'id', 'isolation', 'is-task', 'label', 'name', 'network', 'publish', 'since', 'status', 'volume'];
const STATUSES: ContainerStatus[] = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

export interface ListQuery {
  all: boolean;
  limit: number;
  filters: FilterArgs;
}

export interface ListContext {
  /** Container by reference (for before/since), or undefined. */
  find(ref: string): Rec | undefined;
  /** Does image reference/ID `ancestor` match this container's image? */
  matchesAncestor(rec: Rec, ancestor: string): boolean;
}

function byCreatedDesc(a: Rec, b: Rec): number {
  return Date.parse(b.created) - Date.parse(a.created) || (a.id < b.id ? 1 : -1);
}

function nameMatches(values: ReadonlySet<string>, name: string): boolean {
  for (const v of values) {
    let re: RegExp;
    try { re = new RegExp(v); } catch { throw new InvalidParameterError(`invalid filter 'name=${v}': not a valid regular expression`); }
    if (re.test(`/${name}`) || re.test(name)) return true;
  }
  return false;
}

export function listContainers(all: Rec[], q: ListQuery, ctx: ListContext): Rec[] {
  const f = q.filters;
  validateFilterKeys(f, ACCEPTED);
  let includeAll = q.all;
  for (const s of f.get('status') ?? []) {
    if (!(STATUSES as string[]).includes(s)) throw new InvalidParameterError(`invalid filter 'status=${s}'`);
    includeAll = true;
  }
  const exited = [...(f.get('exited') ?? [])].map((v) => {
    if (!/^-?\d+$/.test(v)) throw new InvalidParameterError(`invalid filter 'exited=${v}'`);
    return Number(v);
  });
  const refFilter = (key: 'before' | 'since'): Rec | undefined => {
    const v = [...(f.get(key) ?? [])][0];
    if (v === undefined) return undefined;
    const rec = ctx.find(v);
    if (!rec) throw new InvalidParameterError(`No such container: ${v}`);
    return rec;
  };
  let before = refFilter('before');
  const since = refFilter('since');

  const out: Rec[] = [];
  for (const rec of [...all].sort(byCreatedDesc)) {
    if (before) {
      if (rec.id === before.id) before = undefined;
      continue;
    }
    if (since && rec.id === since.id) break;
    const status = statusOf(rec.state);
    if (!rec.state.Running && !includeAll && q.limit <= 0) continue;
    if (!fuzzyMatch(f, 'id', rec.id)) continue;
    const names = f.get('name');
    if (names && names.size && !nameMatches(names, rec.name)) continue;
    if (!matchKeyValueList(f, 'label', rec.config.Config.Labels ?? {})) continue;
    const statuses = f.get('status');
    if (statuses && statuses.size && !statuses.has(status)) continue;
    if (exited.length && !(status === 'exited' && exited.includes(rec.state.ExitCode))) continue;
    const ancestors = f.get('ancestor');
    if (ancestors && ancestors.size && ![...ancestors].some((a) => ctx.matchesAncestor(rec, a))) continue;
    if (f.get('health')?.size && !f.get('health')!.has(rec.state.Health?.Status ?? 'none')) continue;
    const vols = f.get('volume'); // a volume name, a bind source or a mount destination
    if (vols?.size && !(rec.config.MountPoints ?? []).some((m) => vols.has(m.Name ?? '') || vols.has(m.Source) || vols.has(m.Destination))) continue;
    out.push(rec);
    if (q.limit > 0 && out.length >= q.limit) break;
  }
  return out;
}
