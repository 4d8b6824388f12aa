// Garbage collection for the registry server (like `registry garbage-collect`, run while no push is
// in flight): marks every blob a stored manifest references and deletes the rest.
import { RegistryStorage } from './storage.js';

export interface GcReport { deleted: string[]; reclaimed: number; kept: number }

export async function garbageCollect(storage: RegistryStorage, opts: { dryRun?: boolean } = {}): Promise<GcReport> {
  const marked = new Set<string>();
  for (const { digest } of await storage.allManifests()) {
    marked.add(digest);
    const size = await storage.blobSize(digest);
    if (size === null) continue;
    const chunks: Buffer[] = [];
    for await (const c of storage.openBlob(digest)) chunks.push(c as Buffer);
    let m: { config?: { digest: string }; layers?: Array<{ digest: string }>; manifests?: Array<{ digest: string }>; blobs?: Array<{ digest: string }> };
    try { m = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { continue; }
    for (const d of [m.config, ...(m.layers ?? []), ...(m.manifests ?? []), ...(m.blobs ?? [])]) if (d?.digest) marked.add(d.digest);
  }
  const report: GcReport = { deleted: [], reclaimed: 0, kept: 0 };
  for (const digest of await storage.allBlobs()) {
    if (marked.has(digest)) { report.kept++; continue; }
    report.deleted.push(digest);
    if (!opts.dryRun) report.reclaimed += await storage.deleteBlobFile(digest);
  }
  if (!opts.dryRun) {
    // Repository links to deleted blobs would make HEAD answer for content that is gone.
    for (const name of await storage.catalog()) {
      for (const d of await storage.repoLayerLinks(name)) if (!marked.has(d)) await storage.unlinkBlob(name, d);
    }
  }
  return report;
}
