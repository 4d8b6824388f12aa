// wharf system df / system prune, and container prune (the pruners system prune is made of).
import type { Command } from 'commander';
import { ApiError } from '../client.js';
import type { CliContext } from '../context.js';
import { renderDiskUsage, type DiskUsage } from '../format/disk-usage.js';
import { humanSize } from '../format/units.js';
import { pruneImages } from './images.js';
import { confirm, filterOption, filtersJson, formatOption, group, withTemplateErrors, write } from './listing-common.js';

type Pruned = { text: string; space: number };

async function optionalRoute<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    // A daemon without this kind of object (no route yet) has nothing to prune.
    if (err instanceof ApiError && err.status === 404 && /route|not found/i.test(err.message) && !/No such/.test(err.message)) return undefined;
    throw err;
  }
}

export async function pruneContainers(c: CliContext, filters?: string[]): Promise<Pruned> {
  const r = await c.api.post<{ ContainersDeleted?: string[] | null; SpaceReclaimed?: number }>('/containers/prune', undefined, { filters: filtersJson(filters) });
  const ids = r.ContainersDeleted ?? [];
  return { text: ids.length ? `Deleted Containers:\n${ids.map((i) => `${i}\n`).join('')}` : '', space: r.SpaceReclaimed ?? 0 };
}

export async function pruneVolumes(c: CliContext, filters?: string[]): Promise<Pruned> {
  const r = await optionalRoute(() => c.api.post<{ VolumesDeleted?: string[] | null; SpaceReclaimed?: number }>('/volumes/prune', undefined, { filters: filtersJson(filters) }));
  const names = r?.VolumesDeleted ?? [];
  return { text: names.length ? `Deleted Volumes:\n${names.map((i) => `${i}\n`).join('')}` : '', space: r?.SpaceReclaimed ?? 0 };
}

export async function pruneNetworks(c: CliContext, filters?: string[]): Promise<Pruned> {
  const r = await optionalRoute(() => c.api.post<{ NetworksDeleted?: string[] | null }>('/networks/prune', undefined, { filters: filtersJson(filters) }));
  const names = r?.NetworksDeleted ?? [];
  return { text: names.length ? `Deleted Networks:\n${names.map((i) => `${i}\n`).join('')}` : '', space: 0 };
}

async function pruneBuildCache(c: CliContext, all: boolean, filters?: string[]): Promise<Pruned> {
  const r = await optionalRoute(() => c.api.post<{ CachesDeleted?: string[] | null; SpaceReclaimed?: number }>('/build/prune', undefined, { all: all ? '1' : undefined, filters: filtersJson(filters) }));
  const ids = r?.CachesDeleted ?? [];
  return { text: ids.length ? `Deleted build cache objects:\n${ids.map((i) => `${i}\n`).join('')}` : '', space: r?.SpaceReclaimed ?? 0 };
}

async function runSystemPrune(c: CliContext, o: { all?: boolean; force?: boolean; volumes?: boolean; filter?: string[] }): Promise<void> {
  const warnings = [
    'all stopped containers',
    'all networks not used by at least one container',
    ...(o.volumes ? ['all volumes not used by at least one container'] : []),
    o.all ? 'all images without at least one container associated to them' : 'all dangling images',
    o.all ? 'all build cache' : 'all dangling build cache',
  ];
  let message = `WARNING! This will remove:\n${warnings.map((w) => `  - ${w}\n`).join('')}`;
  if (o.filter?.length) message += `\n  Items to be pruned will be filtered with:\n${o.filter.map((f) => `  - ${f}\n`).join('')}`;
  if (!o.force && !(await confirm(c, message))) return;
  let space = 0;
  const steps: (() => Promise<Pruned>)[] = [
    () => pruneContainers(c, o.filter),
    ...(o.volumes ? [() => pruneVolumes(c, o.filter)] : []),
    () => pruneNetworks(c, o.filter),
    () => pruneImages(c, Boolean(o.all), o.filter),
    () => pruneBuildCache(c, Boolean(o.all), o.filter),
  ];
  for (const step of steps) {
    const r = await step();
    space += r.space;
    if (r.text) c.stdout.write(`${r.text}\n`);
  }
  c.stdout.write(`Total reclaimed space: ${humanSize(space)}\n`);
}

async function runDf(c: CliContext, o: { verbose?: boolean; format?: string }): Promise<void> {
  const du = await c.api.get<DiskUsage>('/system/df');
  write(c, renderDiskUsage(du, o.format || 'table', Boolean(o.verbose)));
}

export function register(program: Command, ctx: () => CliContext): void {
  const system = group(program, 'system', 'Manage Docker');
  system.command('df').description('Show docker disk usage')
    .addOption(formatOption())
    .option('-v, --verbose', 'Show detailed information on space usage')
    .action(async (o: { verbose?: boolean; format?: string }) => withTemplateErrors('listing', () => runDf(ctx(), o)));
  system.command('prune').description('Remove unused data')
    .option('-a, --all', 'Remove all unused images not just dangling ones')
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--volumes', 'Prune volumes')
    .addOption(filterOption(false))
    .action(async (o: { all?: boolean; force?: boolean; volumes?: boolean; filter?: string[] }) => runSystemPrune(ctx(), o));
}
