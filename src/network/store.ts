// Persistence of networks and container endpoints under <data-root>/network: networks.json and one
// endpoints/<container-id>.json per container, each replaced atomically (temp file, rename). One
// file per container keeps a save O(changed), not O(containers): with 50 running, rewriting one
// shared file on every start and stop made each of them slower as more ran.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContainerEntry, NetworkRecord } from './types.js';

export class NetworkStore {
  networks: NetworkRecord[] = [];
  entries: Record<string, ContainerEntry> = {};
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  /** What each file holds now (serialized), so a save writes only what changed. */
  private written = new Map<string, string>();

  constructor(readonly dir: string) {}

  private get endpointsDir(): string { return path.join(this.dir, 'endpoints'); }

  load(): void {
    fs.mkdirSync(this.endpointsDir, { recursive: true, mode: 0o700 });
    this.networks = readJson<NetworkRecord[]>(path.join(this.dir, 'networks.json'), []);
    this.written.set('networks.json', JSON.stringify(this.networks));
    this.entries = {};
    for (const name of fs.readdirSync(this.endpointsDir)) {
      if (name.endsWith('.tmp')) fs.rmSync(path.join(this.endpointsDir, name), { force: true }); // a crash mid-write
      if (!name.endsWith('.json')) continue;
      const entry = readJson<ContainerEntry | undefined>(path.join(this.endpointsDir, name), undefined);
      if (!entry) continue;
      const id = name.slice(0, -'.json'.length);
      this.entries[id] = entry;
      this.written.set(endpointFile(id), JSON.stringify(entry));
    }
    // The one-file layout of earlier versions: its entries move to their own files at the next save.
    const legacy = path.join(this.dir, 'endpoints.json');
    if (fs.existsSync(legacy)) {
      this.entries = { ...readJson<Record<string, ContainerEntry>>(legacy, {}), ...this.entries };
      this.dirty = true;
      this.writing = this.writing.then(() => { this.flush(); fs.rmSync(legacy, { force: true }); });
    }
  }

  /** Persists the current state; concurrent calls share one write of the latest state. */
  save(): Promise<void> {
    this.dirty = true;
    this.writing = this.writing.then(() => this.flush());
    return this.writing;
  }

  private flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const want = new Map<string, string>([['networks.json', JSON.stringify(this.networks)]]);
    for (const [id, e] of Object.entries(this.entries)) want.set(endpointFile(id), JSON.stringify(e));
    for (const [file, text] of want) {
      if (this.written.get(file) === text) continue;
      writeAtomic(path.join(this.dir, file), text);
      this.written.set(file, text);
    }
    for (const file of [...this.written.keys()]) {
      if (want.has(file)) continue;
      fs.rmSync(path.join(this.dir, file), { force: true });
      this.written.delete(file);
    }
  }
}

function endpointFile(id: string): string { return `endpoints/${id}.json`; }

function readJson<T>(file: string, fallback: T): T {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')) as T; } catch { return fallback; }
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
