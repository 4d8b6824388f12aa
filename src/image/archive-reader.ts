// Reads an image archive (docker save / OCI layout tar) in one streaming pass: small metadata files
// are kept in memory, everything else is streamed into the content store (verified when the
// name carries a digest). Nothing is ever written to the filesystem by entry name.
import * as path from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import tar from 'tar-stream';
import { DigestMismatchError } from '../storage/index.js';
import type { ImageStore, Operation } from './store.js';
import { InvalidArchiveError } from './errors.js';
import { decompressStream } from './decompress.js';

export type ArchiveEntry =
  | { kind: 'mem'; data: Buffer }
  | { kind: 'blob'; digest: string; size: number }
  | { kind: 'link'; target: string };

const MAX_METADATA_BYTES = 16 << 20;
const BLOB_NAME = /^blobs\/sha256\/([0-9a-f]{64})$/;

/** Normalizes an archive path; undefined when it is absolute or climbs out with `..`. */
export function normalizeArchivePath(name: string): string | undefined {
  if (name.startsWith('/')) return undefined;
  const n = path.posix.normalize(name).replace(/\/+$/, '');
  if (n === '..' || n.startsWith('../')) return undefined;
  return n === '.' ? '' : n.replace(/^\.\//, '');
}

function isMetadataName(name: string): boolean {
  return !name.includes('/') && (name.endsWith('.json') || name === 'repositories' || name === 'oci-layout');
}

function isLegacyLayerMeta(name: string): boolean {
  return /^[^/]+\/(json|VERSION)$/.test(name);
}

async function readAll(entry: AsyncIterable<Buffer>, limit: number, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of entry) {
    n += (c as Buffer).length;
    if (n > limit) throw new InvalidArchiveError(`archive entry ${name} is larger than ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export class ArchiveContents {
  constructor(readonly entries: Map<string, ArchiveEntry>) {}

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Resolves `ref` (as written in manifest.json) to a stored entry, following links; `what` names it in errors. */
  resolve(ref: unknown, what: string): Exclude<ArchiveEntry, { kind: 'link' }> {
    if (typeof ref !== 'string' || ref === '') throw new InvalidArchiveError(`${what}: expected a file path, got ${JSON.stringify(ref)}`);
    let name = normalizeArchivePath(ref);
    for (let hops = 0; hops < 16; hops++) {
      if (name === undefined) throw new InvalidArchiveError(`${what} ${JSON.stringify(ref)} points outside the archive`);
      const e = this.entries.get(name);
      if (!e) throw new InvalidArchiveError(`${what} ${JSON.stringify(ref)} is missing from the archive`);
      if (e.kind !== 'link') return e;
      name = normalizeArchivePath(e.target);
    }
    throw new InvalidArchiveError(`${what} ${JSON.stringify(ref)}: too many levels of links`);
  }

  /** The bytes of a small file (metadata in memory, or a blob read back from the store). */
  async bytes(store: ImageStore, ref: unknown, what: string): Promise<Buffer> {
    const e = this.resolve(ref, what);
    if (e.kind === 'mem') return e.data;
    if (e.size > MAX_METADATA_BYTES) throw new InvalidArchiveError(`${what} ${JSON.stringify(ref)} is larger than ${MAX_METADATA_BYTES} bytes`);
    return store.content.read(e.digest);
  }
}

export interface ReadArchiveOptions {
  /** Limit on any one stored file (compressed layer) in bytes. */
  maxBlobBytes?: number;
}

/** Reads the whole (optionally gzip/zstd compressed) archive stream; blobs land in the store under `op`. */
export async function readArchive(store: ImageStore, input: Readable, op: Operation, opts: ReadArchiveOptions = {}): Promise<ArchiveContents> {
  const entries = new Map<string, ArchiveEntry>();
  const { stream } = await decompressStream(input);
  const extract = tar.extract();
  let sourceError: Error | undefined;
  pipeline(stream, extract, (err) => { if (err) sourceError = err; });
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const name = normalizeArchivePath(h.name);
      if (name === undefined || name === '') { entry.resume(); continue; } // unsafe names stay unreachable
      if (h.type === 'symlink' || h.type === 'link') {
        const target = h.type === 'symlink' ? path.posix.join(path.posix.dirname(name), h.linkname ?? '') : (h.linkname ?? '');
        entries.set(name, { kind: 'link', target });
        entry.resume();
        continue;
      }
      if (h.type !== 'file' && h.type !== 'contiguous-file') { entry.resume(); continue; }
      if (isMetadataName(name)) {
        entries.set(name, { kind: 'mem', data: await readAll(entry as AsyncIterable<Buffer>, MAX_METADATA_BYTES, name) });
        continue;
      }
      if (isLegacyLayerMeta(name)) { entry.resume(); continue; }
      const m = BLOB_NAME.exec(name);
      const expectDigest = m ? `sha256:${m[1]}` : undefined;
      const existed = expectDigest ? await store.content.has(expectDigest) : false;
      try {
        const res = await store.content.ingest(entry as AsyncIterable<Uint8Array>, {
          ...(expectDigest ? { digest: expectDigest } : {}),
          ...(h.size !== undefined && h.size !== null ? { size: h.size } : {}),
          ...(opts.maxBlobBytes ? { maxSize: opts.maxBlobBytes } : {}),
        });
        op.blob(res.digest, !existed);
        entries.set(name, { kind: 'blob', digest: res.digest, size: res.size });
      } catch (err) {
        if (err instanceof DigestMismatchError) {
          throw new InvalidArchiveError(`archive entry ${name}: content does not match its digest (got ${err.actual})`);
        }
        throw wrapReadError(err as Error, name);
      }
    }
  } catch (err) {
    extract.destroy();
    stream.destroy();
    if (err instanceof InvalidArchiveError) throw err;
    throw wrapReadError(sourceError ?? (err as Error));
  }
  if (sourceError) throw wrapReadError(sourceError);
  return new ArchiveContents(entries);
}

function wrapReadError(err: Error, entry?: string): Error {
  if (err instanceof InvalidArchiveError) return err;
  const where = entry ? `archive entry ${entry}` : 'archive';
  if (/unexpected end|premature close|truncated|size mismatch|invalid tar|unexpected eof|unknown/i.test(err.message)) {
    return new InvalidArchiveError(`${where} is truncated or corrupt: ${err.message}`);
  }
  return new InvalidArchiveError(`reading ${where}: ${err.message}`);
}
