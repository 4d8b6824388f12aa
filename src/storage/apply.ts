/** Layer apply: (gzip|zstd|plain) tar stream -> directory, securely. */
import type { Readable } from 'node:stream';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { digestHex } from './digest.js';
import { fsyncDir, removeTree } from './atomic.js';
import { syncFs } from './sys.js';
import { LayerApplyError, type ApplyOptions, type ApplyResult } from './layer-unpack.js';
import { unpackLayer } from './layer-offload.js';

export type { WhiteoutMode, ApplyOptions, ApplyResult } from './layer-unpack.js';
export { LayerApplyError };

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
    const res = await unpackLayer(input, dir, opts);
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

