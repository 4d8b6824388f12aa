// Persistence of networks and container endpoints under <data-root>/network: two JSON files
// replaced atomically (write to a temp file, rename), writes serialized and coalesced.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContainerEntry, NetworkRecord } from './types.js';

export class NetworkStore {
  networks: NetworkRecord[] = [];
  entries: Record<string, ContainerEntry> = {};
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(readonly dir: string) {}

  load(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.networks = readJson<NetworkRecord[]>(path.join(this.dir, 'networks.json'), []);
    this.entries = readJson<Record<string, ContainerEntry>>(path.join(this.dir, 'endpoints.json'), {});
  }

  /** Persists the current state; concurrent calls share one write of the latest state. */
  save(): Promise<void> {
    this.dirty = true;
    this.writing = this.writing.then(() => {
      if (!this.dirty) return;
      this.dirty = false;
      writeAtomic(path.join(this.dir, 'networks.json'), this.networks);
      writeAtomic(path.join(this.dir, 'endpoints.json'), this.entries);
    });
    return this.writing;
  }
}

function readJson<T>(file: string, fallback: T): T {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')) as T; } catch { return fallback; }
}

function writeAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value));
  fs.renameSync(tmp, file);
}
