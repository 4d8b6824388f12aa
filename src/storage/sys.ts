/**
 * The few filesystem calls Node has no API for (mknod, xattrs, syncfs), done through the standard
 * tools (coreutils mknod/sync, attr's setfattr/getfattr). Used only for rare entries (devices,
 * FIFOs, whiteouts, xattrs), so a process per call costs little. Callers pass paths whose every
 * component they have already verified (no symlinks), and these tools never follow the last one.
 */
import { spawnSync, execFile } from 'node:child_process';
import { runProgram } from './program-runner.js';

function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(`${what}: ${missing ? `the ${cmd} program is not installed` : r.error.message}`);
  }
  if (r.status !== 0) throw new Error(`${what}: ${r.stderr.trim() || `${cmd} exited with ${r.status}`}`);
}

/** Create a device node or FIFO (`type`: 'c' | 'b' | 'p'); the caller sets owner and mode after. */
export function mknod(path: string, type: 'c' | 'b' | 'p', major = 0, minor = 0): void {
  const args = ['-m', '0600', '--', path, type];
  if (type !== 'p') args.push(String(major), String(minor));
  run('mknod', args, `mknod ${path}`);
}

/** One node for mknodMany. */
export interface NodeSpec { path: string; type: 'c' | 'b' | 'p'; major: number; minor: number }

/**
 * Create several device nodes / FIFOs (mode 0600, as mknod above) with one shell process: a
 * layer's /dev holds a handful, and each process costs the caller ~10 ms. Stops at the first
 * failure (stderr names the path).
 */
export function mknodMany(nodes: NodeSpec[]): void {
  if (nodes.length === 1) return mknod(nodes[0]!.path, nodes[0]!.type, nodes[0]!.major, nodes[0]!.minor);
  run('sh', mknodScript(nodes), 'mknod');
}

/** mknodMany without blocking: through a long-lived shell (see program-runner.ts), no spawn. */
export async function mknodManyAsync(nodes: NodeSpec[]): Promise<void> {
  const r = await runProgram('sh', mknodScript(nodes));
  if (r.code !== 0) throw new Error(`mknod: ${r.stderr.trim() || `exit status ${r.code}`}`);
}

/** `sh` arguments that create `nodes`: the paths only as arguments, never in the script. */
function mknodScript(nodes: NodeSpec[]): string[] {
  const lines = nodes.map((n, i) => {
    const nums = n.type === 'p' ? '' : ` ${Math.trunc(n.major)} ${Math.trunc(n.minor)}`;
    return `mknod -m 0600 -- "\${${i + 1}}" ${n.type}${nums} || exit 1`;
  });
  return ['-c', lines.join('\n'), 'sh', ...nodes.map((n) => n.path)];
}

/** Set an extended attribute on `path` itself (a symlink is not followed). */
export function setXattr(path: string, name: string, value: Buffer): void {
  run('setfattr', ['-h', '-n', name, '-v', '0x' + value.toString('hex'), '--', path], `set xattr ${name} on ${path}`);
}

/** Flush the filesystem holding `path` to disk (syncfs), so a following rename publishes durable data. */
export function syncFs(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('sync', ['-f', path], (err) => (err ? reject(new Error(`sync -f ${path}: ${err.message}`)) : resolve()));
  });
}

/**
 * Every extended attribute under `dir` (recursively, symlinks not followed), as
 * absolute path -> name -> value. One getfattr process for the whole tree.
 */
export async function dumpXattrs(dir: string, pattern = '-'): Promise<Map<string, Map<string, Buffer>>> {
  const { code, stdout, stderr } = await runProgram('getfattr', ['-R', '-P', '-h', '-d', '-e', 'hex', '-m', pattern, '--absolute-names', '--', dir]);
  // getfattr exits 1 when some file has no xattr support; output is still complete.
  if (code === 127) return new Map(); // not installed: as when it was spawned directly (no xattrs)
  if (code !== 0 && !stdout && stderr.trim()) throw new Error(`getfattr ${dir}: ${stderr.trim()}`);
  return parseGetfattr(stdout);
}

/** Parse `getfattr -d -e hex` output. Paths are printed with octal escapes for odd bytes. */
export function parseGetfattr(out: string): Map<string, Map<string, Buffer>> {
  const res = new Map<string, Map<string, Buffer>>();
  let cur: Map<string, Buffer> | null = null;
  for (const line of out.split('\n')) {
    if (line.startsWith('# file: ')) {
      cur = new Map();
      res.set(unescapeOctal(line.slice(8)), cur);
    } else if (cur && line && !line.startsWith('#')) {
      const eq = line.indexOf('=');
      if (eq < 0) { cur.set(line, Buffer.alloc(0)); continue; }
      const v = line.slice(eq + 1);
      cur.set(line.slice(0, eq), v.startsWith('0x') ? Buffer.from(v.slice(2), 'hex') : Buffer.from(v.replace(/^"|"$/g, '')));
    }
  }
  return res;
}

function unescapeOctal(s: string): string {
  if (!s.includes('\\')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      for (const b of Buffer.from(s[i]!)) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
