// For crash tests: a child process that stops forever at a chosen point of an image-store
// mutation, printing a marker, so the parent can kill it with SIGKILL exactly there.
import type { ImageStore } from '../../src/image/index.js';

export function freeze(marker = 'FROZEN'): Promise<never> {
  return new Promise<never>(() => {
    process.stdout.write(marker + '\n');
    setInterval(() => {}, 60_000);
  });
}

/** 'unpacking': after a layer is unpacked, before it is published; 'before-register': all stored, not registered. */
export function freezeStoreAt(store: ImageStore, mode: string): boolean {
  if (mode === 'unpacking') {
    const ensure = store.snapshots.ensureLayer.bind(store.snapshots);
    store.snapshots.ensureLayer = (chain, parentChain, apply) =>
      ensure(chain, parentChain, async (dir) => { await apply(dir); return freeze(); });
    return true;
  }
  if (mode === 'before-register') {
    store.register = () => freeze();
    return true;
  }
  return false;
}
