// The shapes of the volume layer: a volume as stored and as Docker shows it, and a container's
// mount point (Docker's container.MountPoint) as the engine records it at create.

/** Label Docker (23+) puts on anonymous volumes: `rm -v`, `--rm` and prune (API 1.42+) use it. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

/** Persisted per volume: <root>/volumes/<name>/volume.json. */
export interface VolumeRecord {
  Name: string;
  Driver: 'local';
  /** RFC 3339, seconds precision (as Docker prints it). */
  CreatedAt: string;
  Labels: Record<string, string> | null;
  /** Driver options (local: type, device, o). */
  Options: Record<string, string> | null;
}

/** GET /volumes/{name} and the items of GET /volumes. */
export interface VolumeView {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string> | null;
  Scope: 'local';
  Options: Record<string, string> | null;
  Status?: Record<string, unknown>;
  UsageData?: { Size: number; RefCount: number } | null;
}

export type MountType = 'volume' | 'bind' | 'tmpfs';

/** One mount of a container, resolved at create (volume names known, bind sources absolute). */
export interface MountPoint {
  Type: MountType;
  /** Volume name (volumes only). */
  Name?: string;
  /** Host path: the bind source or the volume's _data; empty for tmpfs. */
  Source: string;
  Destination: string;
  Driver?: string;
  /** The mode string Docker shows ("z", "ro", "" ...). */
  Mode: string;
  RW: boolean;
  /** "rprivate", "rshared", ... for binds; "" for volumes and tmpfs. */
  Propagation: string;
  /** Fill an empty volume with the image's content at Destination (cleared once done). */
  CopyData?: boolean;
  /** The volume was created for this container (image VOLUME, `-v /path`, --mount without source). */
  Anonymous?: boolean;
  /** tmpfs mount data ("size=65536k,mode=1777"). */
  TmpfsData?: string;
  /** From HostConfig.Tmpfs (--tmpfs): mounted, but not listed in inspect's Mounts (as in Docker). */
  HostTmpfs?: boolean;
}
