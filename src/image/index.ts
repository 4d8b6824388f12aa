/**
 * image: references, the image store (IDs = config digests, tags, layers as snapshots), and the
 * operations around it: load/save (docker save format and OCI layout), import, busybox bootstrap.
 * Builds on storage (content store, layer apply, snapshotter); knows nothing of containers.
 */
export * from './reference.js';
export * from './types.js';
export * from './errors.js';
export { ImageStore, Operation, type Image, type ImageStoreOptions, type NewImage } from './store.js';
export type { ImageSummary, ListOptions, HistoryItem } from './views.js';
export type { RemoveOptions, PruneOptions, PruneReport, DeleteItem, GcResult } from './remove.js';
export { collectGarbage } from './remove.js';
export { applyChanges, ChangeError } from './changes.js';
export { loadImages, type LoadOptions, type LoadResult } from './load.js';
export { saveImages, selectImages, type SaveFormat, type SaveOptions } from './save.js';
export { createImage, type CreateImageOptions, type CreatedImage } from './create.js';
export { importImage, type ImportOptions } from './import.js';
export { buildBusyboxImage, isStaticElf } from './busybox.js';
export { hostPlatform } from './platform.js';
export { commitContainer, mergeCommitConfig, EMPTY_TAR_DIGEST, type CommitOptions } from './commit.js';
export { exportContainer, exportRootfs } from './export.js';
export {
  archiveHead, archiveGet, archiveGetSnapshot, archivePut, withMountedSnapshot, mountSnapshot,
  encodePathStat, decodePathStat, parseContainerPath,
  ContainerPathNotFoundError, ContainerPathNotDirectoryError, ExtractPointNotDirectoryError, SymlinkLoopError, ArchiveEntryError,
  type ArchiveOptions, type ArchiveGetOptions, type ArchivePutOptions, type ContainerPathStat, type MountedSnapshot,
} from './cp/index.js';
