// `docker images` and `docker history` rows (formatter.imageContext / historyContext of 20.10).
import { familiar, parseRef } from './containers.js';
import { FormatRow } from './formatter.js';
import { ellipsis, goTimeString, humanSize, humanSizeWithPrecision, rfc3339, sinceUnix, truncateID } from './units.js';

export interface ImageSummary {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Created?: number;
  Size?: number;
  VirtualSize?: number;
  SharedSize?: number;
  Containers?: number;
  Labels?: Record<string, string> | null;
}

export const IMAGES_TABLE = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
export const IMAGES_TABLE_DIGEST = 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';

export const IMAGES_HEADER = {
  ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT', Size: 'SIZE', Containers: 'CONTAINERS', VirtualSize: 'SIZE',
  SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE',
};

export class ImageRow extends FormatRow {
  readonly typeName = 'imageContext';

  constructor(readonly i: ImageSummary, private readonly repo: string, private readonly tag: string,
    private readonly digest: string, private readonly trunc: boolean, private readonly now = Date.now()) {
    super();
  }

  protected fieldNames(): string[] {
    return ['Containers', 'CreatedAt', 'CreatedSince', 'Digest', 'ID', 'Repository', 'SharedSize', 'Size', 'Tag', 'UniqueSize', 'VirtualSize'];
  }

  ID(): string { return this.trunc ? truncateID(this.i.Id) : this.i.Id; }
  Repository(): string { return this.repo; }
  Tag(): string { return this.tag; }
  Digest(): string { return this.digest; }
  CreatedSince(): string { return sinceUnix(this.i.Created ?? 0, this.now); }
  CreatedAt(): string { return goTimeString(this.i.Created ?? 0); }
  Size(): string { return humanSizeWithPrecision(this.i.Size ?? 0, 3); }
  Containers(): string { return (this.i.Containers ?? -1) === -1 ? 'N/A' : String(this.i.Containers); }
  VirtualSize(): string { return humanSize(this.i.VirtualSize ?? this.i.Size ?? 0); }
  SharedSize(): string { return (this.i.SharedSize ?? -1) === -1 ? 'N/A' : humanSize(this.i.SharedSize!); }
  UniqueSize(): string {
    const v = this.i.VirtualSize ?? this.i.Size ?? -1;
    const s = this.i.SharedSize ?? -1;
    return v === -1 || s === -1 ? 'N/A' : humanSize(v - s);
  }
}

function isDangling(i: ImageSummary): boolean {
  const tags = i.RepoTags ?? [];
  const digests = i.RepoDigests ?? [];
  if (!tags.length && !digests.length) return true;
  return tags.length === 1 && tags[0] === '<none>:<none>' && digests.length === 1 && digests[0] === '<none>@<none>';
}

function push(map: Map<string, string[]>, k: string, v: string): void {
  const list = map.get(k) ?? [];
  list.push(v);
  map.set(k, list);
}

/** One row per repository:tag (and per digest with --digests), as docker's imageFormat. */
export function imageRows(images: readonly ImageSummary[], opts: { digests: boolean; trunc: boolean; now?: number }): ImageRow[] {
  const rows: ImageRow[] = [];
  for (const i of images) {
    const add = (repo: string, tag: string, digest: string): void => { rows.push(new ImageRow(i, repo, tag, digest, opts.trunc, opts.now)); };
    if (isDangling(i)) {
      add('<none>', '<none>', '<none>');
      continue;
    }
    const repoTags = new Map<string, string[]>();
    const repoDigests = new Map<string, string[]>();
    for (const t of i.RepoTags ?? []) {
      const r = parseRef(t);
      if (r?.tag) push(repoTags, familiar(r.name), r.tag);
    }
    for (const d of i.RepoDigests ?? []) {
      const r = parseRef(d);
      if (r?.digest) push(repoDigests, familiar(r.name), r.digest);
    }
    for (const [repo, tags] of repoTags) {
      const digests = opts.digests ? repoDigests.get(repo) ?? [] : [];
      repoDigests.delete(repo);
      for (const tag of tags) {
        if (!digests.length) add(repo, tag, '<none>');
        for (const d of digests) add(repo, tag, d);
      }
    }
    for (const [repo, digests] of repoDigests) {
      if (opts.digests) for (const d of digests) add(repo, '<none>', d);
      else add(repo, '<none>', '');
    }
  }
  return rows;
}

export interface HistoryEntry { Id: string; Created: number; CreatedBy: string; Size: number; Comment: string; Tags?: string[] | null }

export const HISTORY_TABLE = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
export const HISTORY_HEADER = { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' };

export class HistoryRow extends FormatRow {
  readonly typeName = 'historyContext';

  constructor(private readonly h: HistoryEntry, private readonly trunc: boolean, private readonly human: boolean, private readonly now = Date.now()) {
    super();
  }

  protected fieldNames(): string[] { return ['Comment', 'CreatedAt', 'CreatedBy', 'CreatedSince', 'ID', 'Size']; }

  ID(): string { return this.trunc ? truncateID(this.h.Id) : this.h.Id; }
  CreatedAt(): string { return rfc3339(this.h.Created); }
  CreatedSince(): string { return this.human ? sinceUnix(this.h.Created, this.now) : this.CreatedAt(); }
  CreatedBy(): string {
    const by = this.h.CreatedBy.replace(/\t/g, ' ');
    return this.trunc ? ellipsis(by, 45) : by;
  }
  Size(): string { return this.human ? humanSizeWithPrecision(this.h.Size, 3) : String(this.h.Size); }
  Comment(): string { return this.h.Comment; }
}
