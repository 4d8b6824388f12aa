// Resolves Docker's `User` ("name", "uid", "uid:gid", "name:group") against the image's
// /etc/passwd and /etc/group, as Docker does before starting the process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidParameterError } from './errors.js';

export interface ResolvedUser { uid: number; gid: number; additionalGids: number[] }

/** The image's /etc/passwd and /etc/group contents (absent files: undefined). */
export interface UserDb { passwd?: string; group?: string }

function parseDb(text: string | undefined): string[][] {
  return (text ?? '').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
}

function readDb(rootfs: string, file: string): string | undefined {
  try {
    return readFileSync(join(rootfs, file), 'utf8');
  } catch {
    return undefined;
  }
}

/** `source`: the mounted root filesystem, or the two files already read (see storage/layered-read). */
export function resolveUser(source: string | UserDb, user: string): ResolvedUser {
  const db = typeof source === 'string' ? { passwd: readDb(source, 'etc/passwd'), group: readDb(source, 'etc/group') } : source;
  const [u = '', g] = user.split(':');
  const passwd = parseDb(db.passwd);
  let uid = 0;
  let gid = 0;
  if (u !== '') {
    const entry = /^\d+$/.test(u) ? passwd.find((p) => p[2] === u) : passwd.find((p) => p[0] === u);
    if (!entry && !/^\d+$/.test(u)) throw new InvalidParameterError(`unable to find user ${u}: no matching entries in passwd file`);
    uid = /^\d+$/.test(u) ? Number(u) : Number(entry![2]);
    gid = entry ? Number(entry[3]) : 0;
  }
  const groups = parseDb(db.group);
  if (g !== undefined && g !== '') {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const ge = groups.find((x) => x[0] === g);
      if (!ge) throw new InvalidParameterError(`unable to find group ${g}: no matching entries in group file`);
      gid = Number(ge[2]);
    }
  }
  const name = passwd.find((p) => Number(p[2]) === uid)?.[0];
  const additionalGids = name
    ? groups.filter((x) => (x[3] ?? '').split(',').includes(name)).map((x) => Number(x[2])).filter((n) => n !== gid)
    : [];
  return { uid, gid, additionalGids };
}
