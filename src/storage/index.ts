/**
 * storage: content store, layer apply/diff and snapshots (overlay | vfs).
 * Knows nothing of images or containers: it turns layer blobs into snapshots and back.
 *
 * Typical use by image code:
 *   const cs = new ContentStore(root);  await cs.cleanupTmp();
 *   const snaps = await Snapshotter.open(root);          // picks overlay or vfs, runs recover()
 *   const { digest } = await cs.ingest(stream, { digest: expected, size });
 *   const ids = chainIds(diffIds);
 *   await snaps.ensureLayer(ids[i], i ? ids[i-1] : null, (dir) =>
 *     applyLayer(cs.readStream(layerDigest), dir, { inPlace: true, whiteouts: snaps.whiteoutMode, expectDiffId: diffIds[i] }));
 *   const mounts = await snaps.prepare(containerId, ids.at(-1)!);   // OCI mounts for the rootfs
 *   const tar = diffTar(snaps, containerId);                        // commit: uncompressed layer tar
 */
export type { Digest } from './digest.js';
export { isDigest, digestHex, sha256Digest, chainId, chainIds } from './digest.js';

export { writeFileAtomic, writeJsonAtomic, fsyncDir, removeTree, syncTree, syncPaths } from './atomic.js';

export type { IngestExpect, IngestResult } from './content-store.js';
export { ContentStore, DigestMismatchError } from './content-store.js';

export type { WhiteoutMode, ApplyOptions, ApplyResult } from './apply.js';
export { applyLayer, LayerApplyError } from './apply.js';
export { prewarmLayerUnpack } from './layer-offload.js';

export type {
  DriverName, Mount, SnapshotKind, SnapshotInfo, SnapshotUsage, SnapshotterOptions, EnsureLayerResult,
} from './snapshotter.js';
export { Snapshotter, SnapshotInUseError, SnapshotNotFoundError } from './snapshotter.js';

export type { Change, ChangeKind } from './diff.js';
export { changes, ChangeKinds } from './diff.js';
export { diffTar } from './diff-tar.js';

export type { TarHeader, TarEntryType, TarHandler } from './tar-reader.js';
export { TarReader, TarFormatError } from './tar-reader.js';
export type { TarWriteHeader } from './tar-writer.js';
export { encodeTarHeader, tarPadding, TAR_END } from './tar-writer.js';
export { detectCompression, decompressed, type Compression } from './decompress.js';
