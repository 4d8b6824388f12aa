// wharf volume create/ls/rm/prune (inspect lives with the other inspects).
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliExit } from '../context.js';
import { renderFormat } from '../format/formatter.js';
import { VOLUME_HEADER, VOLUME_TABLE, VolumeRow, type VolumeSummary } from '../format/objects.js';
import { humanSize } from '../format/units.js';
import { pruneVolumes } from './system.js';
import { objectError, collect, configDir, confirm, filterOption, filtersJson, formatOption, group, keyValues, naturalCompare, readConfig, withTemplateErrors, write } from './listing-common.js';

interface CreateOptions { name?: string; driver?: string; opt?: string[]; label?: string[] }

async function runCreate(c: CliContext, arg: string | undefined, o: CreateOptions): Promise<void> {
  if (arg && o.name && arg !== o.name) throw new CliExit(1, `conflicting options: either specify --name or provide positional arg, not both`);
  const v = await c.api.post<VolumeSummary>('/volumes/create', {
    Name: arg ?? o.name ?? '',
    Driver: o.driver ?? 'local',
    DriverOpts: keyValues(o.opt),
    Labels: keyValues(o.label),
  });
  c.stdout.write(`${v.Name}\n`);
}

async function runLs(c: CliContext, cmd: Command, o: { quiet?: boolean; filter?: string[]; format?: string }): Promise<void> {
  let format = o.format || (readConfig(configDir(cmd)).volumesFormat as string | undefined) || 'table';
  if (format === 'table') format = o.quiet ? '{{.Name}}' : VOLUME_TABLE;
  const r = await c.api.get<{ Volumes?: VolumeSummary[] | null; Warnings?: string[] | null }>('/volumes', { filters: filtersJson(o.filter) });
  const vols = [...(r.Volumes ?? [])].sort((a, b) => naturalCompare(a.Name, b.Name));
  write(c, renderFormat(format, vols.map((v) => new VolumeRow(v)), VOLUME_HEADER));
  for (const w of r.Warnings ?? []) c.stderr.write(`${w}\n`);
}

async function runRm(c: CliContext, names: string[], o: { force?: boolean }): Promise<void> {
  const errors: string[] = [];
  for (const n of names) {
    try {
      await c.api.delete(`/volumes/${encodeURIComponent(n)}`, { force: o.force ? '1' : undefined });
      c.stdout.write(`${n}\n`);
    } catch (err) {
      errors.push(objectError(err, 'volume', n));
    }
  }
  if (errors.length) throw new CliExit(1, errors.join('\n'));
}

export function register(program: Command, ctx: () => CliContext): void {
  const volume = group(program, 'volume', 'Manage volumes');
  volume.command('create').description('Create a volume').argument('[VOLUME]')
    .option('-d, --driver <string>', 'Specify volume driver name', 'local')
    .option('--name <string>', 'Specify volume name')
    .option('--label <list>', 'Set metadata for a volume', collect)
    .option('-o, --opt <map>', 'Set driver specific options', collect)
    .action(async (arg: string | undefined, o: CreateOptions) => runCreate(ctx(), arg, o));
  const ls = volume.command('ls').aliases(['list']).description('List volumes')
    .option('-q, --quiet', 'Only display volume names')
    .addOption(filterOption())
    .addOption(formatOption());
  ls.action(async (o: { quiet?: boolean; filter?: string[]; format?: string }) => withTemplateErrors('listing', () => runLs(ctx(), ls, o)));
  volume.command('rm').aliases(['remove']).description('Remove one or more volumes').argument('<VOLUME...>')
    .option('-f, --force', 'Force the removal of one or more volumes')
    .action(async (names: string[], o: { force?: boolean }) => runRm(ctx(), names, o));
  volume.command('prune').description('Remove all unused local volumes')
    .option('-f, --force', 'Do not prompt for confirmation')
    .addOption(filterOption(false))
    .action(async (o: { force?: boolean; filter?: string[] }) => {
      const c = ctx();
      if (!o.force && !(await confirm(c, 'WARNING! This will remove all local volumes not used by at least one container.'))) return;
      const r = await pruneVolumes(c, o.filter);
      c.stdout.write(`${r.text ? `${r.text}\n` : ''}Total reclaimed space: ${humanSize(r.space)}\n`);
    });
}
