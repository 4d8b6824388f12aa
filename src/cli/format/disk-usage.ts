// `docker system df` (formatter.DiskUsageContext of docker 20.10): the summary table and the
// verbose sections.
import { ContainerRow, familiar, parseRef, PS_HEADER, type ContainerSummary } from './containers.js';
import { FormatRow, isTableFormat, renderFormat } from './formatter.js';
import { ImageRow, IMAGES_HEADER, type ImageSummary } from './images.js';
import { BUILD_CACHE_HEADER, BUILD_CACHE_TABLE, BuildCacheRow, VOLUME_HEADER, VolumeRow, type BuildCacheRecord, type VolumeSummary } from './objects.js';
import { Template } from './template.js';
import { humanSize } from './units.js';

export interface DiskUsage {
  LayersSize?: number;
  Images?: ImageSummary[] | null;
  Containers?: ContainerSummary[] | null;
  Volumes?: VolumeSummary[] | null;
  BuildCache?: BuildCacheRecord[] | null;
  BuilderSize?: number;
}

export const DF_TABLE = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
export const DF_HEADER = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };
const DF_IMAGES = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.VirtualSize}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}';
const DF_CONTAINERS = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}';
const DF_VOLUMES = 'table {{.Name}}\t{{.Links}}\t{{.Size}}';

function withPercent(reclaimable: number, total: number): string {
  return total > 0 ? `${humanSize(reclaimable)} (${Math.trunc((reclaimable * 100) / total)}%)` : humanSize(reclaimable);
}

export class DiskUsageRow extends FormatRow {
  readonly typeName = 'diskUsageContext';

  constructor(readonly Type: string, private readonly total: number, private readonly active: number,
    private readonly size: string, private readonly reclaimable: string) {
    super();
  }

  protected fieldNames(): string[] { return ['Active', 'Reclaimable', 'Size', 'TotalCount', 'Type']; }
  override toJSON(): Record<string, unknown> {
    return { Active: this.Active(), Reclaimable: this.Reclaimable(), Size: this.Size(), TotalCount: this.TotalCount(), Type: this.Type };
  }

  TotalCount(): string { return String(this.total); }
  Active(): string { return String(this.active); }
  Size(): string { return this.size; }
  Reclaimable(): string { return this.reclaimable; }
}

const isActive = (state: string | undefined): boolean => /running|paused|restarting/.test(state ?? '');

export function diskUsageRows(du: DiskUsage): DiskUsageRow[] {
  const images = du.Images ?? [];
  const layers = du.LayersSize ?? 0;
  let used = 0;
  for (const i of images) {
    if ((i.Containers ?? 0) !== 0 && (i.VirtualSize ?? -1) !== -1 && (i.SharedSize ?? -1) !== -1) used += i.VirtualSize! - i.SharedSize!;
  }
  const containers = du.Containers ?? [];
  const cSize = containers.reduce((n, c) => n + (c.SizeRw ?? 0), 0);
  const cReclaim = containers.filter((c) => !isActive(c.State)).reduce((n, c) => n + (c.SizeRw ?? 0), 0);
  const volumes = du.Volumes ?? [];
  const vSized = volumes.filter((v) => v.UsageData && v.UsageData.Size !== -1);
  const vSize = vSized.reduce((n, v) => n + v.UsageData!.Size, 0);
  const vReclaim = vSized.filter((v) => v.UsageData!.RefCount <= 0).reduce((n, v) => n + v.UsageData!.Size, 0);
  const cache = du.BuildCache ?? [];
  const builderSize = du.BuilderSize ?? cache.filter((b) => !b.Shared).reduce((n, b) => n + (b.Size ?? 0), 0);
  const inUse = cache.filter((b) => b.InUse && !b.Shared).reduce((n, b) => n + (b.Size ?? 0), 0);
  return [
    new DiskUsageRow('Images', images.length, images.filter((i) => (i.Containers ?? 0) > 0).length, humanSize(layers), withPercent(layers - used, layers)),
    new DiskUsageRow('Containers', containers.length, containers.filter((c) => isActive(c.State)).length, humanSize(cSize), withPercent(cReclaim, cSize)),
    new DiskUsageRow('Local Volumes', volumes.length, volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length, humanSize(vSize), withPercent(vReclaim, vSize)),
    new DiskUsageRow('Build Cache', cache.length, cache.filter((b) => b.InUse).length, humanSize(builderSize), humanSize(builderSize - inUse)),
  ];
}

function verboseSections(du: DiskUsage, trunc: boolean, now: number): { Images: ImageRow[]; Containers: ContainerRow[]; Volumes: VolumeRow[]; BuildCache: BuildCacheRow[] } {
  return {
    Images: (du.Images ?? []).map((i) => {
      let repo = '<none>';
      let tag = '<none>';
      const first = i.RepoTags?.[0];
      const ref = first && first !== '<none>:<none>' ? parseRef(first) : undefined;
      if (ref?.tag) { repo = familiar(ref.name); tag = ref.tag; }
      return new ImageRow(i, repo, tag, '', trunc, now);
    }),
    // The virtual size is not shown for containers.
    Containers: (du.Containers ?? []).map((c) => new ContainerRow({ ...c, SizeRootFs: 0 }, trunc, now)),
    Volumes: (du.Volumes ?? []).map((v) => new VolumeRow(v)),
    BuildCache: (du.BuildCache ?? []).map((b) => new BuildCacheRow(b, trunc, now)),
  };
}

/** The whole `system df` output for a format ("table" default) and -v. */
export function renderDiskUsage(du: DiskUsage, format: string, verbose: boolean, now = Date.now()): string {
  if (!verbose) return renderFormat(format === 'table' ? DF_TABLE : format, diskUsageRows(du), DF_HEADER);
  const s = verboseSections(du, isTableFormat(format), now);
  if (format !== 'table') return new Template(format.replace(/^table/, '').trim().replace(/\\t/g, '\t').replace(/\\n/g, '\n')).execute(s);
  const builder = du.BuilderSize ?? (du.BuildCache ?? []).reduce((n, b) => n + (b.Shared ? 0 : b.Size ?? 0), 0);
  return `Images space usage:\n\n${renderFormat(DF_IMAGES, s.Images, IMAGES_HEADER)}`
    + `\nContainers space usage:\n\n${renderFormat(DF_CONTAINERS, s.Containers, PS_HEADER)}`
    + `\nLocal Volumes space usage:\n\n${renderFormat(DF_VOLUMES, s.Volumes, VOLUME_HEADER)}`
    + `\nBuild cache usage: ${humanSize(builder)}\n\n${renderFormat(BUILD_CACHE_TABLE, s.BuildCache, BUILD_CACHE_HEADER)}`;
}
