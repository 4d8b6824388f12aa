// RUN --mount=type=bind|cache|tmpfs: parsed from BuildKit's CSV syntax into runtime mounts.
// cache mounts keep their content across builds in <builder>/cache-mounts/<sha256(id)>; bind
// mounts show the context (or an earlier stage's root) read-only, or a throwaway copy with rw.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Mount } from '../runtime/spec/types.js';

export interface MountRequest {
  type: 'bind' | 'cache' | 'tmpfs';
  target: string;
  source: string;
  from?: string;
  id?: string;
  readonly: boolean;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: string;
}

/** Parses one --mount value; `expand` expands variables in option values. */
export function parseMount(spec: string, workdir: string): MountRequest {
  const m: MountRequest = { type: 'bind', target: '', source: '', readonly: true };
  let explicitRw: boolean | undefined;
  for (const field of spec.split(',')) {
    const i = field.indexOf('=');
    const key = (i < 0 ? field : field.slice(0, i)).trim().toLowerCase();
    const value = i < 0 ? '' : field.slice(i + 1).trim();
    switch (key) {
      case 'type':
        if (value !== 'bind' && value !== 'cache' && value !== 'tmpfs') throw new Error(`unsupported mount type ${JSON.stringify(value)}: use bind, cache or tmpfs`);
        m.type = value; break;
      case 'target': case 'dst': case 'destination': m.target = value; break;
      case 'source': case 'src': m.source = value; break;
      case 'from': m.from = value; break;
      case 'id': m.id = value; break;
      case 'ro': case 'readonly': explicitRw = !(value === '' || value === 'true'); break;
      case 'rw': case 'readwrite': explicitRw = value === '' || value === 'true'; break;
      case 'mode': m.mode = parseInt(value, 8); if (Number.isNaN(m.mode)) throw new Error(`invalid mount mode ${value}`); break;
      case 'uid': m.uid = Number(value); break;
      case 'gid': m.gid = Number(value); break;
      case 'size': m.size = value; break;
      case 'sharing': case 'required': case 'env': break;
      default: throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!m.target) throw new Error(`mount ${spec}: a target is required`);
  m.target = path.posix.resolve(workdir || '/', m.target);
  m.readonly = m.type === 'bind' ? explicitRw !== true : explicitRw === false;
  return m;
}

/** The runtime mount for a cache mount, its directory created on first use. */
export function cacheMount(req: MountRequest, cacheRoot: string): Mount {
  const key = createHash('sha256').update(req.id || req.target).digest('hex');
  const dir = path.join(cacheRoot, key);
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true, mode: req.mode ?? 0o755 });
    fs.chmodSync(dir, req.mode ?? 0o755);
    fs.chownSync(dir, req.uid ?? 0, req.gid ?? 0);
  }
  return { destination: req.target, type: 'bind', source: dir, options: ['rbind', req.readonly ? 'ro' : 'rw'] };
}

export function tmpfsMount(req: MountRequest): Mount {
  return { destination: req.target, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', ...(req.size ? [`size=${req.size}`] : [])] };
}

/** A bind of `hostPath`; rw binds get a private copy so writes never reach the source. */
export function bindMount(req: MountRequest, hostPath: string, scratch: string): Mount {
  let source = hostPath;
  if (!req.readonly) {
    source = fs.mkdtempSync(path.join(scratch, 'bind-'));
    fs.cpSync(hostPath, source, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  }
  return { destination: req.target, type: 'bind', source, options: ['rbind', req.readonly ? 'ro' : 'rw'] };
}
