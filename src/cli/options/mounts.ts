// -v, --mount and --tmpfs as Docker's CLI turns them into Binds, Config.Volumes, Mounts and Tmpfs.
import { resolve } from 'node:path';
import { ramInBytes } from './go-parse.js';

export interface Mount {
  Type: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; DriverConfig?: { Name?: string; Options?: Record<string, string> }; Subpath?: string };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  return undefined;
}

/** Splits one CSV record (fields may be "quoted"). */
function csvFields(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quoted) {
      if (c === '"' && value[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = false; else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

function absIfRelative(src: string): string {
  return src === '.' || src.startsWith('./') ? resolve(src) : src;
}

/** One --mount value. */
export function parseMount(value: string): Mount {
  const m: Mount = { Type: 'volume' };
  const volume = (): NonNullable<Mount['VolumeOptions']> => {
    m.VolumeOptions ??= {};
    return m.VolumeOptions;
  };
  const setKv = (target: Record<string, string>, v: string): void => {
    const i = v.indexOf('=');
    const k = i < 0 ? v : v.slice(0, i);
    if (k !== '') target[k] = i < 0 ? '' : v.slice(i + 1);
  };
  for (const field of csvFields(value)) {
    const i = field.indexOf('=');
    const key = (i < 0 ? field : field.slice(0, i)).toLowerCase();
    const val = i < 0 ? '' : field.slice(i + 1);
    if (i < 0) {
      if (key === 'readonly' || key === 'ro') { m.ReadOnly = true; continue; }
      if (key === 'volume-nocopy') { volume().NoCopy = true; continue; }
      throw new Error(`invalid field '${field}' must be a key=value pair`);
    }
    switch (key) {
      case 'type': m.Type = val.toLowerCase(); break;
      case 'source': case 'src': m.Source = absIfRelative(val); break;
      case 'target': case 'dst': case 'destination': m.Target = val; break;
      case 'readonly': case 'ro': {
        const b = parseBool(val);
        if (b === undefined) throw new Error(`invalid value for ${key}: ${val}`);
        m.ReadOnly = b;
        break;
      }
      case 'consistency': m.Consistency = val.toLowerCase(); break;
      case 'bind-propagation': m.BindOptions = { ...m.BindOptions, Propagation: val.toLowerCase() }; break;
      case 'volume-nocopy': {
        const b = parseBool(val);
        if (b === undefined) throw new Error(`invalid value for volume-nocopy: ${val}`);
        volume().NoCopy = b;
        break;
      }
      case 'volume-label': setKv(volume().Labels ??= {}, val); break;
      case 'volume-driver': (volume().DriverConfig ??= {}).Name = val; break;
      case 'volume-opt': setKv((volume().DriverConfig ??= {}).Options ??= {}, val); break;
      case 'volume-subpath': volume().Subpath = val; break;
      case 'tmpfs-size':
        try {
          m.TmpfsOptions = { ...m.TmpfsOptions, SizeBytes: ramInBytes(val) };
        } catch {
          throw new Error(`invalid value for ${key}: ${val}`);
        }
        break;
      case 'tmpfs-mode':
        if (!/^[0-7]+$/.test(val) || parseInt(val, 8) > 0xffffffff) throw new Error(`invalid value for ${key}: ${val}`);
        m.TmpfsOptions = { ...m.TmpfsOptions, Mode: parseInt(val, 8) };
        break;
      default: throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (m.Type === '') throw new Error('type is required');
  if (!m.Target) throw new Error('target is required');
  if (m.VolumeOptions && m.Type !== 'volume') throw new Error(`cannot mix 'volume-*' options with mount type '${m.Type}'`);
  if (m.BindOptions && m.Type !== 'bind') throw new Error(`cannot mix 'bind-*' options with mount type '${m.Type}'`);
  if (m.TmpfsOptions && m.Type !== 'tmpfs') throw new Error(`cannot mix 'tmpfs-*' options with mount type '${m.Type}'`);
  return m;
}

/** -v values: those with a source (host path or named volume) are Binds, the rest anonymous volumes. */
export function splitVolumes(specs: string[]): { binds: string[]; volumes: Record<string, object> } {
  const binds: string[] = [];
  const volumes: Record<string, object> = {};
  for (const spec of specs) {
    const i = spec.indexOf(':');
    if (i < 0) { volumes[spec] = {}; continue; }
    binds.push(`${absIfRelative(spec.slice(0, i))}${spec.slice(i)}`);
  }
  return { binds, volumes };
}

/** --tmpfs /run[:options]. */
export function parseTmpfs(specs: string[]): Record<string, string> | undefined {
  if (specs.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const t of specs) {
    const i = t.indexOf(':');
    out[i < 0 ? t : t.slice(0, i)] = i < 0 ? '' : t.slice(i + 1);
  }
  return out;
}
