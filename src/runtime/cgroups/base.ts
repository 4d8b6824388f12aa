// What the v1 and v2 drivers share: directory creation with rollback, process listing,
// kill-all through the freezer, and teardown.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Cgroup, CgroupStats, CgroupVersion, LinuxResources } from './types.js';
import { descendantsDeepestFirst, readPids, removeCgroupDir, removeIfEmpty, waitUntil, writeFile } from './fsutil.js';
import { pathLevels } from './paths.js';
import { validateResources } from './validate.js';

/** How long teardown waits for killed processes to leave the cgroup. */
const EXIT_TIMEOUT_MS = 5000;

/** One hierarchy's root and the cgroup dir in it. */
export interface Placement { root: string; dir: string }

export abstract class CgroupBase implements Cgroup {
  abstract readonly version: CgroupVersion;
  /** Dirs this instance created (for rollback when create fails). */
  protected created: string[] = [];

  constructor(readonly path: string, protected readonly placements: Placement[]) {}

  dirs(): string[] {
    return this.placements.map((p) => p.dir);
  }

  exists(): boolean {
    return this.placements.some((p) => fs.existsSync(p.dir));
  }

  /** Apply the limits (dirs exist). */
  protected abstract applyResources(r: LinuxResources, creating: boolean): void;
  /** Prepare a freshly walked level (cpuset copy on v1, subtree_control on v2). */
  protected abstract prepareLevel(root: string, levelDir: string, isLeaf: boolean): void;
  /** The dir whose cgroup.procs lists every process (v1: freezer's). */
  protected abstract procsDir(): string;
  abstract freeze(): void;
  abstract thaw(): void;
  abstract state(): 'frozen' | 'thawed';
  abstract stats(): CgroupStats;
  abstract oomKillCount(): number;

  create(resources?: LinuxResources): void {
    validateResources(resources);
    this.created = [];
    try {
      for (const p of this.placements) this.makeLevels(p);
      if (resources) this.applyResources(resources, true);
    } catch (err) {
      this.rollback();
      throw err;
    }
  }

  /** mkdir each level below the root. A concurrent destroy() may remove an empty parent: retry. */
  private makeLevels(p: Placement): void {
    if (this.makeLeaf(p)) return;
    const levels = pathLevels(this.path);
    for (let attempt = 0; ; attempt++) {
      try {
        levels.forEach((rel, i) => {
          const dir = path.join(p.root, rel);
          try {
            fs.mkdirSync(dir);
            this.created.push(dir);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          }
          this.prepareLevel(p.root, dir, i === levels.length - 1);
        });
        return;
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'ENOENT' && attempt < 3) continue;
        throw new Error(`cgroup: cannot create ${path.join(p.root, this.path)}: ${e.message}`);
      }
    }
  }

  /**
   * The usual case, with the parents there already (a kept parent like "wharf"): one mkdir, no
   * walk with an EEXIST error per level. False (nothing made) when the walk is needed.
   */
  private makeLeaf(p: Placement): boolean {
    try {
      fs.mkdirSync(p.dir);
    } catch {
      return false;
    }
    try {
      this.prepareLevel(p.root, p.dir, true);
    } catch {
      // e.g. a cpuset parent without cpus/mems: the walk prepares each level.
      try { fs.rmdirSync(p.dir); } catch { /* the walk reports */ }
      return false;
    }
    this.created.push(p.dir);
    return true;
  }

  private rollback(): void {
    for (const dir of [...this.created].reverse()) {
      try {
        removeCgroupDir(dir, 500);
      } catch {
        // Best effort: the original error is the one worth reporting.
      }
    }
    this.created = [];
  }

  abstract birthJoin(): { selfTasks: string[]; cloneInto?: string };

  join(pid: number): void {
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`cgroup: invalid pid ${pid}`);
    for (const dir of this.dirs()) {
      try {
        writeFile(path.join(dir, 'cgroup.procs'), String(pid));
      } catch (err) {
        throw new Error(`cgroup: cannot add pid ${pid} to ${dir}/cgroup.procs: ${(err as Error).message}`);
      }
    }
  }

  update(resources: LinuxResources): void {
    validateResources(resources);
    if (!this.exists()) throw new Error(`cgroup: ${this.path} does not exist`);
    this.applyResources(resources, false);
  }

  pids(): number[] {
    const all = new Set<number>();
    for (const dir of descendantsDeepestFirst(this.procsDir())) for (const pid of readPids(dir)) all.add(pid);
    return [...all].sort((a, b) => a - b);
  }

  killAll(signal: NodeJS.Signals | number = 'SIGKILL'): void {
    if (this.pids().length === 0) return;
    // Frozen processes cannot fork, so the pid list is complete when we signal it. A paused
    // cgroup stays paused, except for SIGKILL: frozen tasks only die once thawed.
    const paused = this.state() === 'frozen';
    const isKill = signal === 'SIGKILL' || signal === 9;
    let thawAfter = paused && isKill;
    if (!paused) {
      try {
        this.freeze();
        thawAfter = true;
      } catch {
        // Still signal what we can (e.g. no freezer controller).
      }
    }
    try {
      for (const pid of this.pids()) {
        try {
          process.kill(pid, signal);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
        }
      }
    } finally {
      if (thawAfter) this.thaw();
    }
  }

  destroy(opts: { keepParents?: boolean } = {}): void {
    if (this.removeEmptyLeaves()) {
      if (!opts.keepParents) this.pruneLevels(pathLevels(this.path).slice(0, -1).reverse());
      return;
    }
    if (this.exists()) {
      this.killAll('SIGKILL');
      if (!waitUntil(() => this.pids().length === 0, EXIT_TIMEOUT_MS, 5)) {
        throw new Error(`cgroup: processes ${this.pids().join(', ')} did not exit from ${this.path}`);
      }
      for (const dir of this.dirs()) for (const d of descendantsDeepestFirst(dir)) removeCgroupDir(d);
    }
    // Parents like "wharf" go too once empty; a busy parent (other containers) stays.
    if (!opts.keepParents) this.pruneLevels(pathLevels(this.path).slice(0, -1).reverse());
  }

  /**
   * destroy() of the usual case, without listing processes or child cgroups: one rmdir per
   * hierarchy, which the kernel refuses (EBUSY, ENOTEMPTY) while a process or child cgroup is in it.
   * True when every dir is gone; false (some may be gone) when the full teardown is needed.
   */
  private removeEmptyLeaves(): boolean {
    let ok = true;
    for (const dir of this.dirs()) {
      try {
        fs.rmdirSync(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') ok = false;
      }
    }
    return ok;
  }

  pruneEmpty(): void {
    this.pruneLevels(pathLevels(this.path).reverse());
  }

  private pruneLevels(levelsDeepestFirst: string[]): void {
    for (const p of this.placements) for (const rel of levelsDeepestFirst) if (!removeIfEmpty(path.join(p.root, rel))) break;
  }
}
