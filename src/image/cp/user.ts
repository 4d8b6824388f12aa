// Resolves a container's Config.User ("name", "uid", "name:group", "uid:gid") to numeric IDs
// through the container's own /etc/passwd and /etc/group, read without leaving the root.
import * as fs from 'node:fs';
import { at, type ScopedRoot } from './scoped-root.js';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;

function readEtc(root: ScopedRoot, file: string): string[][] {
  let dir;
  try { dir = root.openDir(['etc'], '/etc'); } catch { return []; }
  try {
    const fd = fs.openSync(at(dir.fd, file), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    try {
      if (!fs.fstatSync(fd).isFile()) return [];
      return fs.readFileSync(fd, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return [];
  } finally {
    fs.closeSync(dir.fd);
  }
}

const isId = (s: string) => /^[0-9]+$/.test(s);

/** Numeric uid/gid for `spec`; throws naming the user or group when a name is unknown. */
export function resolveContainerUser(root: ScopedRoot, spec: string): { uid: number; gid: number } {
  const [user = '', group] = spec.split(':', 2);
  const passwd = readEtc(root, 'passwd');
  const entry = passwd.find((f) => f[0] === user) ?? (isId(user) ? passwd.find((f) => f[2] === user) : undefined);
  let uid: number;
  let gid: number;
  if (isId(user)) {
    uid = Number(user);
    gid = entry ? Number(entry[3]) : 0;
  } else {
    if (!entry) throw new Error(`unable to find user ${user}: no matching entries in passwd file`);
    uid = Number(entry[2]);
    gid = Number(entry[3]);
  }
  if (group !== undefined && group !== '') {
    if (isId(group)) gid = Number(group);
    else {
      const g = readEtc(root, 'group').find((f) => f[0] === group);
      if (!g) throw new Error(`unable to find group ${group}: no matching entries in group file`);
      gid = Number(g[2]);
    }
  }
  return { uid, gid };
}
