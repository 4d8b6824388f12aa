/** `docker cp` support: archive HEAD/GET/PUT on a container root, with Docker's path rules, scoped to the root. */
export { archiveHead, archiveGet, archiveGetSnapshot, archivePut, type ArchiveOptions, type ArchiveGetOptions, type ArchivePutOptions } from './archive.js';
export { encodePathStat, decodePathStat, goFileMode, GoMode, type ContainerPathStat } from './stat.js';
export { withMountedSnapshot, mountSnapshot, type MountedSnapshot } from './mount.js';
export { parseContainerPath, type ContainerPath } from './paths.js';
export { ScopedRoot } from './scoped-root.js';
export { tarDir, tarEntry, type LinkMap } from './tar-tree.js';
export { tarStream } from './stream.js';
export {
  ContainerPathNotFoundError, ContainerPathNotDirectoryError, ExtractPointNotDirectoryError, SymlinkLoopError, ArchiveEntryError,
} from './errors.js';
