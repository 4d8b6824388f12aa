// Child process for the import crash tests: imports a rootfs tar and freezes at a chosen point,
// printing FROZEN, so the test can kill it with SIGKILL there.
//   node import-child.js <root> <tar|-> stream            plain import (the test stalls stdin)
//   node import-child.js <root> <tar|-> unpacking         freeze with the layer unpacked in a temp dir
//   node import-child.js <root> <tar|-> before-register   freeze with blobs and snapshot published
import { ImageStore, importImage } from '../../../src/image/index.js';
import { freezeStoreAt } from '../../helpers/freeze-points.js';

const [root, source, mode] = process.argv.slice(2) as [string, string, string];
const store = await ImageStore.open(root);
if (!freezeStoreAt(store, mode) && mode !== 'stream') throw new Error(`unknown mode ${mode}`);
process.stdout.write('OPEN\n');
await importImage(store, source, { tag: 'crashed:1', message: 'crash test' });
process.stdout.write('DONE\n');
