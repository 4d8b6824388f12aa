// Image formats: OCI image-spec v1.1 and Docker schema2 manifests, indexes and configs.

export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondistGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

export type Compression = 'none' | 'gzip' | 'zstd';

/** Compression implied by a layer media type; undefined when it is not a layer type we know. */
export function layerCompression(mediaType: string): Compression | undefined {
  switch (mediaType) {
    case MediaTypes.ociLayer:
    case MediaTypes.dockerLayer:
      return 'none';
    case MediaTypes.ociLayerGzip:
    case MediaTypes.ociLayerNondistGzip:
    case MediaTypes.dockerLayerGzip:
    case MediaTypes.dockerForeignLayerGzip:
      return 'gzip';
    case MediaTypes.ociLayerZstd:
      return 'zstd';
    default:
      return undefined;
  }
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** The runtime part of an image config (Docker's container.Config subset images carry). */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  OnBuild?: string[] | null;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };
  ArgsEscaped?: boolean;
  Shell?: string[];
  [key: string]: unknown;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** Image config (OCI config / Docker image JSON); unknown fields are preserved as read. */
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  // Docker-only fields kept for inspect.
  parent?: string;
  comment?: string;
  container?: string;
  container_config?: ContainerConfig;
  docker_version?: string;
  [key: string]: unknown;
}

/** Annotation keys used by OCI layouts to name images. */
export const Annotations = {
  refName: 'org.opencontainers.image.ref.name',
  containerdImageName: 'io.containerd.image.name',
} as const;

/** Parses and checks the parts of an image config we rely on; `what` names the source in errors. */
export function parseImageConfig(bytes: Buffer, what: string): ImageConfig {
  let cfg: unknown;
  try {
    cfg = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new Error(`${what}: image config is not valid JSON: ${(e as Error).message}`);
  }
  const c = cfg as ImageConfig;
  if (!c || typeof c !== 'object') throw new Error(`${what}: image config must be a JSON object`);
  if (!c.rootfs || c.rootfs.type !== 'layers' || !Array.isArray(c.rootfs.diff_ids)) {
    throw new Error(`${what}: image config has no rootfs.diff_ids (rootfs.type must be "layers")`);
  }
  for (const d of c.rootfs.diff_ids) {
    if (typeof d !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(d)) {
      throw new Error(`${what}: image config rootfs.diff_ids holds an invalid digest ${JSON.stringify(d)}`);
    }
  }
  if (typeof c.architecture !== 'string' || typeof c.os !== 'string') {
    throw new Error(`${what}: image config needs "architecture" and "os" strings`);
  }
  return c;
}

/** Parses a manifest and checks its shape; `what` names the source in errors. */
export function parseManifest(bytes: Buffer, what: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(bytes.toString('utf8')) as Manifest;
  } catch (e) {
    throw new Error(`${what}: manifest is not valid JSON: ${(e as Error).message}`);
  }
  if (!m || m.schemaVersion !== 2 || !m.config || !Array.isArray(m.layers)) {
    throw new Error(`${what}: not an image manifest (need schemaVersion 2, config and layers)`);
  }
  for (const d of [m.config, ...m.layers]) checkDescriptor(d, what);
  return m;
}

/** Parses an image index (OCI index.json or Docker manifest list). */
export function parseIndex(bytes: Buffer, what: string): Index {
  let x: Index;
  try {
    x = JSON.parse(bytes.toString('utf8')) as Index;
  } catch (e) {
    throw new Error(`${what}: index is not valid JSON: ${(e as Error).message}`);
  }
  if (!x || x.schemaVersion !== 2 || !Array.isArray(x.manifests)) {
    throw new Error(`${what}: not an image index (need schemaVersion 2 and manifests)`);
  }
  for (const d of x.manifests) checkDescriptor(d, what);
  return x;
}

export function checkDescriptor(d: Descriptor, what: string): void {
  if (!d || typeof d.mediaType !== 'string' || typeof d.digest !== 'string' || typeof d.size !== 'number') {
    throw new Error(`${what}: descriptor needs mediaType, digest and size: ${JSON.stringify(d)}`);
  }
  if (!/^sha256:[0-9a-f]{64}$/.test(d.digest)) throw new Error(`${what}: descriptor digest ${JSON.stringify(d.digest)} is not sha256:<64 hex>`);
  if (!Number.isSafeInteger(d.size) || d.size < 0) throw new Error(`${what}: descriptor size ${d.size} is invalid`);
}
