// The runtime library: OCI config in, isolated process out. Runtime creates and finds
// containers; Container drives one through its lifecycle (created → running → stopped).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { openCgroup } from './cgroups/index.js';
import type { Cgroup, CgroupStats } from './cgroups/types.js';
import { loadDeviceProgram } from './executor/bpf.js';
import { discardMonitor, ExecutorSpawner, requestMonitor, type MonitorProcess } from './executor/spawner.js';
import { readStatusFile } from './executor/status.js';
import { effectiveDeviceRules } from './spec/defaults.js';
import type { LinuxResources, Process, Spec, State } from './spec/types.js';
import { StateDir, type ContainerRecord, processStartTime } from './state.js';
import type { HostMount, LaunchIO, Launched } from './launch.js';
import { waitForPidExit } from './wait.js';
import { resizeTerminalOf } from './terminal.js';

export type { HostMount } from './launch.js';

export type ContainerStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface RuntimeOptions {
  /** Directory for runtime state (like runc --root). */
  root: string;
  /** Parent cgroup used when the spec has no cgroupsPath. */
  cgroupParent?: string;
  /**
   * Fork container monitors from a long-lived `wharf-exec spawner` (for a daemon: spawning from
   * Node blocks its event loop for milliseconds per container). close() stops it.
   */
  spawner?: boolean;
  /**
   * Keep the parent cgroup (e.g. "wharf") when a container goes, instead of removing it once
   * empty and recreating it for the next one; close() removes it if empty. For a daemon.
   */
  keepCgroupParent?: boolean;
  /**
   * Delete a deleted container's state directory in the background (StateDir.discard), so delete()
   * returns sooner; trash an earlier process left is swept now. For a daemon (settle() awaits).
   */
  backgroundDeletes?: boolean;
}

export interface CreateOptions {
  bundle: string;
  /** Spec object; when absent, read and validate <bundle>/config.json. */
  spec?: unknown;
  io?: LaunchIO;
  /** runc's --console-socket: the pty master is sent there instead of being relayed. */
  consoleSocket?: string;
  /**
   * 'message' (default): start() releases the process over the control channel (same process).
   * 'fifo': the process waits on <state>/exec.fifo, so another process can start it (CLI).
   */
  startMode?: 'message' | 'fifo';
  /**
   * Mounts the executor makes on the host before cloning (e.g. the rootfs overlay at root.path)
   * and undoes after the init exits: no mount/umount process per container.
   */
  hostMounts?: HostMount[];
  /** The monitor asked for with requestMonitor(io) for the same `io`; create() takes it over. */
  monitor?: PendingMonitor;
}

/** A monitor asked of the spawner ahead of create() (see Runtime.requestMonitor). */
export type PendingMonitor = Promise<MonitorProcess>;

export interface ExitInfo { code: number | null; signal: string | null }

export class Runtime {
  readonly states: StateDir;
  readonly cgroupParent: string;
  private readonly spawner?: ExecutorSpawner;
  readonly keepCgroupParent: boolean;
  readonly backgroundDeletes: boolean;

  constructor(opts: RuntimeOptions) {
    this.states = new StateDir(resolve(opts.root));
    this.cgroupParent = opts.cgroupParent ?? 'wharf';
    this.keepCgroupParent = opts.keepCgroupParent === true;
    this.backgroundDeletes = opts.backgroundDeletes === true;
    if (this.backgroundDeletes) this.states.sweepTrash();
    if (opts.spawner) this.spawner = new ExecutorSpawner(join(this.states.root, '.executor.sock'));
  }

  /**
   * Asks the spawner now for the monitor of a container that create() will make with the same
   * `io` (CreateOptions.monitor), so it is forked while the caller still prepares the rest.
   * Undefined without a spawner or for stdio it cannot pass. One not given to create() must be
   * given back with releaseMonitor().
   */
  requestMonitor(io: LaunchIO | undefined): PendingMonitor | undefined {
    return this.spawner ? requestMonitor(this.spawner, io?.stdio ?? 'inherit', io?.detached ?? false) : undefined;
  }

  /** Lets a requested monitor go unused: it exits without ever running anything. */
  releaseMonitor(m: PendingMonitor | undefined): void {
    discardMonitor(m);
  }

  /** Resolves once background deletions (backgroundDeletes) are done. */
  settle(): Promise<void> {
    return this.states.settle();
  }

  /** Stops the spawner, if any (containers and their monitors keep running); removes an empty kept parent cgroup. */
  close(): void {
    this.spawner?.close();
    if (this.keepCgroupParent) openCgroup(this.cgroupParent).pruneEmpty();
  }

  /** Sets up the container up to the start barrier: namespaces, cgroup, mounts, all but exec. */
  async create(id: string, opts: CreateOptions): Promise<Container> {
    const bundle = resolve(opts.bundle);
    const { validateSpec, launch } = await createModules();
    let spec: Spec;
    let dir: string;
    try {
      spec = validateSpec(opts.spec ?? readConfig(bundle));
      const rootPath = resolve(bundle, spec.root!.path);
      if (!existsSync(rootPath)) throw new Error(`root.path: rootfs "${rootPath}" does not exist`);
      dir = this.states.reserve(id);
    } catch (err) {
      discardMonitor(opts.monitor);
      throw err;
    }
    // The spec copy is written by the thread pool while this thread makes the cgroup and the plan.
    const specCopy = writeFile(join(dir, 'config.json'), JSON.stringify(spec));
    specCopy.catch(() => {}); // awaited below
    const cgroupPath = spec.linux?.cgroupsPath?.replace(/^\/+/, '') || `${this.cgroupParent}/${id}`;
    const cgroup = openCgroup(cgroupPath, { deviceLoader: loadDeviceProgram });
    let launched: Launched | undefined;
    try {
      if (opts.startMode === 'fifo') makeExecFifo(join(dir, 'exec.fifo'));
      launched = await launch({
        spec, bundle, cgroup, io: opts.io, consoleSocket: opts.consoleSocket,
        prepare: () => cgroup.create({ ...spec.linux?.resources, devices: effectiveDeviceRules(spec) }),
        startMode: opts.startMode ?? 'message', fifoPath: join(dir, 'exec.fifo'),
        statusFile: join(dir, 'exit-status'), cacheDir: this.states.cacheDir, hostMounts: opts.hostMounts, spawner: this.spawner,
        monitor: opts.monitor,
      });
      const rec: ContainerRecord = {
        ociVersion: spec.ociVersion, id, bundle, pid: launched.pid,
        pidStartTime: processStartTime(launched.pid) ?? '', monitorPid: launched.monitorPid,
        monitorStartTime: processStartTime(launched.monitorPid) ?? '',
        cgroupPath, statusFile: join(dir, 'exit-status'), created: new Date().toISOString(),
        started: false, annotations: spec.annotations ?? {},
        ownPidNamespace: (spec.linux?.namespaces ?? []).some((n) => n.type === 'pid' && !n.path),
      };
      await specCopy;
      this.states.write(rec);
      // The spec (tens of kB with its seccomp profile) is read back from the copy when needed
      // (exec), not held for the life of every container.
      return new Container(this, rec, () => readSpecCopy(dir) ?? ({ ociVersion: rec.ociVersion } as Spec), cgroup, launched);
    } catch (err) {
      // Nothing of a failed create may stay: its process, cgroup or state directory.
      if (launched) {
        try { process.kill(launched.pid, 'SIGKILL'); } catch { /* already gone */ }
        await launched.exited.catch(() => undefined);
      } else {
        discardMonitor(opts.monitor);
      }
      try { cgroup.destroy(); } catch { /* the create error is the one to report */ }
      await specCopy.catch(() => {});
      this.states.remove(id);
      throw err;
    }
  }

  /** Finds a container created by this or another process. */
  get(id: string): Container {
    const rec = this.states.read(id);
    if (!rec) throw new Error(`container "${id}" does not exist`);
    // The spec copy is large (seccomp): read it only when asked for (exec), not for state or list.
    const spec = () => readSpecCopy(this.states.dir(id)) ?? ({ ociVersion: rec.ociVersion } as Spec);
    return new Container(this, rec, spec, openCgroup(rec.cgroupPath, { deviceLoader: loadDeviceProgram }));
  }

  list(): State[] {
    const out: State[] = [];
    for (const id of this.states.ids()) {
      try { out.push(this.get(id).state()); } catch { /* removed meanwhile */ }
    }
    return out;
  }
}

export class Container {
  private specValue?: Spec;

  constructor(
    private readonly runtime: Runtime,
    private rec: ContainerRecord,
    private readonly loadSpec: () => Spec,
    readonly cgroup: Cgroup,
    private readonly launched?: Launched,
  ) {}

  /** The validated config the container was created from. */
  get spec(): Spec { return (this.specValue ??= this.loadSpec()); }

  get id(): string { return this.rec.id; }
  get pid(): number { return this.rec.pid; }
  /** The pty master relay / pipes of the init process (in the creating process only). */
  get io(): Launched['io'] | undefined { return this.launched?.io; }
  /** Stops following the monitor (it keeps the container and records its exit). */
  detach(): void { this.detachedMonitor = true; this.launched?.detach(); }
  private detachedMonitor = false;

  /**
   * Sets the terminal size of a container created with a pty. Through the monitor when this
   * process created it; otherwise (a daemon restarted since) on the pty itself, reached through
   * the init's stdio in /proc: TIOCSWINSZ on the slave also signals SIGWINCH.
   */
  async resize(rows: number, cols: number): Promise<void> {
    if (this.launched) return this.launched.io.resize(rows, cols);
    await resizeTerminalOf(this.rec.pid, rows, cols);
  }

  status(): ContainerStatus {
    if (processStartTime(this.rec.pid) !== this.rec.pidStartTime || !this.rec.pidStartTime) return 'stopped';
    if (!this.rec.started) return 'created';
    try {
      if (this.cgroup.state() === 'frozen') return 'paused';
    } catch { /* no freezer */ }
    return 'running';
  }

  state(): State {
    const status = this.status();
    return {
      ociVersion: this.rec.ociVersion, id: this.rec.id, status,
      pid: status === 'stopped' ? 0 : this.rec.pid, bundle: this.rec.bundle,
      annotations: this.rec.annotations,
    } as State;
  }

  /** Releases the init process to exec the user program. */
  async start(): Promise<void> {
    const status = this.status();
    if (status !== 'created') throw new Error(`cannot start container "${this.id}": it is ${status}, not created`);
    if (this.launched) await this.launched.start();
    else await startThroughFifo(join(this.runtime.states.dir(this.id), 'exec.fifo'));
    this.rec = { ...this.rec, started: true };
    this.runtime.states.write(this.rec);
  }

  kill(signal: NodeJS.Signals | number = 'SIGTERM', all = false): void {
    if (this.status() === 'stopped') throw new Error(`cannot kill container "${this.id}": it is not running`);
    if (all) { this.cgroup.killAll(signal); return; }
    process.kill(this.rec.pid, signal);
  }

  /** Resolves when the init process has exited. */
  async wait(): Promise<ExitInfo> {
    if (this.launched) {
      const e = await this.launched.exited;
      return { code: e.code, signal: e.signal };
    }
    await waitForPidExit(this.rec.pid, this.rec.pidStartTime);
    await this.monitorGone();
    const s = readStatusFile(this.rec.statusFile);
    return { code: s?.code ?? null, signal: s?.signal ?? null };
  }

  pause(): void {
    const s = this.status();
    if (s !== 'running') throw new Error(`cannot pause container "${this.id}": it is ${s}`);
    this.cgroup.freeze();
  }

  resume(): void {
    const s = this.status();
    if (s !== 'paused') throw new Error(`cannot resume container "${this.id}": it is ${s}, not paused`);
    this.cgroup.thaw();
  }

  update(resources: LinuxResources): void {
    if (this.status() === 'stopped') throw new Error(`cannot update container "${this.id}": it is stopped`);
    this.cgroup.update(resources);
  }

  stats(): CgroupStats { return this.cgroup.stats(); }
  processes(): number[] { return this.cgroup.pids(); }
  oomKilled(): boolean { try { return this.cgroup.oomKillCount() > 0; } catch { return false; } }

  /** Runs an extra process in every namespace and the cgroup of the running container. */
  async exec(process: Process, io?: LaunchIO, consoleSocket?: string): Promise<Launched> {
    if (this.status() !== 'running') throw new Error(`cannot exec in container "${this.id}": it is not running`);
    // No status file: an exec'd process is waited for by whoever started it.
    const { launch } = await createModules();
    const launched = await launch({
      spec: this.spec, bundle: this.rec.bundle, cgroup: this.cgroup, io, consoleSocket,
      startMode: 'message', statusFile: '', fifoPath: '', cacheDir: this.runtime.states.cacheDir,
      exec: { initPid: this.rec.pid, process },
    });
    await launched.start();
    return launched;
  }

  /** Removes the container: refuses a live one unless forced (then kills it). */
  async delete(force = false): Promise<void> {
    const status = this.status();
    if (status !== 'stopped' && status !== 'created' && !force) {
      throw new Error(`cannot delete container "${this.id}": it is ${status} (use force)`);
    }
    if (status !== 'stopped') {
      if (status === 'paused') this.cgroup.thaw();
      try { process.kill(this.rec.pid, 'SIGKILL'); } catch { /* already gone */ }
      if (this.launched) await this.launched.exited;
      else await waitForPidExit(this.rec.pid, this.rec.pidStartTime);
    }
    // Without its own pid namespace the init's death does not kill the rest.
    if (this.cgroup.exists()) this.cgroup.destroy({ keepParents: this.runtime.keepCgroupParent });
    const monitorGone = this.monitorGone();
    // In the background the state directory is renamed aside now and deleted once the monitor
    // (which writes its status file there) is gone.
    if (this.runtime.backgroundDeletes) return this.runtime.states.discard(this.id, monitorGone);
    await monitorGone;
    this.runtime.states.remove(this.id);
  }

  /** The monitor reports the exit, then writes the status file into the state dir and exits. */
  private async monitorGone(): Promise<void> {
    // Its control channel closes as it exits: no polling of /proc (a launched monitor not detached).
    if (this.launched && !this.detachedMonitor) {
      if (await settlesWithin(this.launched.monitorGone, 5000)) return;
    }
    const monitor = this.rec.monitorStartTime ? this.rec.monitorPid : 0;
    if (monitor > 0) await waitForPidExit(monitor, this.rec.monitorStartTime, 5000);
  }
}

function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void p.then(() => { clearTimeout(timer); resolve(true); }, () => { clearTimeout(timer); resolve(true); });
  });
}

/** Validation and launching load a few hundred kB of code: only commands that create or exec
 *  need them (state, kill, list... start faster without). */
async function createModules() {
  const [{ validateSpec }, { launch }] = await Promise.all([import('./spec/validate.js'), import('./launch.js')]);
  return { validateSpec, launch };
}

function readConfig(bundle: string): unknown {
  const file = join(bundle, 'config.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`bundle: ${file} does not exist`);
    throw new Error(`bundle: ${file}: ${(err as Error).message}`);
  }
}


function readSpecCopy(dir: string): Spec | null {
  try { return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Spec; } catch { return null; }
}

/** runc's exec.fifo: the init blocks opening it for writing until `start` opens it for reading.
 *  Mode 0622 so a container root mapped to another uid can open it too. Node has no mkfifo. */
function makeExecFifo(path: string): void {
  try {
    execFileSync('mkfifo', ['-m', '0622', path], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`cannot make exec fifo ${path}: ${(err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message}`);
  }
}

/** Opening the fifo for reading releases the init blocked opening it for writing. */
async function startThroughFifo(fifo: string): Promise<void> {
  const { open } = await import('node:fs/promises');
  const fh = await open(fifo, 'r');
  await fh.read(Buffer.alloc(1), 0, 1, null).catch(() => undefined);
  await fh.close();
  rmSync(fifo, { force: true });
}
