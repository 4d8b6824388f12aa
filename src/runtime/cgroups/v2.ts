// cgroup v2 driver: one directory in the unified hierarchy; controllers are enabled for it
// through each ancestor's cgroup.subtree_control, devices through an eBPF program.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CgroupStats, DeviceProgramLoader, LinuxResources } from './types.js';
import { CgroupBase } from './base.js';
import { parseFlatKeyed, readNumber, tryRead, waitUntil, writeFile } from './fsutil.js';
import { applyWrites } from './apply.js';
import { v2Writes } from './v2-settings.js';
import { oomKillsV2, statsV2 } from './stats.js';
import { deviceProgram } from './devicefilter.js';

const FREEZE_TIMEOUT_MS = 5000;

function words(text: string | undefined): string[] {
  return (text ?? '').trim().split(/\s+/).filter(Boolean);
}

export class V2Cgroup extends CgroupBase {
  readonly version = 'v2' as const;
  private readonly dir: string;

  constructor(relPath: string, root: string, private readonly deviceLoader?: DeviceProgramLoader) {
    super(relPath, [{ root, dir: path.join(root, relPath) }]);
    this.dir = path.join(root, relPath);
  }

  /**
   * Enable every available controller for the children of `parent` (runc does the same), so the
   * leaf gets memory, cpu, io, pids, ... files. Controllers that refuse (e.g. a threaded
   * subtree) are skipped one by one.
   */
  private enableControllers(parent: string): void {
    const available = words(tryRead(path.join(parent, 'cgroup.controllers')));
    const enabled = new Set(words(tryRead(path.join(parent, 'cgroup.subtree_control'))));
    const missing = available.filter((c) => !enabled.has(c));
    if (missing.length === 0) return;
    const file = path.join(parent, 'cgroup.subtree_control');
    try {
      writeFile(file, missing.map((c) => `+${c}`).join(' '));
    } catch {
      for (const c of missing) {
        try {
          writeFile(file, `+${c}`);
        } catch {
          // This controller stays off; writes that need it will name the missing file.
        }
      }
    }
  }

  protected prepareLevel(_root: string, levelDir: string): void {
    this.enableControllers(path.dirname(levelDir));
  }

  birthJoin(): { selfTasks: string[]; cloneInto?: string } {
    return { selfTasks: [], cloneInto: this.dir };
  }

  protected procsDir(): string {
    return this.dir;
  }

  protected applyResources(r: LinuxResources, creating: boolean): void {
    if (!creating && r.memory?.limit !== undefined && r.memory.limit > 0) this.checkLimitAboveUsage(r.memory.limit);
    const writes = v2Writes(r, {
      has: (file) => fs.existsSync(path.join(this.dir, file)),
      currentMemoryLimit: () => readNumber(path.join(this.dir, 'memory.max')) ?? -1,
    });
    applyWrites(writes, () => this.dir);
    if (r.devices) {
      if (!this.deviceLoader) {
        throw new Error('linux.resources.devices: cgroup v2 needs a device program loader (openCgroup(path, { deviceLoader }))');
      }
      try {
        this.deviceLoader(this.dir, deviceProgram(r.devices));
      } catch (err) {
        throw new Error(`linux.resources.devices: cannot load the device program on ${this.dir}: ${(err as Error).message}`);
      }
    }
  }

  /**
   * v2 answers a memory.max below usage with reclaim and then the OOM killer; refuse instead
   * when the anonymous memory (which cannot be reclaimed without swap) is above the new limit.
   */
  private checkLimitAboveUsage(limit: number): void {
    const current = readNumber(path.join(this.dir, 'memory.current')) ?? 0;
    const stat = parseFlatKeyed(tryRead(path.join(this.dir, 'memory.stat')));
    const unreclaimable = current - (stat.file ?? 0);
    if (!this.canSwap() && limit < unreclaimable) {
      throw new Error(`cgroup: cannot set linux.resources.memory.limit to ${limit}: it is below the memory the container ` +
        `already uses and cannot be reclaimed (current usage ${current} bytes, ${unreclaimable} not reclaimable; ${this.dir}/memory.max)`);
    }
  }

  private canSwap(): boolean {
    if (tryRead(path.join(this.dir, 'memory.swap.max'))?.trim() === '0') return false;
    return (parseFlatKeyed(tryRead('/proc/meminfo')?.replace(/:/g, '')).SwapTotal ?? 0) > 0;
  }

  private frozen(): boolean {
    return parseFlatKeyed(tryRead(path.join(this.dir, 'cgroup.events'))).frozen === 1;
  }

  freeze(): void {
    writeFile(path.join(this.dir, 'cgroup.freeze'), '1');
    if (!waitUntil(() => this.frozen(), FREEZE_TIMEOUT_MS, 1)) {
      writeFile(path.join(this.dir, 'cgroup.freeze'), '0');
      throw new Error(`cgroup: ${this.path} did not freeze within ${FREEZE_TIMEOUT_MS} ms`);
    }
  }

  thaw(): void {
    writeFile(path.join(this.dir, 'cgroup.freeze'), '0');
    if (!waitUntil(() => !this.frozen(), FREEZE_TIMEOUT_MS, 1)) {
      throw new Error(`cgroup: ${this.path} did not thaw within ${FREEZE_TIMEOUT_MS} ms`);
    }
  }

  state(): 'frozen' | 'thawed' {
    return this.frozen() ? 'frozen' : 'thawed';
  }

  override killAll(signal: NodeJS.Signals | number = 'SIGKILL'): void {
    // cgroup.kill (Linux 5.14+) kills the whole subtree atomically, no freezing needed.
    const killFile = path.join(this.dir, 'cgroup.kill');
    if ((signal === 'SIGKILL' || signal === 9) && fs.existsSync(killFile)) {
      if (this.pids().length > 0) writeFile(killFile, '1');
      return;
    }
    super.killAll(signal);
  }

  stats(): CgroupStats {
    return statsV2(this.dir);
  }

  oomKillCount(): number {
    return oomKillsV2(this.dir);
  }
}
