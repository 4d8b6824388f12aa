// The steps that change the filesystem: RUN (a real container on a step snapshot), COPY/ADD
// (sources written into the step snapshot) and WORKDIR (the directory created), each committed
// as one image with Docker's container_config and history, after a cache probe.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newId } from '../engine/ids.js';
import { mergeEnv } from '../engine/oci-spec.js';
import { ScopedRoot } from '../image/cp/scoped-root.js';
import { resolveContainerUser } from '../image/cp/user.js';
import type { Mount } from '../runtime/spec/types.js';
import { DEFAULT_SHELL, dockerConfig, nopCmdString } from './config.js';
import { applySources } from './copy/apply.js';
import { combinedHash } from './copy/checksum.js';
import { resolveSource, type SourceInfo, type SourceRoot } from './copy/sources.js';
import { BuildError } from './dockerfile/errors.js';
import type { Instruction } from './dockerfile/instructions.js';
import { expandRaw } from './dockerfile/shell-lex.js';
import type { Dispatcher } from './dispatch.js';
import { PROXY_ARGS, runArgs, stageEnv, type StageState } from './stage-state.js';
import { bindMount, cacheMount, parseMount, tmpfsMount } from './mounts.js';
import { download, isUrl } from './remote.js';
import { StepContainer } from './step-container.js';

type RunInst = Extract<Instruction, { kind: 'RUN' }>;
type CopyInst = Extract<Instruction, { kind: 'COPY' | 'ADD' }>;
type WorkdirInst = Extract<Instruction, { value: string }>;

/** Commits a step snapshot with Docker's configs; announces the intermediate container. */
async function finish(d: Dispatcher, st: StageState, sc: StepContainer, probe: Record<string, unknown>, announce: boolean): Promise<void> {
  const id12 = sc.id.slice(0, 12);
  const image = await sc.commit({
    parent: st.imageId,
    config: dockerConfig({ ...st.config, Image: st.imageId ?? '' }),
    containerConfig: { ...probe, Hostname: announce ? id12 : '' },
    ...(announce ? { containerId: sc.id } : {}),
    createdBy: (probe.Cmd as string[]).join(' '),
    platform: d.env.platform,
    createOptions: await d.env.commits.createOptions(),
  });
  d.env.commits.add(image);
  if (announce && d.env.rm) d.env.progress.stream(`Removing intermediate container ${id12}\n`);
  st.imageId = image;
}

/** The argv of a RUN: exec form as is; shell form through SHELL, heredocs handed to the shell. */
function runArgv(inst: RunInst, shell: string[], scratch: () => string, mounts: Mount[]): string[] {
  if (inst.cmd.json) return inst.cmd.args;
  const text = inst.cmd.text;
  const only = /^<<-?\s*["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?$/.exec(text.trim());
  if (only && inst.heredocs.length === 1) {
    const doc = inst.heredocs[0]!;
    if (!doc.content.startsWith('#!')) return [...shell, doc.content];
    const file = path.join(scratch(), `heredoc-${doc.name}`);
    fs.writeFileSync(file, doc.content, { mode: 0o755 });
    mounts.push({ destination: `/dev/pipes/${doc.name}`, type: 'bind', source: file, options: ['rbind', 'ro'] });
    return [`/dev/pipes/${doc.name}`];
  }
  if (inst.heredocs.length === 0) return [...shell, text];
  const bodies = inst.heredocs.map((h) => `${h.content}${h.name}`).join('\n');
  return [...shell, `${text}\n${bodies}`];
}

export async function runStep(d: Dispatcher, inst: RunInst, st: StageState): Promise<void> {
  const env = d.env;
  const id = newId();
  const releases: Array<() => Promise<void> | void> = [];
  const mounts: Mount[] = [];
  let scratchDir: string | undefined;
  const scratch = (): string => (scratchDir ??= fs.mkdtempSync(path.join(env.workRoot, 'scratch-')));
  try {
    const args = runArgv(inst, st.config.Shell?.length ? st.config.Shell : DEFAULT_SHELL, scratch, mounts);
    const declared = runArgs(st);
    const proxies = PROXY_ARGS.filter((k) => env.buildArgs[k] != null && !st.args.has(k)).map((k) => `${k}=${env.buildArgs[k]}`);
    for (const k of PROXY_ARGS) if (env.buildArgs[k] != null) env.usedArgs.add(k);
    const saveCmd = declared.length || proxies.length ? [`|${declared.length}`, ...declared, ...args] : args;
    const probe = dockerConfig({ ...st.config, Cmd: saveCmd, Image: st.imageId ?? '' });
    const hit = await env.cache.probe(st.imageId, probe);
    if (hit) {
      env.progress.stream(' ---> Using cache\n');
      st.imageId = hit;
      return;
    }
    for (const spec of inst.mounts) {
      let req;
      try { req = parseMount(d.word(inst, st, spec), st.config.WorkingDir ?? '/'); } catch (err) { return d.fail(inst, (err as Error).message); }
      if (req.type === 'cache') mounts.push(cacheMount(req, env.cacheMountRoot));
      else if (req.type === 'tmpfs') mounts.push(tmpfsMount(req));
      else {
        let rootDir = env.contextDir;
        if (req.from) {
          const image = await env.imageForFrom(req.from, st.index);
          const view = new StepContainer(env.store, env.runtime, env.workRoot, newId(), image);
          releases.push(() => view.dispose());
          await view.open();
          rootDir = view.rootfs;
        }
        const scoped = new ScopedRoot(rootDir, 'mount source');
        const real = scoped.realPath(req.source.split('/').filter(Boolean), req.source);
        scoped.close();
        mounts.push(bindMount(req, path.join(rootDir, real), scratch()));
      }
    }
    env.progress.stream(` ---> Running in ${id.slice(0, 12)}\n`);
    const sc = new StepContainer(env.store, env.runtime, env.workRoot, id, st.imageId);
    try {
      await sc.open({ mount: false });
      const code = await sc.run({
        args, env: mergeEnv(stageEnv(st), proxies), user: st.config.User ?? '', workingDir: st.config.WorkingDir ?? '',
        network: inst.network ?? env.network, host: env.host, mounts, onOutput: (c) => env.progress.stream(c.toString('utf8')),
      });
      if (code !== 0) throw new BuildError(`The command '${args.join(' ')}' returned a non-zero code: ${code}`, code);
      await finish(d, st, sc, probe, true);
    } finally {
      env.defer(sc.dispose());
    }
  } finally {
    for (const r of releases.reverse()) await r();
    if (scratchDir) fs.rmSync(scratchDir, { recursive: true, force: true });
  }
}

export async function workdirStep(d: Dispatcher, inst: WorkdirInst, st: StageState): Promise<void> {
  const dir = d.word(inst, st, inst.value);
  st.config.WorkingDir = path.posix.resolve(st.config.WorkingDir || '/', dir);
  const comment = `WORKDIR ${st.config.WorkingDir}`;
  const probe = dockerConfig({ ...st.config, Cmd: nopCmdString(comment), Image: st.imageId ?? '' });
  const hit = await d.env.cache.probe(st.imageId, probe);
  if (hit) { d.env.progress.stream(' ---> Using cache\n'); st.imageId = hit; return; }
  const env = d.env;
  const sc = new StepContainer(env.store, env.runtime, env.workRoot, newId(), st.imageId);
  env.progress.stream(` ---> Running in ${sc.id.slice(0, 12)}\n`);
  try {
    await sc.open();
    const root = new ScopedRoot(sc.rootfs, 'image');
    try { fs.closeSync(root.openDir(st.config.WorkingDir.split('/').filter(Boolean), st.config.WorkingDir, true).fd); } finally { root.close(); }
    await finish(d, st, sc, probe, true);
  } finally {
    env.defer(sc.dispose());
  }
}

export async function copyStep(d: Dispatcher, inst: CopyInst, st: StageState): Promise<void> {
  const env = d.env;
  const cmd = inst.kind;
  const releases: Array<() => Promise<void> | void> = [];
  try {
    let root: SourceRoot = { dir: env.contextDir, isContext: true };
    if (inst.from) {
      const image = await env.imageForFrom(d.word(inst, st, inst.from), st.index);
      const view = new StepContainer(env.store, env.runtime, env.workRoot, newId(), image);
      releases.push(() => view.dispose());
      await view.open();
      root = { dir: view.rootfs, isContext: false };
    }
    const infos: SourceInfo[] = [];
    const scratch = (): string => {
      const dir = fs.mkdtempSync(path.join(env.workRoot, 'scratch-'));
      releases.push(() => fs.rmSync(dir, { recursive: true, force: true }));
      return dir;
    };
    const dest = d.word(inst, st, inst.dest);
    try {
      for (const doc of inst.heredocs) {
        const dir = scratch();
        const content = doc.quoted ? doc.content : expandRaw(doc.content, stageEnv(st));
        fs.writeFileSync(path.join(dir, doc.name), content, { mode: 0o644 });
        infos.push(...resolveSource({ dir, isContext: false }, doc.name, cmd));
      }
      for (const raw of inst.srcs) {
        const src = d.word(inst, st, raw);
        if (cmd === 'ADD' && isUrl(src)) {
          const got = await download(src, scratch(), dest.endsWith('/') ? '' : path.posix.basename(dest));
          infos.push(...resolveSource({ dir: got.dir, isContext: false }, got.name, cmd));
          continue;
        }
        infos.push(...resolveSource(root, src, cmd));
      }
    } catch (err) {
      if (err instanceof BuildError) throw err;
      throw new BuildError((err as Error).message);
    }
    const chownStr = inst.chown ? d.word(inst, st, inst.chown) : '';
    const chmodStr = inst.chmod ? d.word(inst, st, inst.chmod) : '';
    if (chmodStr && !/^[0-7]{3,4}$/.test(chmodStr)) d.fail(inst, `invalid chmod parameter: ${chmodStr}`);
    const flags = `${chownStr ? `--chown=${chownStr}` : ''}${chmodStr ? `--chmod=${chmodStr} ` : ''}`;
    const comment = `${cmd} ${flags}${combinedHash(infos.map((i) => i.hash))} in ${dest} `;
    const probe = dockerConfig({ ...st.config, Cmd: nopCmdString(comment), Image: st.imageId ?? '' });
    const hit = await env.cache.probe(st.imageId, probe);
    if (hit) { env.progress.stream(' ---> Using cache\n'); st.imageId = hit; return; }
    const sc = new StepContainer(env.store, env.runtime, env.workRoot, newId(), st.imageId);
    try {
      await sc.open();
      let chown: { uid: number; gid: number } | undefined;
      if (chownStr) {
        const r = new ScopedRoot(sc.rootfs, 'image');
        try { chown = resolveContainerUser(r, chownStr); } catch (err) { throw new BuildError(`${cmd} failed: ${(err as Error).message}`); } finally { r.close(); }
      }
      const absDest = dest.startsWith('/') ? dest : path.posix.join(st.config.WorkingDir || '/', dest) + (dest.endsWith('/') ? '/' : '');
      try {
        await applySources(sc.rootfs, infos, absDest, {
          cmd, extractArchives: cmd === 'ADD', ...(chown ? { chown } : {}), ...(chmodStr ? { chmod: parseInt(chmodStr, 8) } : {}),
        });
      } catch (err) {
        throw new BuildError(/failed/.test((err as Error).message) ? (err as Error).message : `failed to copy files: ${(err as Error).message}`);
      }
      await finish(d, st, sc, probe, false);
    } finally {
      env.defer(sc.dispose());
    }
  } finally {
    for (const r of releases.reverse()) await r();
  }
}
