// The writable layer of one build step: a snapshot on the parent image, mounted while the step
// works on it (a RUN process in a real container through the runtime, or COPY writing files),
// then committed as a new image whose layer is the snapshot's diff. Nothing of it outlives
// dispose(): the process, cgroup, runtime state, mount, snapshot and bundle directory all go.
// Keys are "build-<id>" so a daemon restart can sweep what a crash left (sweepBuildLeftovers).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createReadStream, createWriteStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { chainIdsOfConfig } from '../image/chain.js';
import { createImage, EMPTY_TAR_DIGEST, type ContainerConfig, type ImageStore, type Operation } from '../image/index.js';
import { diffTar, removeTree } from '../storage/index.js';
import type { Container, Runtime } from '../runtime/runtime.js';
import { runProgram } from '../storage/program-runner.js';
import { openForStart } from '../engine/stdio/fifos.js';
import type { Mount as OciMount } from '../runtime/spec/types.js';
import { buildSpec } from '../engine/oci-spec.js';
import { writeContainerFiles } from '../engine/containers/files.js';
import { isInitLayerPath } from '../engine/init-layer.js';
import { mountRootfs, readUserDb, rootfsHostMounts, unmountRootfs } from '../engine/containers/rootfs.js';
import type { HostConfig } from '../engine/docker-types.js';

import { STEP_PREFIX } from './sweep.js';

export { STEP_PREFIX, sweepBuildLeftovers } from './sweep.js';

export interface RunRequest {
  args: string[];
  env: string[];
  user: string;
  workingDir: string;
  /** 'none' (own empty network namespace), 'host', or 'default' (what the engine gives containers). */
  network: string;
  host: Partial<HostConfig>;
  mounts: OciMount[];
  onOutput(chunk: Buffer): void;
}

export interface CommitRequest {
  parent: string | null;
  config: ContainerConfig;
  containerConfig: ContainerConfig;
  containerId?: string;
  createdBy: string;
  platform?: { os: string; architecture: string; variant?: string };
  /** The build's createImage options (BuildCommits.createOptions). */
  createOptions: { durable: false; operation: Operation };
}

export class StepContainer {
  readonly key: string;
  readonly dir: string;
  readonly rootfs: string;
  private excluded: string[] = [];
  private mounted = false;
  private prepared = false;
  private deleting?: Promise<void>;

  constructor(private readonly store: ImageStore, private readonly runtime: Runtime, workRoot: string, readonly id: string, private readonly parent: string | null) {
    this.key = STEP_PREFIX + id;
    this.dir = path.join(workRoot, this.key);
    this.rootfs = path.join(this.dir, 'rootfs');
  }

  /**
   * Snapshot on the parent's layers, mounted at `rootfs` (`mount: false`, for RUN: run() has the
   * runtime's executor mount it for the container's life, which saves a mount and an umount process).
   */
  async open(opts: { mount?: boolean } = {}): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o711 });
    const top = this.parent ? await this.store.ensureImageLayers(this.parent) : null;
    // Not fsynced: a step's snapshot never outlives a crash (sweepBuildLeftovers).
    await this.store.snapshots.prepare(this.key, top, { durable: false });
    this.prepared = true;
    if (opts.mount !== false) await this.mount();
  }

  private async mount(): Promise<void> {
    await mountRootfs(this.store.snapshots, this.key, this.rootfs);
    this.mounted = true;
  }

  /** Runs the process in a container on this root; resolves with its exit code. */
  async run(req: RunRequest): Promise<number> {
    const hostNet = req.network === 'host';
    // Extra mounts need the root mounted here first, to tell which targets the layer must leave out.
    if (!this.mounted && req.mounts.length > 0) await this.mount();
    const byExecutor = !this.mounted;
    const fifoNames = { dir: this.dir, stdout: path.join(this.dir, 'stdout'), stderr: path.join(this.dir, 'stderr') };
    const [files, , hostMounts, userDb] = await Promise.all([
      writeContainerFiles(this.dir, this.id.slice(0, 12), hostNet),
      makeOutputFifos(fifoNames),
      byExecutor ? rootfsHostMounts(this.store.snapshots, this.key, this.rootfs) : undefined,
      byExecutor ? readUserDb(this.store.snapshots, this.key) : undefined,
    ]);
    // Mount targets (and parents the runtime creates for them) are not part of the layer.
    for (const m of req.mounts) {
      let p = m.destination;
      while (p !== '/' && !fs.existsSync(path.join(this.rootfs, p))) { this.excluded.push(p); p = path.posix.dirname(p); }
      this.excluded.push(m.destination);
    }
    // A missing working directory is created: here, or by the runtime in the container (as runc does).
    if (!byExecutor && req.workingDir && req.workingDir !== '/') fs.mkdirSync(path.join(this.rootfs, req.workingDir), { recursive: true, mode: 0o755 });
    const spec = buildSpec({
      rootfs: this.rootfs, image: {}, ...(userDb ? { userDb } : {}),
      config: { Cmd: req.args, Entrypoint: [], Env: req.env, User: req.user, WorkingDir: req.workingDir || '/', Hostname: this.id.slice(0, 12) },
      host: { NetworkMode: hostNet ? 'host' : 'none', ...req.host },
      files,
    });
    spec.mounts = [...(spec.mounts ?? []), ...req.mounts];
    // Output through fifos: with fds for stdio, the runtime's spawner forks the monitor (no fork of the daemon).
    const fifos = openForStart(fifoNames);
    let container: Container;
    try {
      container = await this.runtime.create(this.key, { bundle: this.dir, spec, io: { stdio: fifos.containerFds }, ...(hostMounts ? { hostMounts } : {}) });
    } catch (err) {
      fifos.stdout.destroy();
      fifos.stderr?.destroy();
      throw err;
    } finally {
      fifos.closeContainerFds();
    }
    try {
      const out = [fifos.stdout, fifos.stderr].filter((s): s is NonNullable<typeof s> => !!s);
      const drained = Promise.all(out.map((s) => new Promise<void>((resolve) => {
        s.on('data', (c: Buffer) => req.onOutput(c));
        s.on('end', resolve);
        s.on('error', () => resolve());
        s.on('close', resolve);
      })));
      await container.start();
      const exit = await container.wait();
      await Promise.race([drained, new Promise((r) => setTimeout(r, 2000).unref())]);
      return exit.code ?? 128 + signalNumber(exit.signal);
    } finally {
      for (const s of [fifos.stdout, fifos.stderr]) s?.destroy();
      // The process is gone and the executor has unmounted the root: its cgroup and runtime state
      // go while the step commits (dispose() waits for it).
      this.deleting = container.delete(true).catch(() => {});
    }
  }

  /** Commits the snapshot's changes (none: an empty layer) as a new image; returns its ID. */
  async commit(req: CommitRequest): Promise<string> {
    // The upper dir can be read while still mounted (nothing runs in it): unmount meanwhile.
    const unmounting = this.mounted ? unmountRootfs(this.rootfs).then(() => { this.mounted = false; }) : Promise.resolve();
    unmounting.catch(() => {});
    const excluded = this.excluded;
    const exclude = (p: string): boolean => isInitLayerPath(p) || excluded.some((e) => p === e || p.startsWith(e + '/'));
    const layerFile = path.join(this.dir, 'layer.tar');
    const hash = createHash('sha256');
    const hashing = new Transform({ transform(chunk: Buffer, _e, cb) { hash.update(chunk); cb(null, chunk); } });
    const skipped: string[] = [];
    await Promise.all([pipeline(diffTar(this.store.snapshots, this.key, { exclude, skipped }), hashing, createWriteStream(layerFile, { mode: 0o600 })), unmounting]);
    const empty = 'sha256:' + hash.digest('hex') === EMPTY_TAR_DIGEST;
    // With overlay the upper dir itself becomes the layer: first drop what the tar left out.
    const reuse = !empty && this.store.snapshots.driver === 'overlay';
    if (reuse) for (const p of skipped) await removeTree(path.join(this.store.snapshots.upperDir(this.key), p));
    const { id } = await createImage(this.store, {
      ...(req.parent ? { parent: req.parent } : {}),
      ...(empty ? {} : { layer: createReadStream(layerFile, { highWaterMark: 1 << 20 }) }),
      ...(reuse ? { layerSnapshot: this.key } : {}),
      config: req.config,
      createdBy: req.createdBy,
      ...(req.platform && !req.parent ? { platform: req.platform } : {}),
      extra: { ...(req.containerId ? { container: req.containerId } : {}), container_config: req.containerConfig },
      ...req.createOptions, // the build makes its steps durable at its end (durability.ts)
    });
    return id;
  }

  /** Removes everything of the step (safe after a failure at any point, and twice). */
  async dispose(): Promise<void> {
    await this.deleting;
    if (this.runtime.states.read(this.key)) await this.runtime.get(this.key).delete(true).catch(() => this.runtime.states.remove(this.key));
    await unmountRootfs(this.rootfs);
    this.mounted = false;
    if (this.prepared) {
      // Not fsynced: what a crash leaves of a step is swept at the next start (sweepBuildLeftovers).
      await this.store.snapshots.remove(this.key, { durable: false }).catch((err: Error) => { if (err.name !== 'SnapshotNotFoundError') throw err; });
      this.prepared = false;
    }
    await fs.promises.rm(this.dir, { recursive: true, force: true }); // off the event loop
  }
}

/** The stdout and stderr fifos of a RUN (mkfifo through storage's shell: no fork of the daemon). */
async function makeOutputFifos(set: { stdout: string; stderr: string }): Promise<void> {
  const r = await runProgram('mkfifo', ['-m', '600', set.stdout, set.stderr]);
  if (r.code !== 0) throw new Error(`mkfifo ${set.stdout}: ${r.stderr.trim() || `exit status ${r.code}`}`);
}

function signalNumber(sig: string | null): number {
  return sig ? (os.constants.signals as Record<string, number>)[sig] ?? 9 : 0;
}

/** Top chain ID of an image (null for none), for callers that need the parent's layers. */
export async function topChain(store: ImageStore, imageId: string | null): Promise<string | null> {
  if (!imageId) return null;
  return chainIdsOfConfig((await store.byId(imageId)).config).at(-1) ?? null;
}

