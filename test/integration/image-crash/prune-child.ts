// Child process for the prune crash tests: prunes dangling images and freezes at a chosen point,
// printing FROZEN, so the test can kill it with SIGKILL there.
//   node prune-child.js <root> db-write    freeze with the first image's removal written to a temp db file
//   node prune-child.js <root> untagged    freeze with the first image unregistered, no blob deleted yet
//   node prune-child.js <root> blobs       freeze after the first blob deletion
//   node prune-child.js <root> snapshots   freeze with a layer tree moved to the trash and half deleted
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { ImageStore } from '../../../src/image/index.js';

const [root, mode] = process.argv.slice(2) as [string, string];
const store = await ImageStore.open(root);
const freeze = (marker: string) => new Promise<never>(() => {
  process.stdout.write(marker + '\n');
  setInterval(() => {}, 60_000);
});

// The store's modules import node:fs/promises as a namespace: patching the module object and
// syncing the ESM bindings reaches their calls.
const fsp = createRequire(import.meta.url)('node:fs/promises') as typeof import('node:fs/promises');
if (mode === 'db-write') {
  // Hold the database's atomic rename: the new content is fsynced in its temp file, not yet in place.
  const rename = fsp.rename;
  fsp.rename = async (from, to) => {
    if (String(from).includes('.repositories.json.tmp-')) return freeze('FROZEN');
    return rename(from, to);
  };
  syncBuiltinESMExports();
} else if (mode === 'snapshots') {
  // The recursive removal of a layer moved to the trash: delete half of its files, then freeze.
  const rm = fsp.rm;
  fsp.rm = async (p, opts) => {
    if (!String(p).includes('/snap-del-')) return rm(p, opts);
    const many = path.join(String(p), 'fs', 'many');
    const files = fs.readdirSync(many);
    for (const f of files.slice(0, files.length >> 1)) fs.unlinkSync(path.join(many, f));
    return freeze('FROZEN');
  };
  syncBuiltinESMExports();
} else if (mode === 'untagged' || mode === 'blobs') {
  const del = store.content.delete.bind(store.content);
  let calls = 0;
  store.content.delete = async (d) => {
    if (++calls === (mode === 'untagged' ? 1 : 2)) return freeze('FROZEN');
    return del(d);
  };
} else {
  throw new Error(`unknown mode ${mode}`);
}
process.stdout.write('OPEN\n');
const report = await store.prune({});
process.stdout.write(`DONE ${JSON.stringify(report)}\n`);
