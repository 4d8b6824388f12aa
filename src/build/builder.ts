// A Dockerfile build as Docker's legacy builder runs it (POST /build): the context tar is
// extracted, the Dockerfile parsed and checked before any step runs, the stages the target
// needs are built in order ("Step N/M : ..."), then the image is tagged. Steps run in real
// containers (see step-container.ts); failures leave no container, mount or snapshot behind.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { hostPlatform, ImageNotFoundError, parseNormalizedTagged, familiarString, type ImageStore } from '../image/index.js';
import type { Runtime } from '../runtime/runtime.js';
import type { HostConfig } from '../engine/docker-types.js';
import { InvalidParameterError } from '../engine/errors.js';
import type { EventBus } from '../engine/events.js';
import { BuildCache } from './cache.js';
import { BuildCommits } from './durability.js';
import { applyDockerignore, extractContext, readContextFile, readIgnorePatterns } from './context.js';
import { Dispatcher, PROXY_ARGS, StageState, type BuildEnv } from './dispatch.js';
import { BuildError, DockerfileError } from './dockerfile/errors.js';
import { parseInstruction, typedInstructions, type Instruction } from './dockerfile/instructions.js';
import { parseDockerfile } from './dockerfile/parse.js';
import { processWord } from './dockerfile/shell-lex.js';
import type { Progress } from './output.js';
import { neededStages, splitStages, stageByRef, targetStage, type Stage } from './stages.js';
import { buildWorkRoot, sweepBuildLeftovers } from './sweep.js';

export interface BuildOptions {
  /** Path of the Dockerfile inside the context (default "Dockerfile"). */
  dockerfile?: string;
  tags?: string[];
  buildArgs?: Record<string, string | null>;
  labels?: Record<string, string>;
  noCache?: boolean;
  pull?: boolean;
  target?: string;
  cacheFrom?: string[];
  rm?: boolean;
  forceRm?: boolean;
  /** default | bridge | none | host */
  networkMode?: string;
  platform?: string;
  /** Resource limits of RUN containers (memory, cpu, shm size). */
  host?: Partial<HostConfig>;
  /** Aborted when the client goes away: the build stops before its next step. */
  signal?: AbortSignal;
}

export interface BuildResult {
  id: string;
  tags: string[];
}

export interface BuilderOptions {
  store: ImageStore;
  runtime: Runtime;
  dataRoot: string;
  events?: EventBus;
}

const short = (id: string | null): string => (id ? id.replace(/^sha256:/, '').slice(0, 12) : '');

function parsePlatform(p: string | undefined): { os: string; architecture: string; variant?: string } {
  if (!p) return hostPlatform();
  const [os, architecture, variant] = p.split('/');
  if (!os || !architecture) throw new InvalidParameterError(`invalid platform "${p}": expected os/arch[/variant]`);
  if (os !== 'linux') throw new InvalidParameterError(`invalid platform "${p}": only linux is supported`);
  return { os, architecture, ...(variant ? { variant } : {}) };
}

export class Builder {
  readonly workRoot: string;
  readonly cacheMountRoot: string;

  constructor(private readonly opts: BuilderOptions) {
    this.workRoot = buildWorkRoot(opts.dataRoot);
    this.cacheMountRoot = path.join(opts.dataRoot, 'builder', 'cache-mounts');
  }

  /** Daemon start: removes what an interrupted build left. */
  async init(): Promise<void> {
    await sweepBuildLeftovers(this.opts.store, this.opts.runtime, this.workRoot);
    fs.mkdirSync(this.cacheMountRoot, { recursive: true, mode: 0o700 });
  }

  /** Checks the request before anything is read or written. */
  validate(o: BuildOptions): { tags: string[] } {
    const tags = (o.tags ?? []).map((t) => {
      let ref;
      try { ref = parseNormalizedTagged(t); } catch (err) { throw new InvalidParameterError(`invalid tag ${JSON.stringify(t)}: ${(err as Error).message}`); }
      if (ref.digest) throw new InvalidParameterError(`invalid tag ${JSON.stringify(t)}: a tag cannot hold a digest`);
      return familiarString(ref);
    });
    const net = o.networkMode ?? 'default';
    if (!['default', 'bridge', 'none', 'host', ''].includes(net)) throw new InvalidParameterError(`networkmode: unsupported network mode ${JSON.stringify(net)} (default, bridge, none or host)`);
    parsePlatform(o.platform);
    return { tags };
  }

  async build(context: Readable, o: BuildOptions, progress: Progress): Promise<BuildResult> {
    const { tags } = this.validate(o);
    fs.mkdirSync(this.workRoot, { recursive: true, mode: 0o711 });
    const contextDir = fs.mkdtempSync(path.join(this.workRoot, 'context-'));
    const commits = new BuildCommits(this.opts.store);
    try {
      await extractContext(context, contextDir);
      const dfName = o.dockerfile || 'Dockerfile';
      let text = readContextFile(contextDir, dfName);
      if (!text && !o.dockerfile) text = readContextFile(contextDir, 'dockerfile');
      if (!text) throw new InvalidParameterError(`Cannot locate specified Dockerfile: ${dfName}`);
      const ignore = readContextFile(contextDir, '.dockerignore');
      if (ignore) applyDockerignore(contextDir, readIgnorePatterns(ignore.toString('utf8')));
      const file = path.posix.basename(dfName);
      const df = parseDockerfile(text.toString('utf8'), file);
      const insts = typedInstructions(df);
      const { globalArgs, stages } = splitStages(insts, file);
      const target = targetStage(stages, o.target);
      if (o.labels && Object.keys(o.labels).length) {
        const pairs = Object.entries(o.labels).map(([k, v]): [string, string] => [JSON.stringify(k), `'${v}'`]);
        target.commands.push({ kind: 'LABEL', line: 0, original: `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`, pairs });
      }
      return await this.run(o, tags, contextDir, file, df.escape, globalArgs, stages, target, progress, commits);
    } finally {
      await Promise.all([fs.promises.rm(contextDir, { recursive: true, force: true }), commits.end()]);
    }
  }

  private async run(o: BuildOptions, tags: string[], contextDir: string, file: string, escape: string,
    globalArgs: Extract<Instruction, { kind: 'ARG' }>[], stages: Stage[], target: Stage, progress: Progress, commits: BuildCommits): Promise<BuildResult> {
    const store = this.opts.store;
    const buildArgs = o.buildArgs ?? {};
    const usedArgs = new Set<string>();
    const platform = parsePlatform(o.platform);
    const host = hostPlatform();
    // Global scope: ARGs before the first FROM and BuildKit's automatic platform ARGs.
    const globals = new Map<string, string | undefined>([
      ['BUILDPLATFORM', `${host.os}/${host.architecture}`], ['BUILDOS', host.os], ['BUILDARCH', host.architecture],
      ['TARGETPLATFORM', `${platform.os}/${platform.architecture}${platform.variant ? '/' + platform.variant : ''}`],
      ['TARGETOS', platform.os], ['TARGETARCH', platform.architecture], ['TARGETVARIANT', platform.variant ?? ''],
    ]);
    for (const a of globalArgs) {
      for (const { key, value } of a.args) {
        const env = [...globals].filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
        let def: string | undefined;
        try { def = value === undefined ? undefined : processWord(value, env, escape); } catch (err) { throw new DockerfileError(file, a.line, (err as Error).message); }
        const given = buildArgs[key];
        if (given !== undefined && given !== null) usedArgs.add(key);
        globals.set(key, given ?? def);
      }
    }
    const globalEnv = (): string[] => [...globals].filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
    const expandGlobal = (s: string): string => { try { return processWord(s, globalEnv(), escape); } catch { return s; } };
    const needed = neededStages(stages, target, expandGlobal);
    const results = new Map<number, string | null>();
    const cleanups: Promise<unknown>[] = [];
    const env: BuildEnv = {
      store, runtime: this.opts.runtime, workRoot: this.workRoot, cacheMountRoot: this.cacheMountRoot, contextDir, file, escape, progress,
      cache: new BuildCache(store, (o.cacheFrom ?? []).flatMap((r) => { try { return [store.resolve(r)]; } catch { return []; } }), o.noCache === true),
      // RUN gets its own network namespace (only lo) unless networkmode=host: the default bridge
      // network is not wired for build containers yet.
      buildArgs, usedArgs, network: o.networkMode === 'host' ? 'host' : 'none', host: o.host ?? {},
      rm: o.rm !== false || o.forceRm === true, platform,
      imageForFrom: async (ref, before) => {
        const stage = stageByRef(stages, ref, before);
        if (stage) {
          if (!results.has(stage.index)) throw new BuildError(`stage ${ref} was not built`);
          return results.get(stage.index)!;
        }
        return this.resolveImage(ref);
      },
      defer: (p) => { cleanups.push(p.catch(() => {})); },
      commits,
    };
    const d = new Dispatcher(env);
    try {
      return await this.runStages(d, env, tags, stages, needed, results, expandGlobal, globals, o.signal);
    } finally {
      // Step containers are removed in the background while the next step runs; all are gone
      // before the build answers, success or failure.
      await Promise.allSettled(cleanups);
    }
  }

  private async runStages(d: Dispatcher, env: BuildEnv, tags: string[], stages: Stage[], needed: number[],
    results: Map<number, string | null>, expandGlobal: (s: string) => string, globals: Map<string, string | undefined>, signal?: AbortSignal): Promise<BuildResult> {
    const { store, progress, buildArgs, usedArgs } = env;
    const checkCanceled = (): void => { if (signal?.aborted) throw new BuildError('build canceled: the client went away'); };
    const total = needed.reduce((n, i) => n + 1 + stages[i]!.commands.length, 0);
    let step = 0;
    let last: string | null = null;
    for (const idx of needed) {
      const stage = stages[idx]!;
      const st = new StageState(idx);
      checkCanceled();
      progress.stream(`Step ${++step}/${total} : ${stage.from.original}\n`);
      await this.from(d, stage, st, stages, results, expandGlobal, globals);
      for (const inst of stage.commands) {
        checkCanceled();
        progress.stream(`Step ${++step}/${total} : ${inst.original}\n`);
        await d.dispatch(inst, st, globals);
        progress.stream(` ---> ${short(st.imageId)}\n`);
      }
      results.set(idx, st.imageId);
      last = st.imageId;
    }
    if (!last) throw new BuildError('No image was generated. Is your Dockerfile empty?');
    const unused = Object.keys(buildArgs).filter((k) => !usedArgs.has(k) && !PROXY_ARGS.includes(k)).sort();
    if (unused.length) progress.stream(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    // Durable before it is announced; tagging then writes the database durably, while the
    // build's operation ends.
    await env.commits.flush({ db: tags.length === 0 });
    const ending = env.commits.end();
    progress.aux({ ID: last });
    progress.stream(`Successfully built ${short(last)}\n`);
    for (const t of tags) {
      await store.tag(last, t);
      this.opts.events?.emit('image', 'tag', { ID: last, Attributes: { name: t } });
      progress.stream(`Successfully tagged ${t}\n`);
    }
    await ending;
    return { id: last, tags };
  }

  /** FROM: the base (scratch, an earlier stage or a local image), then its ONBUILD triggers. */
  private async from(d: Dispatcher, stage: Stage, st: StageState, stages: Stage[], results: Map<number, string | null>,
    expand: (s: string) => string, globals: Map<string, string | undefined>): Promise<void> {
    const ref = expand(stage.from.image);
    const dep = stageByRef(stages, ref, stage.index);
    let base: string | null;
    if (dep) base = results.get(dep.index) ?? null;
    else if (ref.toLowerCase() === 'scratch') base = null;
    else base = await this.resolveImage(ref);
    st.imageId = base;
    st.config = base ? structuredClone((await this.opts.store.byId(base)).config.config ?? {}) : {};
    const triggers = st.config.OnBuild ?? [];
    st.config.OnBuild = null;
    if (triggers.length) {
      d.env.progress.stream(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
      for (const t of triggers) {
        let inst: Instruction;
        try { inst = parseInstruction(t, '\\', stage.from.line, d.env.file); } catch (err) { throw new BuildError(`failed to process ONBUILD trigger ${JSON.stringify(t)}: ${(err as Error).message}`); }
        await d.dispatch(inst, st, globals);
      }
    }
    d.env.progress.stream(` ---> ${short(st.imageId)}\n`);
  }

  private async resolveImage(ref: string): Promise<string> {
    try {
      return this.opts.store.resolve(ref);
    } catch (err) {
      if (err instanceof ImageNotFoundError) {
        throw new BuildError(`pull access denied for ${ref}: the image is not present locally and wharf cannot pull from registries`);
      }
      throw new BuildError((err as Error).message);
    }
  }
}

export { BuildError, DockerfileError };
