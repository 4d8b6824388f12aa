// The container side of image operations, from the engine's ContainerService: which containers
// use an image (rmi/prune/df) and the container a commit captures (snapshot key = container ID).
import type { ContainerConfig } from '../image/index.js';
import type { ContainerService } from './containers/service.js';
import type { ImageContainerSide } from './images.js';
import { isUnderMount } from './containers/volume-mounts.js';

export function containerSideOf(containers: ContainerService): ImageContainerSide {
  const records = () => containers.ctx.store.list();
  return {
    countUsing: (imageId) => records().filter((r) => r.config.Image === imageId).length,
    usedByRunning: (imageId) => records().some((r) => r.config.Image === imageId && r.state.Running),
    commitSource(ref) {
      const rec = containers.get(ref);
      return {
        id: rec.id,
        imageId: rec.config.Image,
        config: rec.config.Config as ContainerConfig,
        running: rec.state.Running,
        paused: rec.state.Paused,
        dead: rec.state.Dead,
        removing: rec.state.RemovalInProgress,
        pause: () => containers.pause(rec.id),
        unpause: () => containers.unpause(rec.id),
        emit: (action, attrs) => containers.ctx.emit(rec, action, attrs),
        inVolume: (p) => isUnderMount(rec.config.MountPoints, p),
      };
    },
  };
}
