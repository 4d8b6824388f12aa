// A build stage's state while its instructions run, and the environment RUN and expansion see.
import type { ContainerConfig } from '../image/index.js';

export const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

export class StageState {
  imageId: string | null = null;
  config: ContainerConfig = {};
  /** ARGs declared in this stage and their values (undefined: declared without value). */
  args = new Map<string, string | undefined>();
  cmdSet = false;
  author = '';
  constructor(readonly index: number) {}
}

/** Env for expansion and RUN: the config's Env, then declared ARGs that Env does not set. */
export function stageEnv(st: StageState): string[] {
  const env = [...(st.config.Env ?? [])];
  const keys = new Set(env.map((e) => e.split('=')[0]));
  for (const [k, v] of st.args) if (v !== undefined && !keys.has(k)) env.push(`${k}=${v}`);
  return env;
}

/** Declared build args with values that Env does not override, sorted ("|N a=1 b=2" prefix). */
export function runArgs(st: StageState): string[] {
  const keys = new Set((st.config.Env ?? []).map((e) => e.split('=')[0]));
  return [...st.args].filter(([k, v]) => v !== undefined && !keys.has(k)).map(([k, v]) => `${k}=${v}`).sort();
}
