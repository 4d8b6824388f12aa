// Daemon start: make the records true again after a restart or crash. Containers still
// running are picked up (stdio and logs continue), those that died meanwhile are marked exited
// with their code and cleaned up (cgroup, mount), interrupted removals finished, and restart
// policies applied as Docker does on daemon start.
import * as path from 'node:path';
import type { ContainerContext } from './context.js';
import type { Rec } from './inspect.js';
import type { Lifecycle } from './lifecycle.js';
import { policyWantsRestart } from './restart-policy.js';
import { unmountRootfs } from './rootfs.js';
import { Task } from './task.js';

export async function reconcile(ctx: ContainerContext, lifecycle: Lifecycle, remove: (id: string) => Promise<void>): Promise<void> {
  const toRestart: Rec[] = [];
  for (const rec of ctx.store.list()) {
    try {
      if (rec.state.RemovalInProgress) {
        await remove(rec.id);
        continue;
      }
      if (rec.state.Running && !rec.state.Restarting) {
        const r = await Task.reattach(ctx.env, { id: rec.id, spec: rec.config, logOptions: ctx.logOptions(rec), hub: ctx.hub(rec.id) });
        if (r instanceof Task) {
          rec.state.Pid = r.pid;
          rec.state.Paused = r.container.status() === 'paused';
          lifecycle.watch(rec, r);
          ctx.logger.info({ id: rec.id, pid: r.pid }, 'container still running: reattached');
          continue;
        }
        Object.assign(rec.state, { Running: false, Paused: false, Pid: 0, ExitCode: r.exitCode, OOMKilled: r.oomKilled, FinishedAt: r.finishedAt });
        ctx.emit(rec, 'die', { exitCode: String(r.exitCode) });
        await ctx.saveState(rec);
        ctx.cleanups.set(rec.id, r.cleanup());
      } else {
        // Not running by the record: nothing of it may stay mounted or in the runtime.
        if (rec.state.Restarting) Object.assign(rec.state, { Running: false, Restarting: false });
        await unmountRootfs(path.join(ctx.store.dirOf(rec.id), 'rootfs'));
        if (ctx.opts.runtime.states.read(rec.id)) await ctx.opts.runtime.get(rec.id).delete(true).catch(() => ctx.opts.runtime.states.remove(rec.id));
      }
      if (rec.config.HostConfig.AutoRemove && rec.state.HasBeenStartedBefore) {
        await remove(rec.id);
        continue;
      }
      const s = rec.state;
      if (s.HasBeenStartedBefore && policyWantsRestart(rec.config.HostConfig.RestartPolicy, s.ExitCode, s.HasBeenManuallyStopped, s.RestartCount)) {
        toRestart.push(rec);
      }
    } catch (err) {
      ctx.logger.error({ err, id: rec.id }, 'reconciling container failed');
    }
  }
  await Promise.all(toRestart.map((rec) => ctx.withLock(rec.id, () => lifecycle.startLocked(rec, true)).catch((err) => {
    ctx.logger.warn({ err, id: rec.id }, 'restart at daemon start failed');
  })));
}
