// Child process for crash tests: loads an archive and freezes at a chosen point, to be killed -9.
//   node load-child.js <root> <archive> stall <bytes>   freeze after feeding <bytes> of the archive
//   node load-child.js <root> <archive> before-register  freeze once blobs and snapshots are done
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { ImageStore, loadImages } from '../../../src/image/index.js';

const [root, archive, mode, limit] = process.argv.slice(2) as [string, string, string, string?];
const store = await ImageStore.open(root);
const never = () => new Promise<never>(() => { setInterval(() => {}, 60_000); });

let input: Readable = fs.createReadStream(archive);
if (mode === 'stall') {
  const max = Number(limit);
  input = Readable.from((async function* () {
    let sent = 0;
    for await (const chunk of fs.createReadStream(archive, { highWaterMark: 64 * 1024 })) {
      const c = chunk as Buffer;
      if (sent + c.length > max) {
        yield c.subarray(0, max - sent);
        setTimeout(() => process.stdout.write('STALLED\n'), 200); // let the chunk reach the store
        await never();
      }
      sent += c.length;
      yield c;
    }
  })());
} else if (mode === 'before-register') {
  store.register = async () => { process.stdout.write('READY\n'); return never(); };
}
await loadImages(store, input);
process.stdout.write('DONE\n');
