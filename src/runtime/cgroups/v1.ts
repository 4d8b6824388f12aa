// cgroup v1 driver: one directory per controller hierarchy (plus the hybrid cgroup2 mount).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CgroupStats, LinuxResources } from './types.js';
import { CgroupBase, type Placement } from './base.js';
import { type V1Controller, type V1Layout } from './detect.js';
import { readTrimmed, readNumber, tryRead, waitUntil, writeFile } from './fsutil.js';
import { applyWrites } from './apply.js';
import { v1Writes } from './v1-settings.js';
import { oomKillsV1, statsV1 } from './stats.js';

const FREEZE_TIMEOUT_MS = 5000;

export class V1Cgroup extends CgroupBase {
  readonly version = 'v1' as const;
  private readonly ctrlDirs: Map<V1Controller, string>;
  private readonly cpusetRoot: string | undefined;
  private readonly unifiedDir: string | undefined;

  constructor(relPath: string, layout: V1Layout) {
    const placements: Placement[] = [];
    const ctrlDirs = new Map<V1Controller, string>();
    for (const [ctrl, root] of layout.hierarchies) {
      const dir = path.join(root, relPath);
      ctrlDirs.set(ctrl, dir);
      // Co-mounted controllers (cpu,cpuacct) share a hierarchy: one dir, created once.
      if (!placements.some((p) => p.root === root)) placements.push({ root, dir });
    }
    // Hybrid hosts: also a cgroup in the unified mount, so v2-aware tools see the container.
    if (layout.unified) placements.push({ root: layout.unified, dir: path.join(layout.unified, relPath) });
    super(relPath, placements);
    this.ctrlDirs = ctrlDirs;
    this.cpusetRoot = layout.hierarchies.get('cpuset');
    this.unifiedDir = layout.unified ? path.join(layout.unified, relPath) : undefined;
  }

  private dirOf(ctrl: V1Controller): string | undefined {
    return this.ctrlDirs.get(ctrl);
  }

  private requireDir(ctrl: string): string {
    const dir = this.ctrlDirs.get(ctrl as V1Controller);
    if (!dir) throw new Error(`cgroup: the ${ctrl} controller is not mounted (needed by linux.resources)`);
    return dir;
  }

  /** A new cpuset has empty cpus/mems and refuses tasks: inherit the parent's. */
  protected prepareLevel(root: string, levelDir: string): void {
    if (root !== this.cpusetRoot) return;
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      const own = path.join(levelDir, file);
      if (readTrimmed(own) !== '') continue;
      writeFile(own, readTrimmed(path.join(path.dirname(levelDir), file)));
    }
  }

  birthJoin(): { selfTasks: string[]; cloneInto?: string } {
    return {
      selfTasks: [...new Set(this.ctrlDirs.values())].map((d) => path.join(d, 'tasks')),
      ...(this.unifiedDir ? { cloneInto: this.unifiedDir } : {}),
    };
  }

  protected procsDir(): string {
    return this.dirOf('freezer') ?? this.dirOf('pids') ?? this.dirs()[0]!;
  }

  protected applyResources(r: LinuxResources): void {
    const writes = v1Writes(r, {
      currentMemoryLimit: () => readNumber(path.join(this.requireDir('memory'), 'memory.limit_in_bytes')) ?? -1,
      has: (ctrl, file) => fs.existsSync(path.join(this.requireDir(ctrl), file)),
    });
    applyWrites(writes, (ctrl) => this.requireDir(ctrl));
  }

  private freezerState(): string {
    return readTrimmed(path.join(this.requireDir('freezer'), 'freezer.state'));
  }

  freeze(): void {
    const file = path.join(this.requireDir('freezer'), 'freezer.state');
    writeFile(file, 'FROZEN');
    // FREEZING until every task is stopped; re-asking now and then helps tasks that were busy.
    let polls = 0;
    const done = waitUntil(() => {
      const s = this.freezerState();
      if (s === 'FROZEN') return true;
      if (++polls % 50 === 0) writeFile(file, 'FROZEN');
      return false;
    }, FREEZE_TIMEOUT_MS, 1);
    if (!done) {
      writeFile(file, 'THAWED');
      throw new Error(`cgroup: ${this.path} did not freeze within ${FREEZE_TIMEOUT_MS} ms`);
    }
  }

  thaw(): void {
    writeFile(path.join(this.requireDir('freezer'), 'freezer.state'), 'THAWED');
    if (!waitUntil(() => this.freezerState() === 'THAWED', FREEZE_TIMEOUT_MS, 1)) {
      throw new Error(`cgroup: ${this.path} did not thaw within ${FREEZE_TIMEOUT_MS} ms`);
    }
  }

  state(): 'frozen' | 'thawed' {
    const dir = this.dirOf('freezer');
    const s = dir ? tryRead(path.join(dir, 'freezer.state'))?.trim() : undefined;
    return s === 'FROZEN' ? 'frozen' : 'thawed';
  }

  stats(): CgroupStats {
    return statsV1({
      memory: this.dirOf('memory'), cpu: this.dirOf('cpu'), cpuacct: this.dirOf('cpuacct'),
      pids: this.dirOf('pids'), blkio: this.dirOf('blkio'),
    });
  }

  oomKillCount(): number {
    return oomKillsV1(this.dirOf('memory'));
  }
}
