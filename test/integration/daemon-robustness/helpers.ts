// Shared by the daemon robustness tests: raw API calls over the unix socket, and a leak report
// of everything a daemon and its containers may leave behind (mounts, cgroups, monitor
// processes, fifos).
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';

export interface ApiResponse { status: number; body: string; json<T = unknown>(): T }

/** One request to the daemon's API (no keep-alive). */
export function api(socketPath: string, method: string, urlPath: string, body?: unknown): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({
      socketPath, method, path: urlPath, timeout: 30_000,
      headers: data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, json: <T>() => JSON.parse(text) as T }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

/** Like api() but expects the given status. */
export async function apiOk(socketPath: string, method: string, urlPath: string, body?: unknown, status = [200, 201, 204]): Promise<ApiResponse> {
  const r = await api(socketPath, method, urlPath, body);
  if (!status.includes(r.status)) throw new Error(`${method} ${urlPath}: ${r.status} ${r.body}`);
  return r;
}

/** The process exists and is not a zombie (orphaned monitors are reaped by PID 1, a little later). */
export function alive(pid: number): boolean {
  try { process.kill(pid, 0); } catch { return false; }
  return !isZombie(pid);
}

/** Monitor (wharf-exec) and init pids of a container, from the runtime state the daemon keeps. */
export function runtimePids(execRoot: string, id: string): { pid: number; monitorPid: number } {
  const st = JSON.parse(fs.readFileSync(path.join(execRoot, 'runtime', id, 'state.json'), 'utf8')) as { pid: number; monitorPid: number };
  return { pid: st.pid, monitorPid: st.monitorPid };
}

function walk(dir: string, visit: (p: string, st: fs.Stats) => void): void {
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return; }
  for (const n of names) {
    const p = path.join(dir, n);
    let st: fs.Stats;
    try { st = fs.lstatSync(p); } catch { continue; }
    visit(p, st);
    if (st.isDirectory()) walk(p, visit);
  }
}

/**
 * Everything left of a daemon directory and its containers: mounts whose path contains `dir`,
 * cgroup directories named after one of `ids` under any /sys/fs/cgroup/<hierarchy>/wharf*,
 * wharf-exec processes holding a file under `dir` open (the monitors hold the stdio fifos),
 * processes of `pids` still alive, and (unless `fifos` is false: containers that still exist keep
 * theirs) fifos under `dir`. Empty when clean.
 */
export function leaks(dir: string, ids: string[], pids: number[] = [], fifos = true): string[] {
  const out: string[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    if (line.includes(dir)) out.push(`mount: ${line.split(' ')[4]}`);
  }
  const idSet = new Set(ids);
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    let tops: string[];
    try { tops = fs.readdirSync(path.join('/sys/fs/cgroup', h)).filter((n) => n.startsWith('wharf')); } catch { continue; }
    for (const top of tops) {
      walk(path.join('/sys/fs/cgroup', h, top), (p, st) => {
        if (st.isDirectory() && idSet.has(path.basename(p))) out.push(`cgroup: ${p}`);
      });
    }
  }
  for (const p of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let exe = '';
    try { exe = fs.readlinkSync(`/proc/${p}/exe`); } catch { continue; }
    if (!exe.endsWith('/wharf-exec')) continue;
    let fds: string[] = [];
    try { fds = fs.readdirSync(`/proc/${p}/fd`); } catch { continue; }
    for (const fd of fds) {
      let target = '';
      try { target = fs.readlinkSync(`/proc/${p}/fd/${fd}`); } catch { continue; }
      if (target.includes(dir)) { out.push(`wharf-exec ${p} holds ${target}`); break; }
    }
  }
  for (const pid of pids) if (pid > 0 && alive(pid)) out.push(`process ${pid} alive`);
  // <exec-root>/fifo-pool holds a running daemon's spare fifos (removed at its shutdown).
  if (fifos) walk(dir, (p, st) => { if (st.isFIFO() && !p.includes('/fifo-pool/')) out.push(`fifo: ${p}`); });
  return out;
}

function isZombie(pid: number): boolean {
  try { return / Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)/, ')')); } catch { return true; }
}

/** Count of lines of `stream` in a json-file log. */
export function logLines(logPath: string, text: string): number {
  let n = 0;
  for (const line of fs.readFileSync(logPath, 'utf8').split('\n')) {
    if (line && (JSON.parse(line) as { log: string }).log === text) n++;
  }
  return n;
}
