// wharf images / image ls, rmi / image rm, tag / image tag, image prune.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliExit } from '../context.js';
import { renderFormat } from '../format/formatter.js';
import { IMAGES_HEADER, IMAGES_TABLE, IMAGES_TABLE_DIGEST, imageRows, type ImageSummary } from '../format/images.js';
import { humanSize } from '../format/units.js';
import { objectError, withTemplateErrors, configDir, confirm, filterOption, filtersJson, formatOption, group, readConfig, write } from './listing-common.js';

interface ImagesOptions { all?: boolean; quiet?: boolean; digests?: boolean; filter?: string[]; format?: string; trunc?: boolean }

export function imagesFormat(format: string, quiet: boolean, digests: boolean): string {
  if (format === 'table') return quiet ? '{{.ID}}' : digests ? IMAGES_TABLE_DIGEST : IMAGES_TABLE;
  if (format === 'raw') {
    if (quiet) return 'image_id: {{.ID}}';
    return digests
      ? 'repository: {{ .Repository }}\ntag: {{.Tag}}\ndigest: {{.Digest}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n'
      : 'repository: {{ .Repository }}\ntag: {{.Tag}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n';
  }
  return format;
}

async function runImages(c: CliContext, cmd: Command, repo: string | undefined, o: ImagesOptions): Promise<void> {
  let format = o.format ?? '';
  if (!format) {
    const cfg = readConfig(configDir(cmd));
    format = cfg.imagesFormat && !o.quiet ? cfg.imagesFormat : 'table';
  }
  const images = await c.api.get<ImageSummary[]>('/images/json', {
    all: o.all ? '1' : undefined,
    filters: filtersJson(o.filter, repo ? { reference: [repo] } : {}),
  });
  const rows = imageRows(images, { digests: Boolean(o.digests), trunc: o.trunc !== false });
  write(c, renderFormat(imagesFormat(format, Boolean(o.quiet), Boolean(o.digests)), rows, IMAGES_HEADER));
}

function defineImages(parent: Command, name: string, aliases: string[], ctx: () => CliContext): void {
  const cmd = parent.command(name).aliases(aliases).description('List images').argument('[REPOSITORY[:TAG]]')
    .option('-a, --all', 'Show all images (default hides intermediate images)')
    .option('-q, --quiet', 'Only show image IDs')
    .option('--digests', 'Show digests')
    .addOption(filterOption())
    .addOption(formatOption())
    .option('--no-trunc', "Don't truncate output");
  cmd.action(async (repo: string | undefined, o: ImagesOptions) => {
    if (cmd.args.length > 1) throw new CliExit(1, `"docker images" requires at most 1 argument.`);
    await withTemplateErrors('listing', () => runImages(ctx(), cmd, repo, o));
  });
}

async function runRmi(c: CliContext, images: string[], o: { force?: boolean; prune?: boolean }): Promise<void> {
  const errors: string[] = [];
  for (const image of images) {
    try {
      const res = await c.api.delete<{ Untagged?: string; Deleted?: string }[]>(`/images/${encodeURIComponent(image)}`, {
        force: o.force ? '1' : undefined,
        noprune: o.prune === false ? '1' : undefined,
      });
      for (const r of res) {
        if (r.Untagged) c.stdout.write(`Untagged: ${r.Untagged}\n`);
        if (r.Deleted) c.stdout.write(`Deleted: ${r.Deleted}\n`);
      }
    } catch (err) {
      errors.push(objectError(err, 'image', image));
    }
  }
  if (errors.length) throw new CliExit(1, errors.join('\n'));
}

function defineRmi(parent: Command, name: string, aliases: string[], ctx: () => CliContext): void {
  parent.command(name).aliases(aliases).description('Remove one or more images').argument('<IMAGE...>')
    .option('-f, --force', 'Force removal of the image')
    .option('--no-prune', 'Do not delete untagged parents')
    .action(async (images: string[], o: { force?: boolean; prune?: boolean }) => runRmi(ctx(), images, o));
}

/** Splits "repo[:tag]" where the repo may hold a registry host:port. */
export function splitRepoTag(ref: string): { repo: string; tag: string } {
  const at = ref.indexOf('@');
  const name = at >= 0 ? ref.slice(0, at) : ref;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) return { repo: name.slice(0, colon), tag: name.slice(colon + 1) };
  return { repo: name, tag: '' };
}

function defineTag(parent: Command, name: string, ctx: () => CliContext): void {
  parent.command(name).description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE')
    .argument('<SOURCE_IMAGE[:TAG]>').argument('<TARGET_IMAGE[:TAG]>')
    .action(async (source: string, target: string) => {
      const { repo, tag } = splitRepoTag(target);
      if (!/^[a-z0-9]/.test(repo) || /[A-Z]/.test(repo)) {
        throw new CliExit(1, `Error parsing reference: "${target}" is not a valid repository/tag: invalid reference format${/[A-Z]/.test(repo) ? ': repository name must be lowercase' : ''}`);
      }
      await ctx().api.post(`/images/${encodeURIComponent(source)}/tag`, undefined, { repo, tag: tag || 'latest' });
    });
}

interface PruneReport { ImagesDeleted?: { Untagged?: string; Deleted?: string }[] | null; SpaceReclaimed?: number }

/** Image prune; returns the text docker prints and the bytes reclaimed. */
export async function pruneImages(c: CliContext, all: boolean, filters: string[] | undefined): Promise<{ text: string; space: number }> {
  const r = await c.api.post<PruneReport>('/images/prune', undefined, { filters: filtersJson(filters, { dangling: [all ? 'false' : 'true'] }) });
  let text = '';
  const deleted = r.ImagesDeleted ?? [];
  if (deleted.length) {
    text += 'Deleted Images:\n';
    for (const d of deleted) {
      if (d.Untagged) text += `untagged: ${d.Untagged}\n`;
      if (d.Deleted) text += `deleted: ${d.Deleted}\n`;
    }
  }
  return { text, space: r.SpaceReclaimed ?? 0 };
}

function definePrune(parent: Command, ctx: () => CliContext): void {
  parent.command('prune').description('Remove unused images')
    .option('-a, --all', 'Remove all unused images, not just dangling ones')
    .option('-f, --force', 'Do not prompt for confirmation')
    .addOption(filterOption(false))
    .action(async (o: { all?: boolean; force?: boolean; filter?: string[] }) => {
      const c = ctx();
      const warning = o.all
        ? 'WARNING! This will remove all images without at least one container associated to them.'
        : 'WARNING! This will remove all dangling images.';
      if (!o.force && !(await confirm(c, warning))) return;
      const { text, space } = await pruneImages(c, Boolean(o.all), o.filter);
      c.stdout.write(`${text ? `${text}\n` : ''}Total reclaimed space: ${humanSize(space)}\n`);
    });
}

export function register(program: Command, ctx: () => CliContext): void {
  const image = group(program, 'image', 'Manage images');
  defineImages(program, 'images', [], ctx);
  defineImages(image, 'ls', ['list'], ctx);
  defineRmi(program, 'rmi', [], ctx);
  defineRmi(image, 'rm', ['rmi', 'remove'], ctx);
  defineTag(program, 'tag', ctx);
  defineTag(image, 'tag', ctx);
  definePrune(image, ctx);
}
