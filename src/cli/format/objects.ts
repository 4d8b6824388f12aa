// `docker volume ls`, `docker network ls` and build cache rows (formatter volumeContext,
// networkContext, buildCacheContext of docker 20.10).
import { labelHeader } from './containers.js';
import { FormatRow } from './formatter.js';
import { ellipsis, humanSize, humanSizeWithPrecision, sinceUnix, truncateID } from './units.js';

export interface VolumeSummary {
  Name: string;
  Driver?: string;
  Mountpoint?: string;
  Scope?: string;
  Labels?: Record<string, string> | null;
  UsageData?: { Size: number; RefCount: number } | null;
}

export const VOLUME_TABLE = 'table {{.Driver}}\t{{.Name}}';
export const VOLUME_HEADER = {
  Name: 'VOLUME NAME', Driver: 'DRIVER', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS',
  Links: 'LINKS', Size: 'SIZE', Label: labelHeader,
};

function labels(l: Record<string, string> | null | undefined): string {
  return Object.entries(l ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
}

export class VolumeRow extends FormatRow {
  readonly typeName = 'volumeContext';

  constructor(private readonly v: VolumeSummary) {
    super();
  }

  protected fieldNames(): string[] { return ['Driver', 'Labels', 'Links', 'Mountpoint', 'Name', 'Scope', 'Size']; }

  Name(): string { return this.v.Name; }
  Driver(): string { return this.v.Driver ?? ''; }
  Scope(): string { return this.v.Scope ?? ''; }
  Mountpoint(): string { return this.v.Mountpoint ?? ''; }
  Labels(): string { return labels(this.v.Labels); }
  Label(name: unknown): string { return this.v.Labels?.[String(name)] ?? ''; }
  Links(): string { return this.v.UsageData ? String(this.v.UsageData.RefCount) : 'N/A'; }
  Size(): string { return this.v.UsageData ? humanSize(this.v.UsageData.Size) : 'N/A'; }
}

export interface NetworkSummary {
  Id: string;
  Name: string;
  Driver?: string;
  Scope?: string;
  EnableIPv6?: boolean;
  Internal?: boolean;
  Labels?: Record<string, string> | null;
  Created?: string;
}

export const NETWORK_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';
export const NETWORK_HEADER = {
  ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv6: 'IPV6', Internal: 'INTERNAL',
  Labels: 'LABELS', CreatedAt: 'CREATED', Label: labelHeader,
};

/** Go's time.Time.String() of an RFC 3339 timestamp with its nanoseconds. */
function goTimeOf(rfc: string | undefined): string {
  if (!rfc) return '0001-01-01 00:00:00 +0000 UTC';
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(rfc);
  if (!m) return rfc;
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const zone = m[4] === 'Z' ? '+0000 UTC' : `${m[4]!.replace(':', '')} ${m[4]!.replace(':', '')}`;
  return `${m[1]} ${m[2]}${frac ? `.${frac}` : ''} ${zone}`;
}

export class NetworkRow extends FormatRow {
  readonly typeName = 'networkContext';

  constructor(private readonly n: NetworkSummary, private readonly trunc: boolean) {
    super();
  }

  protected fieldNames(): string[] { return ['CreatedAt', 'Driver', 'ID', 'IPv6', 'Internal', 'Labels', 'Name', 'Scope']; }

  ID(): string { return this.trunc ? truncateID(this.n.Id) : this.n.Id; }
  Name(): string { return this.n.Name; }
  Driver(): string { return this.n.Driver ?? ''; }
  Scope(): string { return this.n.Scope ?? ''; }
  IPv6(): string { return String(Boolean(this.n.EnableIPv6)); }
  Internal(): string { return String(Boolean(this.n.Internal)); }
  Labels(): string { return labels(this.n.Labels); }
  Label(name: unknown): string { return this.n.Labels?.[String(name)] ?? ''; }
  CreatedAt(): string { return goTimeOf(this.n.Created); }
}

export interface BuildCacheRecord {
  ID: string;
  Parent?: string;
  Type?: string;
  Description?: string;
  InUse?: boolean;
  Shared?: boolean;
  Size?: number;
  CreatedAt?: string;
  LastUsedAt?: string | null;
  UsageCount?: number;
}

export const BUILD_CACHE_TABLE = 'table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}';
export const BUILD_CACHE_HEADER = {
  ID: 'CACHE ID', CacheType: 'CACHE TYPE', Size: 'SIZE', CreatedSince: 'CREATED', LastUsedSince: 'LAST USED',
  UsageCount: 'USAGE', Shared: 'SHARED', Description: 'DESCRIPTION', InUse: 'IN USE', Parent: 'PARENT',
};

export class BuildCacheRow extends FormatRow {
  readonly typeName = 'buildCacheContext';

  constructor(private readonly b: BuildCacheRecord, private readonly trunc: boolean, private readonly now = Date.now()) {
    super();
  }

  protected fieldNames(): string[] { return ['CacheType', 'CreatedSince', 'Description', 'ID', 'InUse', 'LastUsedSince', 'Parent', 'Shared', 'Size', 'UsageCount']; }

  ID(): string {
    const id = this.trunc ? truncateID(this.b.ID) : this.b.ID;
    return this.b.InUse ? `${id}*` : id;
  }
  Parent(): string { return this.trunc ? truncateID(this.b.Parent ?? '') : this.b.Parent ?? ''; }
  CacheType(): string { return this.b.Type ?? ''; }
  Description(): string { return this.trunc ? ellipsis(this.b.Description ?? '', 45) : this.b.Description ?? ''; }
  Size(): string { return humanSizeWithPrecision(this.b.Size ?? 0, 3); }
  CreatedSince(): string { return sinceUnix(Date.parse(this.b.CreatedAt ?? '') / 1000, this.now); }
  LastUsedSince(): string { return this.b.LastUsedAt ? sinceUnix(Date.parse(this.b.LastUsedAt) / 1000, this.now) : ''; }
  UsageCount(): string { return String(this.b.UsageCount ?? 0); }
  InUse(): string { return String(Boolean(this.b.InUse)); }
  Shared(): string { return String(Boolean(this.b.Shared)); }
}
