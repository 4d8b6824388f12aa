// A container's mount points as Docker shows them (inspect "Mounts", list "Mounts").
import type { MountPoint } from './types.js';

export function mountsView(mounts: readonly MountPoint[] | undefined): Record<string, unknown>[] {
  return (mounts ?? []).filter((m) => !m.HostTmpfs)
    .sort((a, b) => a.Destination.localeCompare(b.Destination))
    .map((m) => ({
      Type: m.Type,
      ...(m.Name ? { Name: m.Name } : {}),
      Source: m.Source,
      Destination: m.Destination,
      ...(m.Driver ? { Driver: m.Driver } : {}),
      Mode: m.Mode,
      RW: m.RW,
      Propagation: m.Propagation,
    }));
}
