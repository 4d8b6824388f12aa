// `docker ps` rows (formatter.ContainerContext of docker 20.10): the fields, their column titles
// and the default formats.
import { FormatRow } from './formatter.js';
import { displayablePorts, type ApiPort } from './ports.js';
import { ellipsis, goQuote, goTimeString, humanSizeWithPrecision, sinceUnix, truncateID } from './units.js';

export interface ContainerSummary {
  Id: string;
  Names?: string[];
  Image?: string;
  ImageID?: string;
  Command?: string;
  Created?: number;
  Ports?: ApiPort[];
  SizeRw?: number;
  SizeRootFs?: number;
  Labels?: Record<string, string> | null;
  State?: string;
  Status?: string;
  Mounts?: { Name?: string; Source?: string; Driver?: string }[];
  NetworkSettings?: { Networks?: Record<string, unknown> };
}

export const PS_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
export const PS_QUIET = '{{.ID}}';

/** The header of a {{.Label "com.example.some-key"}} column: its last dotted part, - and _ as spaces. */
export function labelHeader(name: unknown): string {
  return String(name).split('.').pop()!.replace(/[-_]/g, ' ');
}

export const PS_HEADER = {
  ID: 'CONTAINER ID', Names: 'NAMES', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED', Ports: 'PORTS', State: 'STATE', Status: 'STATUS', Size: 'SIZE', Labels: 'LABELS',
  Mounts: 'MOUNTS', LocalVolumes: 'LOCAL VOLUMES', Networks: 'NETWORKS', Label: labelHeader,
};

/** reference.FamiliarName/FamiliarString: docker.io/library/ dropped. */
export function familiar(ref: string): string {
  return ref.replace(/^(?:docker\.io|index\.docker\.io)\//, '').replace(/^library\/(?=[^/]+$)/, '').replace(/^library\/([^/:@]+)([:@])/, '$1$2');
}

/** Splits name[:tag][@digest]; undefined when it is not a valid reference. */
export function parseRef(ref: string): { name: string; tag?: string; digest?: string } | undefined {
  const m = /^((?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@([a-z0-9]+:[a-fA-F0-9]{32,}))?$/.exec(ref);
  if (!m) return undefined;
  return { name: m[1]!, tag: m[2], digest: m[3] };
}

export class ContainerRow extends FormatRow {
  readonly typeName = 'ContainerContext';

  constructor(private readonly c: ContainerSummary, private readonly trunc: boolean, private readonly now = Date.now()) {
    super();
  }

  protected fieldNames(): string[] {
    return ['Command', 'CreatedAt', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Names', 'Networks', 'Ports', 'RunningFor', 'Size', 'State', 'Status'];
  }

  ID(): string { return this.trunc ? truncateID(this.c.Id) : this.c.Id; }

  Names(): string {
    let names = (this.c.Names ?? []).map((n) => n.replace(/^\//, ''));
    // Legacy link names (other/name) are hidden when truncating.
    if (this.trunc) {
      const plain = names.find((n) => n.split('/').length === 1);
      if (plain !== undefined) names = [plain];
    }
    return names.join(',');
  }

  Image(): string {
    const image = this.c.Image ?? '';
    if (!image) return '<no image>';
    if (this.trunc) {
      const t = truncateID(this.c.ImageID ?? '');
      if (t === truncateID(image)) return t;
      const ref = parseRef(image);
      if (ref) return familiar(ref.tag ? `${ref.name}:${ref.tag}` : ref.name);
    }
    return image;
  }

  Command(): string {
    const cmd = this.c.Command ?? '';
    return goQuote(this.trunc ? ellipsis(cmd, 20) : cmd);
  }

  CreatedAt(): string { return goTimeString(this.c.Created ?? 0); }
  RunningFor(): string { return sinceUnix(this.c.Created ?? 0, this.now); }
  Ports(): string { return displayablePorts(this.c.Ports ?? []); }
  State(): string { return this.c.State ?? ''; }
  Status(): string { return this.c.Status ?? ''; }

  Size(): string {
    const srw = humanSizeWithPrecision(this.c.SizeRw ?? 0, 3);
    const sv = humanSizeWithPrecision(this.c.SizeRootFs ?? 0, 3);
    return (this.c.SizeRootFs ?? 0) > 0 ? `${srw} (virtual ${sv})` : srw;
  }

  Labels(): string {
    return Object.entries(this.c.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  }

  Label(name: unknown): string { return this.c.Labels?.[String(name)] ?? ''; }

  Mounts(): string {
    return (this.c.Mounts ?? []).map((m) => {
      const name = m.Name || m.Source || '';
      return this.trunc ? ellipsis(name, 15) : name;
    }).join(',');
  }

  LocalVolumes(): string { return String((this.c.Mounts ?? []).filter((m) => m.Driver === 'local').length); }
  Networks(): string { return Object.keys(this.c.NetworkSettings?.Networks ?? {}).sort().join(','); }
}
