// The legacy builder's cache: a step is reused when an image built from the same parent has the
// same container_config (Cmd holds the instruction, with COPY/ADD source checksums and RUN build
// args; Env, Labels, ports, volumes, entrypoint, user, workdir, shell, healthcheck, onbuild and
// stop signal must match too). With cache-from, only those images and their ancestors count.
import type { ContainerConfig, ImageStore } from '../image/index.js';

const COMPARED = ['Cmd', 'Env', 'Labels', 'ExposedPorts', 'Entrypoint', 'Volumes', 'User', 'WorkingDir', 'Shell', 'Healthcheck', 'OnBuild', 'StopSignal'] as const;

/** Canonical text of the compared fields (object keys sorted, empty values as absent). */
export function cacheKey(c: ContainerConfig): string {
  const norm = (v: unknown): unknown => {
    if (v === null || v === undefined || v === '') return null;
    if (Array.isArray(v)) return v.length ? v.map(norm) : null;
    if (typeof v === 'object') {
      const keys = Object.keys(v as object).sort();
      return keys.length ? Object.fromEntries(keys.map((k) => [k, norm((v as Record<string, unknown>)[k])])) : null;
    }
    return v;
  };
  return JSON.stringify(COMPARED.map((k) => norm(c[k])));
}

export class BuildCache {
  private readonly allowed: Set<string> | null;

  /** `cacheFrom`: image IDs whose ancestry is the only cache (empty: every local image). */
  constructor(private readonly store: ImageStore, cacheFrom: string[], private readonly disabled: boolean) {
    if (cacheFrom.length === 0) { this.allowed = null; return; }
    this.allowed = new Set();
    for (const id of cacheFrom) {
      for (let cur: string | undefined = id; cur && !this.allowed.has(cur); cur = store.db.view.Images[cur]?.parent) this.allowed.add(cur);
    }
  }

  /** The newest child of `parent` built with the same config, or null. */
  async probe(parent: string | null, probe: ContainerConfig): Promise<string | null> {
    if (this.disabled) return null;
    const want = cacheKey(probe);
    const images = this.store.db.view.Images;
    let best: { id: string; created: string } | null = null;
    for (const [id, rec] of Object.entries(images)) {
      if ((rec.parent ?? null) !== parent) continue;
      if (this.allowed && !this.allowed.has(id)) continue;
      const img = await this.store.byId(id).catch(() => null);
      const cc = img?.config.container_config;
      if (!img || !cc || cacheKey(cc) !== want) continue;
      const created = img.config.created ?? '';
      if (!best || created > best.created) best = { id, created };
    }
    return best?.id ?? null;
  }
}
