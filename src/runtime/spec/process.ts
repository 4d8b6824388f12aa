// The process part of a plan, shared by create and exec: limits, identity, capabilities,
// seccomp and exec, in runc's order (seccomp as late as possible: just before exec when
// no_new_privileges is set, else before the user switch because loading it then still needs
// CAP_SYS_ADMIN).
import type { ChildOp } from '../ops.js';
import { capMask, capNumber } from './caps.js';
import { DEFAULT_PATH_ENV } from './defaults.js';
import { SpecError } from './errors.js';
import { RLIMITS, toU64 } from './tables.js';
import type { Process } from './types.js';

/** Needed in the effective set for setgroups/setresgid/setresuid. */
const SETID_CAPS = (1n << BigInt(capNumber('CAP_SETUID')!)) | (1n << BigInt(capNumber('CAP_SETGID')!));

export interface SeccompFilter {
  /** struct sock_filter array, 8 bytes per instruction. */
  filter: Uint8Array;
  flags: number;
}

export interface ProcessOpsOptions {
  seccomp?: SeccompFilter;
  /** Waits for `start` (create only). */
  barrier?: ChildOp;
  /** Fds 3..3+n-1 stay open in the process (LISTEN_FDS style). */
  preserveFds?: number;
}

/** PATH from the process environment (last one wins, like getenv), else Docker's default. */
export function searchPath(env: readonly string[] | undefined): string {
  let path: string | undefined;
  for (const e of env ?? []) if (e.startsWith('PATH=')) path = e.slice(5);
  return path ?? DEFAULT_PATH_ENV;
}

export function rlimitOps(p: Process): ChildOp[] {
  return (p.rlimits ?? []).map((r) => ({ op: 'setrlimit', resource: RLIMITS[r.type]!, soft: toU64(r.soft), hard: toU64(r.hard) }));
}

export function oomScoreOps(p: Process): ChildOp[] {
  return p.oomScoreAdj === undefined ? [] : [{ op: 'write-file', path: '/proc/self/oom_score_adj', data: String(p.oomScoreAdj) }];
}

/** From rlimits to exec: everything that turns the prepared init into the configured process. */
export function processTailOps(p: Process, opts: ProcessOpsOptions): ChildOp[] {
  const args = p.args ?? [];
  if (args.length === 0) throw new SpecError('process.args', 'must be a non-empty array');
  const ops: ChildOp[] = [];
  ops.push({ op: 'umask', mask: p.user?.umask ?? 0o022 });
  ops.push(...rlimitOps(p));
  const nnp = p.noNewPrivileges === true;
  if (nnp) ops.push({ op: 'no-new-privs' });
  if (opts.seccomp && !nnp) ops.push({ op: 'seccomp', filter: opts.seccomp.filter, flags: opts.seccomp.flags });
  // Capabilities in two steps, like runc: the bounding set is dropped while still privileged
  // (keeping CAP_SETUID/CAP_SETGID for the switch), keep-caps preserves the permitted set across
  // setresuid, then the final sets are applied (no CAP_SETPCAP needed any more by then).
  const caps = p.capabilities;
  const masks = caps && {
    bounding: capMask(caps.bounding), effective: capMask(caps.effective), permitted: capMask(caps.permitted),
    inheritable: capMask(caps.inheritable), ambient: capMask(caps.ambient),
  };
  if (masks) {
    ops.push({ op: 'caps', ...masks, effective: masks.effective | SETID_CAPS, permitted: masks.permitted | SETID_CAPS, ambient: 0n });
    ops.push({ op: 'keep-caps' });
  }
  const user = p.user ?? {};
  ops.push({ op: 'setgroups', gids: [...(user.additionalGids ?? [])] });
  ops.push({ op: 'setresgid', gid: user.gid ?? 0 });
  ops.push({ op: 'setresuid', uid: user.uid ?? 0 });
  ops.push({ op: 'chdir', path: p.cwd });
  if (masks) ops.push({ op: 'caps', ...masks });
  const path = searchPath(p.env);
  ops.push({ op: 'lookup', file: args[0]!, path });
  if (opts.barrier) ops.push(opts.barrier);
  ops.push({ op: 'close-fds', from: 3 + (opts.preserveFds ?? 0) });
  if (opts.seccomp && nnp) ops.push({ op: 'seccomp', filter: opts.seccomp.filter, flags: opts.seccomp.flags });
  ops.push({ op: 'exec', file: args[0]!, argv: [...args], env: [...(p.env ?? [])], searchPath: path });
  return ops;
}
