// Build stages: the instructions after each FROM, the ARGs before the first FROM (global scope),
// the target stage, and which stages the target needs (FROM <stage>, COPY --from=<stage>,
// RUN --mount=from=<stage>): only those are built.
import { DockerfileError } from './dockerfile/errors.js';
import type { Instruction } from './dockerfile/instructions.js';

export type FromInstruction = Extract<Instruction, { kind: 'FROM' }>;
export type ArgInstruction = Extract<Instruction, { kind: 'ARG' }>;

export interface Stage {
  index: number;
  name?: string;
  from: FromInstruction;
  commands: Instruction[];
}

export interface Stages {
  globalArgs: ArgInstruction[];
  stages: Stage[];
}

export function splitStages(insts: Instruction[], file: string): Stages {
  const globalArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  for (const i of insts) {
    if (i.kind === 'FROM') {
      const name = i.stage;
      if (name && stages.some((s) => s.name === name)) throw new DockerfileError(file, i.line, `duplicate name ${name}`);
      stages.push({ index: stages.length, ...(name ? { name } : {}), from: i, commands: [] });
    } else if (stages.length === 0) {
      if (i.kind !== 'ARG') throw new DockerfileError(file, i.line, 'no build stage in current context');
      globalArgs.push(i);
    } else {
      stages[stages.length - 1]!.commands.push(i);
    }
  }
  if (stages.length === 0) throw new DockerfileError(file, 1, 'file with no instructions');
  return { globalArgs, stages };
}

/** The stage a name or index refers to among the stages before `before`. */
export function stageByRef(stages: Stage[], ref: string, before: number): Stage | undefined {
  const lower = ref.toLowerCase();
  const named = stages.find((s) => s.index < before && s.name === lower);
  if (named) return named;
  if (/^\d+$/.test(ref) && Number(ref) < before) return stages[Number(ref)];
  return undefined;
}

export function targetStage(stages: Stage[], target: string | undefined): Stage {
  if (!target) return stages[stages.length - 1]!;
  const s = stages.find((x) => x.name === target.toLowerCase());
  if (!s) throw new Error(`failed to reach build target ${target} in Dockerfile`);
  return s;
}

/** Indexes of the stages `target` depends on, itself included, in Dockerfile order. */
export function neededStages(stages: Stage[], target: Stage, expand: (s: string) => string): number[] {
  const need = new Set<number>();
  const visit = (s: Stage): void => {
    if (need.has(s.index)) return;
    need.add(s.index);
    const refs = [expand(s.from.image)];
    for (const c of s.commands) {
      if (c.kind === 'COPY' && c.from) refs.push(expand(c.from));
      if (c.kind === 'RUN') for (const m of c.mounts) { const f = /(?:^|,)from=([^,]+)/.exec(m); if (f) refs.push(expand(f[1]!)); }
    }
    for (const r of refs) { const dep = stageByRef(stages, r, s.index); if (dep) visit(dep); }
  };
  visit(target);
  return [...need].sort((a, b) => a - b);
}
