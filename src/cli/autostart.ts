// Starting wharfd on demand: when nothing answers on the default socket, no host was chosen, we
// are root and WHARF_NO_AUTOSTART is not set, the CLI starts the daemon in the background (once)
// and says so on stderr.
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WHARFD_NODE_ENV, WHARFD_NODE_FLAGS } from '../daemon/node-flags.js';

export const DEFAULT_SOCKET = '/run/wharf/wharf.sock';

/** dist/src/cli/main.js or the bundle dist/wharf*.mjs -> dist/src/daemon/main.js. */
export function daemonEntry(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  return [join(here, '../daemon/main.js'), join(here, 'src/daemon/main.js')].find((p) => existsSync(p));
}

async function ping(socketPath: string): Promise<boolean> {
  const http = await import('node:http'); // only when needed: it costs start-up time
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
  });
}

function logFile(): string {
  for (const dir of ['/var/log', '/run/wharf']) {
    try {
      mkdirSync(dir, { recursive: true });
      return join(dir, 'wharfd.log');
    } catch { /* try the next */ }
  }
  return '/dev/null';
}

/** Starts wharfd and waits (up to 30 s) for it to answer; false when it could not. */
export async function autostartDaemon(stderr: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (env.WHARF_NO_AUTOSTART === '1' || process.getuid?.() !== 0) return false;
  const entry = daemonEntry();
  if (!entry) return false;
  const { spawn } = await import('node:child_process'); // only when needed: it costs start-up time
  const log = openSync(logFile(), 'a');
  const child = spawn(process.execPath, [...WHARFD_NODE_FLAGS, entry], { detached: true, stdio: ['ignore', log, log], env: { ...process.env, ...WHARFD_NODE_ENV } });
  child.unref();
  stderr.write(`wharf: started wharfd (pid ${child.pid})\n`);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await ping(DEFAULT_SOCKET)) return true;
    if (child.exitCode !== null) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
