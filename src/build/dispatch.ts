// One stage's instructions, dispatched as Docker's legacy builder does: metadata instructions
// commit a config-only image ("/bin/sh -c #(nop)  ENV A=1"), RUN runs in a real container and
// commits its changes, COPY/ADD and WORKDIR write into a step layer. Every step probes the
// cache first ("---> Using cache").
import { createImage, type ContainerConfig, type ImageStore } from '../image/index.js';
import { newId } from '../engine/ids.js';
import type { Runtime } from '../runtime/runtime.js';
import type { HostConfig } from '../engine/docker-types.js';
import type { BuildCache } from './cache.js';
import type { BuildCommits } from './durability.js';
import { DEFAULT_SHELL, dockerConfig, goList, goQuoted, nopCmd } from './config.js';
import { DockerfileError } from './dockerfile/errors.js';
import type { Instruction } from './dockerfile/instructions.js';
import { processWord, processWords } from './dockerfile/shell-lex.js';
import type { Progress } from './output.js';
import { formatDuration } from './dockerfile/words.js';
import { copyStep, runStep, workdirStep } from './steps.js';

export { PROXY_ARGS, StageState, runArgs, stageEnv } from './stage-state.js';
import { StageState, stageEnv, runArgs } from './stage-state.js';

/** What every stage of one build shares. */
export interface BuildEnv {
  store: ImageStore;
  runtime: Runtime;
  /** <data-root>/builder: step bundles and scratch files. */
  workRoot: string;
  cacheMountRoot: string;
  contextDir: string;
  file: string;
  escape: string;
  progress: Progress;
  cache: BuildCache;
  buildArgs: Record<string, string | null>;
  usedArgs: Set<string>;
  network: string;
  host: Partial<HostConfig>;
  /** Announce removal of intermediate containers (rm / forcerm). */
  rm: boolean;
  platform: { os: string; architecture: string; variant?: string };
  /** The image an earlier stage (name or index) or image reference names, for --from. */
  imageForFrom(ref: string, stageIndex: number): Promise<string | null>;
  /** Cleanup that need not delay the next step (awaited before the build ends, even on failure). */
  defer(cleanup: Promise<unknown>): void;
  /** The images steps commit (without fsyncs), made durable together (see durability.ts). */
  commits: BuildCommits;
}

/** Go's %q of an int (a rune): '\x03'. */
function goRune(n: number): string {
  if (n >= 32 && n < 127 && n !== 39 && n !== 92) return `'${String.fromCharCode(n)}'`;
  return `'\\x${n.toString(16).padStart(2, '0')}'`;
}

export class Dispatcher {
  constructor(readonly env: BuildEnv) {}

  fail(inst: Instruction, message: string): never {
    throw new DockerfileError(this.env.file, inst.line, message);
  }

  word(inst: Instruction, st: StageState, s: string): string {
    try { return processWord(s, stageEnv(st), this.env.escape); } catch (err) { return this.fail(inst, (err as Error).message); }
  }

  words(inst: Instruction, st: StageState, s: string): string[] {
    try { return processWords(s, stageEnv(st), this.env.escape); } catch (err) { return this.fail(inst, (err as Error).message); }
  }

  /** ARG: declared in the stage; its value is the --build-arg, the global default, or its own. */
  declareArg(st: StageState, key: string, def: string | undefined, globals: Map<string, string | undefined>): string | undefined {
    const given = this.env.buildArgs[key];
    this.env.usedArgs.add(key);
    const value = given !== undefined && given !== null ? given : def !== undefined ? def : globals.get(key);
    st.args.set(key, value);
    return value;
  }

  /** Commits a config-only step (cache first); Docker shows a "container" for it too. */
  async commitMeta(st: StageState, comment: string): Promise<void> {
    const cmd = nopCmd(comment);
    const probe = dockerConfig({ ...st.config, Cmd: cmd, Image: st.imageId ?? '' });
    const hit = await this.env.cache.probe(st.imageId, probe);
    if (hit) {
      this.env.progress.stream(' ---> Using cache\n');
      st.imageId = hit;
      return;
    }
    const id = newId();
    this.env.progress.stream(` ---> Running in ${id.slice(0, 12)}\n`);
    const { id: image } = await createImage(this.env.store, {
      ...(st.imageId ? { parent: st.imageId } : { platform: this.env.platform }),
      config: dockerConfig({ ...st.config, Image: st.imageId ?? '' }),
      createdBy: cmd.join(' '),
      ...(st.author ? { author: st.author } : {}),
      extra: { container: id, container_config: { ...probe, Hostname: id.slice(0, 12) } },
      ...(await this.env.commits.createOptions()),
    });
    this.env.commits.add(image);
    if (this.env.rm) this.env.progress.stream(`Removing intermediate container ${id.slice(0, 12)}\n`);
    st.imageId = image;
  }

  async dispatch(inst: Instruction, st: StageState, globals: Map<string, string | undefined>): Promise<void> {
    const c = st.config;
    const shell = c.Shell?.length ? c.Shell : DEFAULT_SHELL;
    switch (inst.kind) {
      case 'FROM':
        return this.fail(inst, 'FROM is handled by the builder');
      case 'ENV': {
        const parts: string[] = [];
        let env = [...(c.Env ?? [])];
        for (const [k, v] of inst.pairs) {
          const key = this.word(inst, st, k);
          const value = this.word(inst, st, v);
          if (!key) this.fail(inst, 'ENV names can not be blank');
          parts.push(`${key}=${value}`);
          const i = env.findIndex((e) => e.split('=')[0] === key);
          if (i >= 0) env[i] = `${key}=${value}`; else env = [...env, `${key}=${value}`];
        }
        c.Env = env;
        return this.commitMeta(st, `ENV ${parts.join(' ')}`);
      }
      case 'LABEL': {
        const parts: string[] = [];
        const labels = { ...(c.Labels ?? {}) };
        for (const [k, v] of inst.pairs) {
          const key = this.word(inst, st, k);
          const value = this.word(inst, st, v);
          if (!key) this.fail(inst, 'LABEL names can not be blank');
          labels[key] = value;
          parts.push(`${key}=${value}`);
        }
        c.Labels = labels;
        return this.commitMeta(st, `LABEL ${parts.join(' ')}`);
      }
      case 'MAINTAINER':
        st.author = inst.value;
        return this.commitMeta(st, `MAINTAINER ${inst.value}`);
      case 'ARG': {
        const parts: string[] = [];
        for (const a of inst.args) {
          const def = a.value === undefined ? undefined : this.word(inst, st, a.value);
          this.declareArg(st, a.key, def, globals);
          parts.push(a.value === undefined ? a.key : `${a.key}=${a.value}`);
        }
        return this.commitMeta(st, `ARG ${parts.join(' ')}`);
      }
      case 'EXPOSE': {
        const ports = inst.ports.flatMap((p) => this.words(inst, st, p));
        const exposed = { ...(c.ExposedPorts ?? {}) };
        for (const p of ports) for (const k of portKeys(p, (m) => this.fail(inst, m))) exposed[k] = {};
        c.ExposedPorts = exposed;
        return this.commitMeta(st, `EXPOSE ${ports.join(' ')}`);
      }
      case 'VOLUME': {
        const paths = inst.paths.map((p) => this.word(inst, st, p));
        const vols = { ...(c.Volumes ?? {}) };
        for (const p of paths) {
          if (!p) this.fail(inst, 'VOLUME specified can not be an empty string');
          vols[p] = {};
        }
        c.Volumes = vols;
        return this.commitMeta(st, `VOLUME ${goList(paths)}`);
      }
      case 'USER':
        c.User = this.word(inst, st, inst.value);
        return this.commitMeta(st, `USER ${c.User}`);
      case 'STOPSIGNAL': {
        const sig = this.word(inst, st, inst.value);
        if (!/^(SIG)?[A-Z0-9+-]+$/i.test(sig)) this.fail(inst, `Invalid signal: ${sig}`);
        c.StopSignal = sig;
        return this.commitMeta(st, `STOPSIGNAL ${sig}`);
      }
      case 'SHELL':
        c.Shell = [...inst.shell];
        return this.commitMeta(st, `SHELL ${goList(inst.shell)}`);
      case 'CMD': {
        c.Cmd = inst.cmd.json ? inst.cmd.args : [...shell, inst.cmd.text];
        st.cmdSet = true;
        return this.commitMeta(st, `CMD ${goQuoted(c.Cmd)}`);
      }
      case 'ENTRYPOINT': {
        c.Entrypoint = inst.cmd.json ? inst.cmd.args : inst.cmd.text ? [...shell, inst.cmd.text] : null;
        // An ENTRYPOINT resets a CMD that did not come from this Dockerfile.
        if (!st.cmdSet) c.Cmd = null;
        return this.commitMeta(st, `ENTRYPOINT ${goQuoted(c.Entrypoint)}`);
      }
      case 'HEALTHCHECK': {
        const hc: NonNullable<ContainerConfig['Healthcheck']> & { StartInterval?: number } = { Test: inst.test ?? ['NONE'] };
        if (inst.interval) hc.Interval = inst.interval;
        if (inst.timeout) hc.Timeout = inst.timeout;
        if (inst.startPeriod) hc.StartPeriod = inst.startPeriod;
        if (inst.startInterval) hc.StartInterval = inst.startInterval;
        if (inst.retries) hc.Retries = inst.retries;
        c.Healthcheck = hc;
        const d = (n: number) => JSON.stringify(formatDuration(n));
        return this.commitMeta(st, `HEALTHCHECK &{${goQuoted(hc.Test)} ${d(inst.interval)} ${d(inst.timeout)} ${d(inst.startPeriod)} ${goRune(inst.retries)}}`);
      }
      case 'ONBUILD':
        c.OnBuild = [...(c.OnBuild ?? []), inst.expression];
        return this.commitMeta(st, `ONBUILD ${inst.expression}`);
      case 'WORKDIR':
        return workdirStep(this, inst, st);
      case 'RUN':
        return runStep(this, inst, st);
      case 'COPY': case 'ADD':
        return copyStep(this, inst, st);
    }
  }
}

/** EXPOSE values as ExposedPorts keys: "80" -> "80/tcp", ranges expanded; bad ones fail. */
export function portKeys(spec: string, fail: (m: string) => never): string[] {
  const m = /^(?:[^:]*:)?(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!m) return fail(`Invalid containerPort: ${spec}`);
  const from = Number(m[1]);
  const to = m[2] ? Number(m[2]) : from;
  if (from < 1 || to > 65535 || to < from) return fail(`Invalid containerPort: ${spec}`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  const out: string[] = [];
  for (let p = from; p <= to; p++) out.push(`${p}/${proto}`);
  return out;
}
