// Where blobs came from or went to (registry host + repository), and which gzip blob a locally
// uncompressed layer was pushed as: lets push skip uploads (cross-repository mount, HEAD of a
// known digest) and makes pushing the same layer again free. Kept in <root>/registry/blobs.json.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../../storage/index.js';

interface Data {
  /** blob digest -> ["host/repo", ...] (most recent last, bounded). */
  sources: Record<string, string[]>;
  /** diff ID (uncompressed layer digest) -> compressed blob. */
  compressed: Record<string, { digest: string; size: number; mediaType: string }>;
}

export class BlobRecords {
  private data: Data;
  private writing: Promise<void> = Promise.resolve();
  private readonly file: string;

  constructor(root: string) {
    this.file = path.join(root, 'registry', 'blobs.json');
    try {
      this.data = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Data;
    } catch {
      this.data = { sources: {}, compressed: {} };
    }
    this.data.sources ??= {};
    this.data.compressed ??= {};
  }

  sourcesOf(digest: string): string[] { return this.data.sources[digest] ?? []; }

  compressedOf(diffId: string): Data['compressed'][string] | undefined { return this.data.compressed[diffId]; }

  addSource(digest: string, hostRepo: string): void {
    const list = (this.data.sources[digest] ?? []).filter((x) => x !== hostRepo);
    list.push(hostRepo);
    this.data.sources[digest] = list.slice(-5);
  }

  setCompressed(diffId: string, blob: { digest: string; size: number; mediaType: string }): void {
    this.data.compressed[diffId] = blob;
  }

  /** Writes the records (serialized; a failure to write only loses the optimization). */
  save(): Promise<void> {
    this.writing = this.writing.then(async () => {
      await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
      await writeJsonAtomic(this.file, this.data);
    }).catch(() => {});
    return this.writing;
  }
}
