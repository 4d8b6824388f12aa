// Compiled seccomp filters, cached: compiling Docker's profile costs ~30 ms and containers
// usually share one profile. In memory for a long-lived process (the engine), and on disk in a
// root-only directory for short-lived ones (each `wharf-runtime run` is a new process).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileSeccomp } from './seccomp/compile.js';
import type { LinuxSeccomp } from './spec/types.js';
import { writeFileAtomicSync } from './state.js';

interface Filter { filter: Uint8Array; flags: number }

const seccompCache = new Map<string, Filter>();

/** The filter for `config`, compiled at most once per process and per cacheDir. */
export function seccompFor(config: LinuxSeccomp | undefined, cacheDir: string | undefined): Filter | undefined {
  if (!config) return undefined;
  const key = JSON.stringify(config);
  let compiled = seccompCache.get(key);
  if (!compiled) {
    const file = cacheDir ? join(cacheDir, `seccomp-${process.arch}-${createHash('sha256').update(buildStamp()).update(key).digest('hex')}.bpf`) : undefined;
    compiled = (file && readCachedFilter(file)) || compileSeccomp(config);
    if (file) writeCachedFilter(file, compiled);
    if (seccompCache.size > 32) seccompCache.clear();
    seccompCache.set(key, compiled);
  }
  return compiled;
}

/** Changes whenever wharf is rebuilt (tsc or the bundler rewrite this file), so a newer
 *  seccomp compiler never reuses filters of an older one. */
function buildStamp(): string {
  try {
    const st = statSync(fileURLToPath(import.meta.url));
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return '';
  }
}

/** File layout: 4 bytes flags (LE), then the sock_filter array. */
function readCachedFilter(file: string): Filter | undefined {
  try {
    const buf = readFileSync(file);
    if (buf.length < 12 || (buf.length - 4) % 8 !== 0) return undefined;
    return { flags: buf.readUInt32LE(0), filter: new Uint8Array(buf.subarray(4)) };
  } catch {
    return undefined;
  }
}

function writeCachedFilter(file: string, f: Filter): void {
  if (existsSync(file)) return;
  const head = Buffer.alloc(4);
  head.writeUInt32LE(f.flags >>> 0, 0);
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileAtomicSync(file, Buffer.concat([head, f.filter]));
  } catch { /* a cache only */ }
}
