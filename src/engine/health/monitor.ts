// Healthchecks (Docker's daemon/health.go): while a container with a healthcheck runs, its probe
// is exec'd every interval; results update State.Health (starting -> healthy/unhealthy, failing
// streak, last five results) and status changes are announced as "health_status: <status>" events.
// The monitor follows containers through the event bus: start begins probing, die/destroy ends it.
import type { Logger } from 'pino';
import type { ContainerService } from '../containers/service.js';
import type { Rec } from '../containers/inspect.js';
import type { EventBus, Subscription } from '../events.js';
import type { ExecService } from '../exec/service.js';
import { effectiveHealthcheck, goDuration, type Healthcheck } from './config.js';
import type { HealthLogEntry, HealthState } from './types.js';

/** Docker keeps 4 KiB of probe output and the last 5 results. */
export const MAX_OUTPUT = 4096;
export const MAX_LOG_ENTRIES = 5;

export interface HealthMonitorOptions {
  containers: ContainerService;
  execs: ExecService;
  events: EventBus;
  logger: Logger;
}

/** Applies one probe result to the health state (Docker's handleProbeResult); returns the new status. */
export function applyResult(h: HealthState, hc: Healthcheck, entry: HealthLogEntry, startedAt: string): HealthState['Status'] {
  h.Log = [...h.Log, entry].slice(-MAX_LOG_ENTRIES);
  if (entry.ExitCode === 0) {
    h.FailingStreak = 0;
    h.Status = 'healthy';
    return h.Status;
  }
  // Failures during the start period do not count while the container has never been healthy.
  const inStartPeriod = h.Status === 'starting' && Date.parse(entry.Start) - Date.parse(startedAt) < hc.startPeriodMs;
  if (!inStartPeriod) {
    h.FailingStreak++;
    if (h.FailingStreak >= hc.retries) h.Status = 'unhealthy';
  }
  return h.Status;
}

class ContainerProbe {
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly m: HealthMonitor, private readonly rec: Rec, private readonly hc: Healthcheck) {}

  start(): void { this.schedule(); }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => { void this.probe(); }, this.hc.intervalMs);
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    const start = new Date();
    let entry: HealthLogEntry;
    try {
      const r = await this.m.opts.execs.probe(this.rec.id, this.hc.cmd, this.hc.timeoutMs, MAX_OUTPUT);
      entry = r.timedOut
        ? { Start: start.toISOString(), End: new Date().toISOString(), ExitCode: -1, Output: `Health check exceeded timeout (${goDuration(this.hc.timeoutMs)})` }
        : { Start: start.toISOString(), End: new Date().toISOString(), ExitCode: r.exitCode, Output: r.output };
    } catch (err) {
      entry = { Start: start.toISOString(), End: new Date().toISOString(), ExitCode: -1, Output: (err as Error).message };
    }
    if (this.stopped) return;
    const h = this.rec.state.Health;
    if (h) {
      const before = h.Status;
      const after = applyResult(h, this.hc, entry, this.rec.state.StartedAt);
      await this.m.save(this.rec);
      if (after !== before && !this.stopped) this.m.opts.containers.ctx.emit(this.rec, `health_status: ${after}`);
    }
    this.schedule();
  }
}

export class HealthMonitor {
  private readonly probes = new Map<string, ContainerProbe>();
  private readonly sub: Subscription;

  constructor(readonly opts: HealthMonitorOptions) {
    this.sub = opts.events.subscribe({}, (ev) => {
      if (ev.Type !== 'container') return;
      if (ev.Action === 'start') this.begin(ev.Actor.ID);
      else if (ev.Action === 'die' || ev.Action === 'destroy') this.end(ev.Actor.ID);
    });
    // Containers picked up running after a daemon restart.
    for (const id of opts.containers.ctx.tasks.keys()) this.begin(id);
  }

  /** Starts probing a container that just started (its health back to "starting"). */
  private begin(id: string): void {
    this.end(id);
    const rec = this.opts.containers.ctx.store.find(id);
    if (!rec || rec.id !== id) return;
    const hc = effectiveHealthcheck(rec.config.Config.Healthcheck);
    if (!hc) return;
    const prev = rec.state.Health;
    rec.state.Health = { Status: 'starting', FailingStreak: 0, Log: prev?.Log ?? [] };
    void this.save(rec);
    const probe = new ContainerProbe(this, rec, hc);
    this.probes.set(id, probe);
    probe.start();
  }

  private end(id: string): void {
    this.probes.get(id)?.stop();
    this.probes.delete(id);
  }

  async save(rec: Rec): Promise<void> {
    if (!this.opts.containers.ctx.store.find(rec.id)) return;
    await this.opts.containers.ctx.saveState(rec).catch((err) => this.opts.logger.warn({ err, id: rec.id }, 'saving health state failed'));
  }

  /** Stops every probe (daemon shutdown). */
  close(): void {
    this.sub.close();
    for (const id of [...this.probes.keys()]) this.end(id);
  }
}
