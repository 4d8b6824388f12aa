// Child process for the commit crash test: commits a container and freezes at a chosen point,
// printing a marker, so the test can kill it with SIGKILL there.
//   node commit-child.js <root> <snapshotKey> <parentImageId> captured|unpacking|before-register
import { ImageStore, commitContainer } from '../../../src/image/index.js';
import { freeze, freezeStoreAt } from '../../helpers/freeze-points.js';

const [root, key, parent, mode] = process.argv.slice(2) as [string, string, string, string];
const store = await ImageStore.open(root);
freezeStoreAt(store, mode);
await commitContainer(store, {
  snapshotKey: key, parentImageId: parent, containerConfig: { Cmd: ['sh'] }, reference: 'crashed:1',
  ...(mode === 'captured' ? { resume: () => freeze('FROZEN') } : {}),
});
process.stdout.write('DONE\n');
