// Checks the JSON schema cannot express. Each failure throws a SpecError naming the field.
import { isAbsolute } from 'node:path';
import { idMappingProblems, toHostId } from '../idmap.js';
import { capNumber } from './caps.js';
import { SpecError } from './errors.js';
import { UNSUPPORTED_OPTIONS, isBindMount, parseMountOptions } from './mountopts.js';
import { RLIMITS, toU64 } from './tables.js';
import type { IDMapping, LinuxNamespace, NamespaceType, Process, Spec } from './types.js';

const CAP_SETS = ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const;

/** IPC-namespaced sysctls outside the fs.mqueue.* tree. */
const IPC_SYSCTLS = new Set([
  'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax',
  'kernel.shmmni', 'kernel.shm_rmid_forced',
]);

export function checkSemantics(spec: Spec): void {
  checkVersion(spec);
  if (!spec.root) throw new SpecError('root', 'is required');
  if (!spec.root.path) throw new SpecError('root.path', 'must be a non-empty path');
  const namespaces = checkNamespaces(spec.linux?.namespaces ?? []);
  if (!namespaces.has('mount')) throw new SpecError('linux.namespaces', 'a mount namespace is required to set up the root filesystem');
  checkUserNamespace(spec, namespaces);
  if (spec.process) checkProcess(spec.process);
  checkMounts(spec);
  checkLinuxPaths(spec);
  checkSysctls(spec, namespaces);
  if (spec.hostname && !namespaces.has('uts')) throw new SpecError('hostname', 'requires a uts namespace');
  if (spec.domainname && !namespaces.has('uts')) throw new SpecError('domainname', 'requires a uts namespace');
  if (spec.linux?.timeOffsets && !(namespaces.has('time') && !namespaces.get('time')!.path)) {
    throw new SpecError('linux.timeOffsets', 'requires a new time namespace');
  }
}

function checkVersion(spec: Spec): void {
  if (!/^1\.\d+\.\d+([-+][0-9A-Za-z.+-]*)?$/.test(spec.ociVersion)) {
    throw new SpecError('ociVersion', `unsupported version "${spec.ociVersion}" (wharf runs 1.x configs)`);
  }
}

function checkNamespaces(list: readonly LinuxNamespace[]): Map<NamespaceType, LinuxNamespace> {
  const seen = new Map<NamespaceType, LinuxNamespace>();
  list.forEach((ns, i) => {
    if (seen.has(ns.type)) throw new SpecError(`linux.namespaces[${i}].type`, `duplicate namespace "${ns.type}"`);
    if (ns.path !== undefined && !isAbsolute(ns.path)) {
      throw new SpecError(`linux.namespaces[${i}].path`, `must be an absolute path, got "${ns.path}"`);
    }
    seen.set(ns.type, ns);
  });
  return seen;
}

function checkUserNamespace(spec: Spec, namespaces: Map<NamespaceType, LinuxNamespace>): void {
  const userns = namespaces.get('user');
  const creating = userns !== undefined && !userns.path;
  for (const field of ['uidMappings', 'gidMappings'] as const) {
    const mappings = spec.linux?.[field];
    if (creating && (!mappings || mappings.length === 0)) {
      throw new SpecError(`linux.${field}`, 'required when creating a user namespace');
    }
    if (mappings && mappings.length > 0) {
      if (!creating) throw new SpecError(`linux.${field}`, 'given but the config creates no user namespace');
      const problems = idMappingProblems(mappings);
      const first = problems[0];
      if (first) throw new SpecError(`linux.${field}${first.at}`, first.problem);
    }
  }
  if (creating && spec.process) {
    const user = spec.process.user ?? {};
    requireMapped('process.user.uid', user.uid ?? 0, spec.linux!.uidMappings!);
    requireMapped('process.user.gid', user.gid ?? 0, spec.linux!.gidMappings!);
    (user.additionalGids ?? []).forEach((gid, i) => requireMapped(`process.user.additionalGids[${i}]`, gid, spec.linux!.gidMappings!));
  }
}

function requireMapped(field: string, id: number, mappings: readonly IDMapping[]): void {
  if (toHostId(mappings, id) === undefined) throw new SpecError(field, `${id} is not mapped in the user namespace`);
}

/** Checks of process fields alone (also used for `exec` process files). */
export function checkProcess(p: Process): void {
  if (!Array.isArray(p.args) || p.args.length === 0) throw new SpecError('process.args', 'must be a non-empty array');
  if (p.args[0] === '') throw new SpecError('process.args[0]', 'must not be empty');
  if (!isAbsolute(p.cwd)) throw new SpecError('process.cwd', `must be an absolute path, got "${p.cwd}"`);
  (p.env ?? []).forEach((entry, i) => {
    if (!entry.includes('=') || entry.startsWith('=')) throw new SpecError(`process.env[${i}]`, `must be KEY=value, got "${entry}"`);
  });
  const seenLimits = new Set<string>();
  (p.rlimits ?? []).forEach((r, i) => {
    if (RLIMITS[r.type] === undefined) throw new SpecError(`process.rlimits[${i}].type`, `unknown rlimit "${r.type}"`);
    if (seenLimits.has(r.type)) throw new SpecError(`process.rlimits[${i}].type`, `duplicate rlimit "${r.type}"`);
    seenLimits.add(r.type);
    if (toU64(r.soft) > toU64(r.hard)) throw new SpecError(`process.rlimits[${i}]`, `soft limit ${r.soft} exceeds hard limit ${r.hard}`);
  });
  for (const set of CAP_SETS) {
    (p.capabilities?.[set] ?? []).forEach((name, i) => {
      if (capNumber(name) === undefined) throw new SpecError(`process.capabilities.${set}[${i}]`, `unknown capability "${name}"`);
    });
  }
  if (p.user?.umask !== undefined && p.user.umask > 0o777) throw new SpecError('process.user.umask', 'must be at most 0777');
  if (p.oomScoreAdj !== undefined && (p.oomScoreAdj < -1000 || p.oomScoreAdj > 1000)) {
    throw new SpecError('process.oomScoreAdj', 'must be between -1000 and 1000');
  }
}

function checkMounts(spec: Spec): void {
  (spec.mounts ?? []).forEach((m, i) => {
    const field = `mounts[${i}]`;
    if (!isAbsolute(m.destination)) throw new SpecError(`${field}.destination`, `must be an absolute path, got "${m.destination}"`);
    if (m.destination.includes('\0') || (m.source ?? '').includes('\0')) throw new SpecError(field, 'contains a NUL byte');
    const parsed = parseMountOptions(m.options);
    const bad = (m.options ?? []).find((o) => UNSUPPORTED_OPTIONS.has(o));
    if (bad) throw new SpecError(`${field}.options`, `"${bad}" is not supported`);
    if (m.uidMappings || m.gidMappings) throw new SpecError(`${field}.uidMappings`, 'idmapped mounts are not supported');
    if (isBindMount(m.type, parsed.flags)) {
      if (!m.source) throw new SpecError(`${field}.source`, 'required for bind mounts');
    } else if (!m.type) {
      throw new SpecError(`${field}.type`, 'required for non-bind mounts');
    }
  });
}

function checkLinuxPaths(spec: Spec): void {
  for (const field of ['maskedPaths', 'readonlyPaths'] as const) {
    (spec.linux?.[field] ?? []).forEach((p, i) => {
      if (!isAbsolute(p)) throw new SpecError(`linux.${field}[${i}]`, `must be an absolute path, got "${p}"`);
    });
  }
  (spec.linux?.devices ?? []).forEach((d, i) => {
    if (!isAbsolute(d.path)) throw new SpecError(`linux.devices[${i}].path`, `must be an absolute path, got "${d.path}"`);
    if (d.type !== 'p' && (d.major === undefined || d.minor === undefined)) {
      throw new SpecError(`linux.devices[${i}].${d.major === undefined ? 'major' : 'minor'}`, 'required for char and block devices');
    }
  });
}

function checkSysctls(spec: Spec, namespaces: Map<NamespaceType, LinuxNamespace>): void {
  for (const key of Object.keys(spec.linux?.sysctl ?? {})) {
    const field = `linux.sysctl["${key}"]`;
    const needs: NamespaceType | undefined =
      IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.') ? 'ipc'
        : key.startsWith('net.') ? 'network'
          : key === 'kernel.hostname' || key === 'kernel.domainname' ? 'uts' : undefined;
    if (!needs) throw new SpecError(field, 'not namespaced: it would change the host');
    if (!namespaces.has(needs)) throw new SpecError(field, `requires ${needs === 'ipc' ? 'an' : 'a'} ${needs} namespace`);
    if (key.includes('/') || key.includes('..')) throw new SpecError(field, 'invalid sysctl name');
  }
}
