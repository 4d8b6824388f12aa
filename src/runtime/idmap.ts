// uid/gid mappings of user namespaces: checking them, writing them for a process (the parent
// does this while the container init waits in `sync-parent`), and translating ids.
import { writeFileSync } from 'node:fs';
import type { IDMapping } from './spec/types.js';

/** Kernel limit on lines in uid_map/gid_map since Linux 4.15. */
export const MAX_ID_MAP_LINES = 340;

export interface IdMappingProblem {
  /** Suffix of the field path: "" for the list, "[1]" or "[1].size" for an entry. */
  at: string;
  problem: string;
}

/** Problems with a mapping list, each naming its entry. */
export function idMappingProblems(mappings: readonly IDMapping[]): IdMappingProblem[] {
  const problems: IdMappingProblem[] = [];
  if (mappings.length > MAX_ID_MAP_LINES) problems.push({ at: '', problem: `at most ${MAX_ID_MAP_LINES} mappings are allowed` });
  mappings.forEach((m, i) => {
    if (m.size < 1) problems.push({ at: `[${i}].size`, problem: 'must be at least 1' });
    if (m.containerID + m.size > 2 ** 32 || m.hostID + m.size > 2 ** 32) problems.push({ at: `[${i}]`, problem: 'range exceeds 32-bit ids' });
    for (let j = 0; j < i; j++) {
      const o = mappings[j]!;
      if (overlaps(m.containerID, m.size, o.containerID, o.size)) problems.push({ at: `[${i}]`, problem: `container ids overlap entry [${j}]` });
      else if (overlaps(m.hostID, m.size, o.hostID, o.size)) problems.push({ at: `[${i}]`, problem: `host ids overlap entry [${j}]` });
    }
  });
  return problems;
}

function overlaps(a: number, aSize: number, b: number, bSize: number): boolean {
  return a < b + bSize && b < a + aSize;
}

/** The uid_map/gid_map text: one "container host size" line per mapping. */
export function formatIdMap(mappings: readonly IDMapping[]): string {
  return mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

/** Host id for a container id, or undefined when it is not mapped. */
export function toHostId(mappings: readonly IDMapping[] | undefined, containerId: number): number | undefined {
  if (!mappings || mappings.length === 0) return containerId; // no user namespace: ids are the host's
  for (const m of mappings) {
    if (containerId >= m.containerID && containerId < m.containerID + m.size) return m.hostID + (containerId - m.containerID);
  }
  return undefined;
}

/** Container id for a host id, or undefined when it is not mapped. */
export function toContainerId(mappings: readonly IDMapping[] | undefined, hostId: number): number | undefined {
  if (!mappings || mappings.length === 0) return hostId;
  for (const m of mappings) {
    if (hostId >= m.hostID && hostId < m.hostID + m.size) return m.containerID + (hostId - m.hostID);
  }
  return undefined;
}

export interface WriteIdMapsOptions {
  /** Write "deny" to /proc/<pid>/setgroups first. Required when the writer lacks CAP_SETGID in
   *  the parent namespace (unprivileged); the default denies only when not running as root. */
  denySetgroups?: boolean;
  /** For tests: where /proc is. */
  procRoot?: string;
}

/** Writes the uid and gid maps of process `pid` (which must be in a fresh user namespace).
 *  Each map must be written in a single write(2), which writeFileSync does for small data. */
export function writeIdMaps(pid: number, uidMappings: readonly IDMapping[], gidMappings: readonly IDMapping[],
  options: WriteIdMapsOptions = {}): void {
  const proc = `${options.procRoot ?? '/proc'}/${pid}`;
  const deny = options.denySetgroups ?? process.geteuid?.() !== 0;
  if (deny) writeMapFile(`${proc}/setgroups`, 'deny', 'setgroups');
  writeMapFile(`${proc}/uid_map`, formatIdMap(uidMappings), 'linux.uidMappings');
  writeMapFile(`${proc}/gid_map`, formatIdMap(gidMappings), 'linux.gidMappings');
}

function writeMapFile(path: string, data: string, field: string): void {
  try {
    writeFileSync(path, data);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new Error(`${field}: writing ${path}: ${code}`, { cause: err });
  }
}
