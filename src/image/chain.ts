// Chain IDs of an image's layers (the snapshot keys), from its config's diff IDs.
import { chainIds } from '../storage/index.js';
import type { ImageConfig } from './types.js';

export function chainIdsOfConfig(config: ImageConfig): string[] {
  return config.rootfs.diff_ids.length ? chainIds(config.rootfs.diff_ids) : [];
}
