// Docker's ContainerPathStat (the X-Docker-Container-Path-Stat header of the archive endpoints):
// mode in Go's os.FileMode encoding, since Docker clients decode it as such.
import type * as fs from 'node:fs';

export interface ContainerPathStat {
  /** Base name of the requested path ("/" for the root, "." for `dir/.`). */
  name: string;
  size: number;
  /** Go os.FileMode bits (type bits high, permissions low). */
  mode: number;
  /** RFC 3339 time. */
  mtime: string;
  /** For a symlink: the container path it resolves to, all links evaluated within the root; else "". */
  linkTarget: string;
}

/** Go os.FileMode bits. */
export const GoMode = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
} as const;

/** Converts a Unix st_mode to Go's os.FileMode value. */
export function goFileMode(st: fs.Stats): number {
  let m = st.mode & 0o777;
  if (st.isDirectory()) m += GoMode.dir;
  else if (st.isSymbolicLink()) m += GoMode.symlink;
  else if (st.isCharacterDevice()) m += GoMode.device + GoMode.charDevice;
  else if (st.isBlockDevice()) m += GoMode.device;
  else if (st.isFIFO()) m += GoMode.namedPipe;
  else if (st.isSocket()) m += GoMode.socket;
  if (st.mode & 0o4000) m += GoMode.setuid;
  if (st.mode & 0o2000) m += GoMode.setgid;
  if (st.mode & 0o1000) m += GoMode.sticky;
  return m;
}

export function toPathStat(name: string, st: fs.Stats, linkTarget = ''): ContainerPathStat {
  return { name, size: st.size, mode: goFileMode(st), mtime: st.mtime.toISOString(), linkTarget };
}

/** The X-Docker-Container-Path-Stat header value: base64 of the JSON stat. */
export function encodePathStat(stat: ContainerPathStat): string {
  return Buffer.from(JSON.stringify(stat)).toString('base64');
}

/** Inverse of encodePathStat (for clients and tests). */
export function decodePathStat(header: string): ContainerPathStat {
  return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as ContainerPathStat;
}
