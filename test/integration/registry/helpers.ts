// Registries for tests: Debian's docker-registry (distribution 2.8) and wharf's own, on loopback,
// plus skopeo as an independent client.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const DISTRIBUTION = '/usr/bin/docker-registry';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function waitHttp(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${url}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export interface Distribution { port: number; host: string; dir: string; child: ChildProcess; stop(): Promise<void> }

/** Starts distribution 2.8 with a temp config and storage; `htpasswd` enables Basic auth. */
export async function startDistribution(opts: { htpasswd?: string } = {}): Promise<Distribution> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-distribution-'));
  const port = await freePort();
  const auth = opts.htpasswd ? `auth:\n  htpasswd:\n    realm: test-realm\n    path: ${opts.htpasswd}\n` : '';
  fs.writeFileSync(path.join(dir, 'config.yml'), `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${dir}/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
${auth}`);
  const child = spawn(DISTRIBUTION, ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { if (err.length < 10000) err += d; });
  try {
    await waitHttp(`http://127.0.0.1:${port}/v2/`);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`docker-registry did not start: ${(e as Error).message}\n${err}`);
  }
  return {
    port, host: `127.0.0.1:${port}`, dir, child,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Run { code: number | null; stdout: string; stderr: string }

export function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(t); resolve({ code, stdout, stderr }); });
  });
}

export async function skopeo(args: string[]): Promise<string> {
  const r = await run('skopeo', args, 60_000);
  if (r.code !== 0) throw new Error(`skopeo ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** The manifest digest skopeo sees for a reference (sha256 of the raw manifest). */
export async function skopeoDigest(ref: string): Promise<string> {
  return (JSON.parse(await skopeo(['inspect', '--tls-verify=false', ref])) as { Digest: string }).Digest;
}

export { FIXTURES } from '../../helpers/fixtures.js';
export const rand = () => Math.random().toString(36).slice(2, 8);

/** One Engine API request over the daemon's unix socket. */
export function api(socketPath: string, method: string, urlPath: string, opts: { headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: urlPath, headers: { ...(opts.body ? { 'content-type': 'application/json' } : {}), ...opts.headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
