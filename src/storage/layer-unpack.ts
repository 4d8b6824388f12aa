/**
 * The in-thread part of layer apply: decompress, hash (diff ID), parse and extract a layer into a
 * directory (apply.ts prepares and publishes the directory; layer-offload.ts may run this in a
 * worker thread).
 */
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import type { Digest } from './digest.js';
import { decompressed, type DecompressedDigest } from './decompress.js';
import { TarReader } from './tar-reader.js';
import { Extractor, type WhiteoutMode } from './extractor.js';
import { syncFs } from './sys.js';

export type { WhiteoutMode };

export interface ApplyOptions {
  whiteouts: WhiteoutMode;
  /** Limit on the uncompressed tar size in bytes; exceeding it fails with a LayerApplyError (bomb guard). */
  maxBytes?: number;
  /**
   * false (default): `targetDir` must not exist; the layer is unpacked into a sibling temp dir and
   * renamed to `targetDir` only when complete and verified.
   * true: unpack straight into the existing `targetDir` (which may hold a parent's copy, for vfs);
   * the caller owns atomicity (Snapshotter.ensureLayer hands out such a temp dir).
   */
  inPlace?: boolean;
  /** Expected diff ID (sha256 of the uncompressed tar): mismatch -> error, nothing kept (when not inPlace). */
  expectDiffId?: Digest;
  /** false: the caller does not sync the layer before publishing it, so no early writeback either. */
  earlySync?: boolean;
}

export interface ApplyResult {
  /** sha256 of the uncompressed tar stream. */
  diffId: Digest;
  /** Uncompressed tar size in bytes. */
  size: number;
  /**
   * Apparent size (non-directories, hard links once) and inode count of the unpacked tree, as a
   * walk of it would find, when the extraction could tell without one (it started empty and
   * removed nothing); Snapshotter keeps it for usage().
   */
  usage?: { size: number; inodes: number };
}

/** Raised for corrupt, hostile, oversized or mismatching layers; `entry` names the tar entry when known. */
export class LayerApplyError extends Error {
  constructor(message: string, readonly entry?: string) {
    super(entry !== undefined ? `layer entry ${JSON.stringify(entry)}: ${message}` : message);
    this.name = 'LayerApplyError';
  }
}

/** Written bytes after which a background syncfs starts flushing them (see unpack). */
const EARLY_SYNC_BYTES = 48 << 20;

/** Unpack `input` into the existing directory `dir` in this thread (see applyLayer). */
export async function unpackHere(input: Readable, dir: string, opts: ApplyOptions): Promise<ApplyResult> {
  const ex = new Extractor(dir, opts.whiteouts);
  const reader = new TarReader(ex);
  const hash = createHash('sha256');
  const gz: DecompressedDigest = {};
  const max = opts.maxBytes ?? Infinity;
  let size = 0;
  // Callers make the layer durable (syncfs) before publishing it. Starting writeback of what is
  // written so far while extraction goes on leaves that final sync only the tail to wait for.
  let synced = 0;
  let early: Promise<void> | null = null;
  try {
    for await (const chunk of decompressed(input, gz)) {
      size += chunk.length;
      if (size > max) throw new LayerApplyError(`layer exceeds the size limit: more than ${max} uncompressed bytes`);
      if (!gz.offloaded) hash.update(chunk);
      if (!reader.ended) {
        reader.push(chunk);
        await ex.drain();
      }
      if (opts.earlySync !== false && size - synced >= EARLY_SYNC_BYTES && !early) {
        synced = size;
        early = syncFs(dir).catch(() => {}).finally(() => { early = null; });
      }
    }
    reader.finish();
    await ex.finish();
  } catch (err) {
    input.destroy();
    await ex.abort();
    throw err;
  } finally {
    await early;
  }
  const diffId = gz.offloaded ? gz.digest! : 'sha256:' + hash.digest('hex');
  if (opts.expectDiffId !== undefined && diffId !== opts.expectDiffId) {
    throw new LayerApplyError(`layer diff ID mismatch: expected ${opts.expectDiffId}, got ${diffId}`);
  }
  const usage = ex.usage;
  return usage ? { diffId, size, usage } : { diffId, size };
}
