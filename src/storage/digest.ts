/** sha256 digests and chain IDs as the OCI image-spec defines them. */
import { createHash } from 'node:crypto';

/** A digest string: `sha256:<64 lowercase hex>`. */
export type Digest = string;

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

/** True when `d` is a well-formed `sha256:<hex>` digest. */
export function isDigest(d: unknown): d is Digest {
  return typeof d === 'string' && DIGEST_RE.test(d);
}

/** Throws a clear error naming `what` unless `d` is a well-formed sha256 digest; returns the hex part. */
export function digestHex(d: string, what = 'digest'): string {
  if (!isDigest(d)) throw new Error(`invalid ${what} ${JSON.stringify(d)}: expected sha256:<64 lowercase hex digits>`);
  return d.slice(7);
}

/** sha256 digest of bytes or a string. */
export function sha256Digest(data: Buffer | string): Digest {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/**
 * Chain ID of a layer stack (image-spec config.md): ChainID(L0) = DiffID(L0),
 * ChainID(L0..Ln) = sha256(ChainID(L0..Ln-1) + " " + DiffID(Ln)).
 */
export function chainId(diffIds: readonly Digest[]): Digest {
  if (diffIds.length === 0) throw new Error('chainId: need at least one diff ID');
  let id = diffIds[0]!;
  digestHex(id, 'diff ID');
  for (let i = 1; i < diffIds.length; i++) {
    digestHex(diffIds[i]!, 'diff ID');
    id = sha256Digest(id + ' ' + diffIds[i]);
  }
  return id;
}

/** Chain IDs of every prefix of `diffIds` (index i = chain of layers 0..i). */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIds) {
    digestHex(d, 'diff ID');
    out.push(out.length === 0 ? d : sha256Digest(out[out.length - 1] + ' ' + d));
  }
  return out;
}
