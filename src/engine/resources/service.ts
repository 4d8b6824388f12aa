// stats, top and update of containers: the cgroup of the running task read or changed, shaped
// as Docker answers.
import type { ContainerService } from '../containers/service.js';
import type { Rec } from '../containers/inspect.js';
import { ConflictError, SystemError } from '../errors.js';
import { dockerStats, emptyStats, takeSample, type StatsSample } from '../stats.js';
import { top, type TopResult } from './top.js';
import { liveResources, mergeUpdate, validateUpdate, type UpdateBody } from './update.js';
import { validateHostConfig } from '../containers/config.js';

const STATS_INTERVAL_MS = 1000;

export interface StatsRequest {
  stream: boolean;
  oneShot: boolean;
  /** Resolves when the client went away (stops a stream). */
  signal?: AbortSignal;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(); }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export class ResourceService {
  constructor(private readonly containers: ContainerService) {}

  /** One reading of the container's cgroup, or null when it is not running. */
  private sample(rec: Rec): StatsSample | null {
    const task = this.containers.ctx.tasks.get(rec.id);
    if (!task || !rec.state.Running || rec.state.Restarting) return null;
    try {
      return takeSample(task.container.stats());
    } catch {
      return null; // exited between the check and the read
    }
  }

  /**
   * Docker's stats: a stream of readings every second (precpu = the previous one), or a single
   * one: with one-shot right away, else after a second reading so CPU percentages can be computed.
   */
  async *stats(ref: string, req: StatsRequest): AsyncGenerator<Record<string, unknown>> {
    const rec = this.containers.get(ref);
    const who = { name: `/${rec.name}`, id: rec.id };
    let prev: StatsSample | null = null;
    if (!req.stream) {
      let cur = this.sample(rec);
      if (!cur) { yield emptyStats(who); return; }
      if (!req.oneShot) {
        await sleep(STATS_INTERVAL_MS, req.signal);
        prev = cur;
        cur = this.sample(rec) ?? cur;
      }
      yield dockerStats(cur, prev, who);
      return;
    }
    while (!req.signal?.aborted) {
      // The stream ends when the container is removed.
      if (!this.containers.ctx.store.find(rec.id)) return;
      const cur = this.sample(rec);
      if (cur) {
        yield dockerStats(cur, prev, who);
        prev = cur;
      } else {
        yield emptyStats(who);
        prev = null;
      }
      await sleep(STATS_INTERVAL_MS, req.signal);
    }
  }

  async top(ref: string, psArgs?: string): Promise<TopResult> {
    const { rec, task } = this.containers.runningTask(ref);
    const result = await top(task.container.processes(), psArgs);
    this.containers.ctx.emit(rec, 'top');
    return result;
  }

  async update(ref: string, body: UpdateBody): Promise<{ Warnings: string[] }> {
    validateUpdate(body);
    const rec = this.containers.get(ref);
    const ctx = this.containers.ctx;
    await ctx.withLock(rec.id, async () => {
      const cannot = (msg: string) => `Cannot update container ${rec.id}: ${msg}`;
      if (rec.state.RemovalInProgress || rec.state.Dead) {
        throw new ConflictError(cannot('container is marked for removal and cannot be "update"'));
      }
      let host;
      try {
        host = mergeUpdate(rec.config.HostConfig, body);
        validateHostConfig(host);
      } catch (err) {
        (err as Error).message = cannot((err as Error).message);
        throw err;
      }
      const task = ctx.tasks.get(rec.id);
      if (task && rec.state.Running && !rec.state.Restarting) {
        try {
          task.container.update(liveResources(body));
        } catch (err) {
          throw new SystemError(cannot((err as Error).message));
        }
      }
      rec.config.HostConfig = host;
      await ctx.store.saveConfig(rec.id, rec.config);
      ctx.emit(rec, 'update');
    });
    return { Warnings: [] };
  }
}
