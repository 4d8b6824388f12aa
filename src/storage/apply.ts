/** Layer apply: (gzip|zstd|plain) tar stream -> directory, securely. */
import type { Readable } from 'node:stream';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { Digest } from './digest.js';
import { digestHex } from './digest.js';
import { decompressed } from './decompress.js';
import { TarReader } from './tar-reader.js';
import { Extractor, type WhiteoutMode } from './extractor.js';
import { fsyncDir, removeTree } from './atomic.js';
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
}

export interface ApplyResult {
  /** sha256 of the uncompressed tar stream. */
  diffId: Digest;
  /** Uncompressed tar size in bytes. */
  size: number;
}

/** Raised for corrupt, hostile, oversized or mismatching layers; `entry` names the tar entry when known. */
export class LayerApplyError extends Error {
  constructor(message: string, readonly entry?: string) {
    super(entry !== undefined ? `layer entry ${JSON.stringify(entry)}: ${message}` : message);
    this.name = 'LayerApplyError';
  }
}

/**
 * Unpack a layer (plain, gzip or zstd tar; detected from magic bytes) into `targetDir`.
 * No entry can create or change anything outside `targetDir`; on any error nothing is kept
 * (unless inPlace, where the caller discards the dir).
 */
export async function applyLayer(input: Readable, targetDir: string, opts: ApplyOptions): Promise<ApplyResult> {
  if (opts.whiteouts !== 'overlay' && opts.whiteouts !== 'delete') {
    throw new LayerApplyError(`invalid whiteouts option ${JSON.stringify(opts.whiteouts)}: expected "overlay" or "delete"`);
  }
  if (opts.expectDiffId !== undefined) digestHex(opts.expectDiffId, 'expected diff ID');
  const target = path.resolve(targetDir);
  let dir = target;
  if (opts.inPlace) {
    const st = await fs.lstat(target).catch(() => null);
    if (!st?.isDirectory()) { input.destroy(); throw new LayerApplyError(`target directory ${target} does not exist`); }
  } else {
    if (await fs.lstat(target).catch(() => null)) { input.destroy(); throw new LayerApplyError(`target ${target} already exists`); }
    dir = path.join(path.dirname(target), `.tmp-apply-${randomBytes(6).toString('hex')}`);
    await fs.mkdir(dir, { mode: 0o755 });
  }
  try {
    const res = await unpack(input, dir, opts);
    if (!opts.inPlace) {
      await syncFs(dir);
      await fs.rename(dir, target);
      await fsyncDir(path.dirname(target));
    }
    return res;
  } catch (err) {
    if (!opts.inPlace) await removeTree(dir);
    throw err instanceof LayerApplyError ? err : new LayerApplyError((err as Error).message);
  }
}

async function unpack(input: Readable, dir: string, opts: ApplyOptions): Promise<ApplyResult> {
  const ex = new Extractor(dir, opts.whiteouts);
  const reader = new TarReader(ex);
  const hash = createHash('sha256');
  const max = opts.maxBytes ?? Infinity;
  let size = 0;
  try {
    for await (const chunk of decompressed(input)) {
      size += chunk.length;
      if (size > max) throw new LayerApplyError(`layer exceeds the size limit: more than ${max} uncompressed bytes`);
      hash.update(chunk);
      if (!reader.ended) {
        reader.push(chunk);
        await ex.drain();
      }
    }
    reader.finish();
    await ex.finish();
  } catch (err) {
    input.destroy();
    await ex.abort();
    throw err;
  }
  const diffId = 'sha256:' + hash.digest('hex');
  if (opts.expectDiffId !== undefined && diffId !== opts.expectDiffId) {
    throw new LayerApplyError(`layer diff ID mismatch: expected ${opts.expectDiffId}, got ${diffId}`);
  }
  return { diffId, size };
}
