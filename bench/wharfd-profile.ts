// Where the engine's milliseconds go in `run --rm busybox true`: the engine opened in this
// process (no HTTP, no CLI), its collaborators' methods wrapped with timers, and the pieces that
// cannot be wrapped (spec build, spawning mount/umount, fsync'd JSON writes) measured alone.
// Used by wharfd.bench.ts.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { buildBusyboxImage } from '../src/image/index.js';
import { Engine } from '../src/engine/engine.js';
import { EventBus } from '../src/engine/events.js';
import { buildSpec } from '../src/engine/oci-spec.js';
import { Container } from '../src/runtime/runtime.js';
import { writeJsonAtomic } from '../src/storage/atomic.js';
import { makeTempDir } from '../test/helpers/wharfd.js';
import { measure, printTable, type Row } from './lib.js';

const execFileP = promisify(execFile);
type Phases = Map<string, number[]>;

/** Replaces obj[method] (async) by a timed version adding to phases[label]. */
function wrap(phases: Phases, obj: object, method: string, label: string): void {
  const o = obj as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const orig = o[method]!;
  o[method] = async function (this: unknown, ...args: unknown[]) {
    const t0 = performance.now();
    try {
      return await orig.apply(this, args);
    } finally {
      const list = phases.get(label) ?? [];
      list.push(performance.now() - t0);
      phases.set(label, list);
    }
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(0.9 * xs.length))] ?? NaN;

export async function profileEngine(runs: number): Promise<void> {
  const dir = makeTempDir();
  const dataRoot = path.join(dir, 'root');
  const execRoot = path.join(dir, 'exec');
  const phases: Phases = new Map();
  let engine: Engine | undefined;
  try {
    engine = await Engine.open({ dataRoot, execRoot, events: new EventBus(), logger: pino({ level: 'silent' }) });
    await buildBusyboxImage(engine.images);
    const svc = engine.containers;
    const snaps = engine.images.snapshots;
    // Call counts per run tell how often a step happens (e.g. state saves).
    wrap(phases, engine.images, 'get', 'create: image lookup');
    wrap(phases, engine.images, 'ensureImageLayers', 'create: ensure image layers');
    wrap(phases, snaps, 'prepare', 'create: snapshot prepare (overlay dirs made in place, no fsync)');
    wrap(phases, svc.ctx.store, 'create', 'create: container record (config.json fsync\'d: the commit point; not with AutoRemove)');
    wrap(phases, snaps, 'mounts', 'start: rootfs mount list (the executor mounts it)');
    wrap(phases, engine.runtime, 'create', 'start: runtime create (spec compile, cgroup, executor: rootfs mount, clone, setup up to the barrier)');
    wrap(phases, Container.prototype, 'start', 'start: runtime start (release + execve)');
    wrap(phases, svc.ctx.store, 'saveState', 'state save (rewritten in place by one write, not fsync\'d), any phase');
    wrap(phases, Container.prototype, 'delete', 'exit: runtime delete (cgroup rmdir; state dir renamed aside)');
    wrap(phases, snaps, 'remove', 'remove: snapshot remove (renamed aside, deleted in the background)');
    wrap(phases, svc.ctx.store, 'remove', 'remove: container record (renamed aside, deleted in the background)');

    const top = { create: [] as number[], start: [] as number[], exit: [] as number[], remove: [] as number[] };
    const once = async (): Promise<void> => {
      const t0 = performance.now();
      const { Id } = await svc.create(undefined, { Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'none' } });
      const t1 = performance.now();
      const waited = svc.wait(Id, 'next-exit');
      await svc.start(Id);
      const t2 = performance.now();
      const r = await waited;
      if (r.StatusCode !== 0) throw new Error(`exit ${r.StatusCode}`);
      const t3 = performance.now();
      await svc.remove(Id);
      const t4 = performance.now();
      top.create.push(t1 - t0); top.start.push(t2 - t1); top.exit.push(t3 - t2); top.remove.push(t4 - t3);
    };
    const total = await measure('engine: create+start+wait+remove (in process)', runs, once);
    const phasesOfTotal = new Map([...phases].map(([k, v]) => [k, [...v]])); // before the next flow adds to them
    // What `docker run --rm` asks: AutoRemove (volatile overlay, record not fsync'd), wait for the removal.
    const autoRemove = await measure('engine: create (AutoRemove)+start+wait removed (docker run --rm\'s calls)', runs, async () => {
      const { Id } = await svc.create(undefined, { Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'none', AutoRemove: true } });
      const removed = svc.wait(Id, 'removed');
      await svc.start(Id);
      if ((await removed).StatusCode !== 0) throw new Error('exit');
    });
    const warm = 2;
    const rows: Row[] = [total, autoRemove];
    for (const [k, xs] of Object.entries(top)) rows.push({ name: `${k} (whole call)`, runs: xs.length - warm, median: median(xs.slice(warm)), p90: p90(xs.slice(warm)) });
    for (const [label, xs] of phasesOfTotal) {
      const perRun = xs.length / (runs + warm);
      rows.push({ name: `  ${label}`, runs: xs.length, median: median(xs), p90: p90(xs), note: perRun === 1 ? '' : `${perRun.toFixed(1)} calls per run` });
    }

    // What the wrappers cannot see.
    const rec = svc.get((await svc.create(undefined, { Image: 'busybox', Cmd: ['true'] })).Id);
    const c = rec.config;
    rows.push(await measure('  buildSpec (Docker defaults incl. seccomp profile)', runs, () => buildSpec({
      rootfs: '/x', image: {}, config: c.Config, host: c.HostConfig, files: { hostname: c.HostnamePath, hosts: c.HostsPath, resolvConf: c.ResolvConfPath },
    })));
    rows.push(await measure('  spawn a process (execFile true): the executor spawn\'s floor', runs, () => execFileP('true')));
    const probe = path.join(dataRoot, 'containers', rec.id, 'probe.json');
    rows.push(await measure('  writeJsonAtomic 2 kB (2 fsyncs) on the data root', runs, () => writeJsonAtomic(probe, rec.state)));
    rows.push(await measure('  same, durable: false (write + rename, as state saves)', runs, () => writeJsonAtomic(probe, rec.state, 0o644, { durable: false })));
    await svc.remove(rec.id);
    printTable(`engine profile: ${runs} runs of busybox true, --network none, in process (ms; the phase rows are parts of the whole calls above)`, rows);
  } finally {
    await engine?.shutdown().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
