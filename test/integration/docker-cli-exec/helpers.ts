// Shared by the exec/health/resources CLI tests: a test daemon whose data root can get extra
// images before it starts, raw API calls, and a tmux driver for `docker exec -it`.
import { execFileSync } from 'node:child_process';
import * as http from 'node:http';
import { createImage, type ImageStore } from '../../../src/image/index.js';
import { startTestDaemon, type TestDaemon } from '../docker-cli/helpers.js';

/** The docker-cli test daemon, with images added by `prepare` before it starts. */
export function startDaemonWith(prepare?: (store: ImageStore) => Promise<void>): Promise<TestDaemon> {
  return startTestDaemon({}, prepare);
}

/** busybox with a healthcheck in its image config. */
export async function addHealthImage(store: ImageStore, tag: string, test: string[], intervalMs: number): Promise<void> {
  const base = await store.get('busybox:latest');
  await createImage(store, {
    parent: 'busybox:latest',
    config: { ...(base.config.config ?? {}), Healthcheck: { Test: test, Interval: intervalMs * 1e6, Retries: 1 } },
    tag,
  });
}

/** A JSON API call on the daemon socket. */
export function api(t: TestDaemon, method: string, urlPath: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: t.d.socket, method, path: urlPath, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; });
      res.on('end', () => {
        let json: unknown = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, json, text });
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** A tmux session running one command, for TTY tests. */
export class Tmux {
  readonly name = `wharf-x-${Math.random().toString(36).slice(2, 8)}`;

  constructor(env: NodeJS.ProcessEnv, command: string, size = { cols: 100, rows: 30 }) {
    const vars = `DOCKER_HOST=${env.DOCKER_HOST} DOCKER_CONFIG=${env.DOCKER_CONFIG}`;
    // The trailing sleep keeps the pane (and the exit code line) readable after the command ends.
    execFileSync('tmux', ['new-session', '-d', '-s', this.name, '-x', String(size.cols), '-y', String(size.rows),
      `${vars} ${command}; echo EXITED=$?; sleep 30`]);
  }

  send(...keys: string[]): void { execFileSync('tmux', ['send-keys', '-t', this.name, ...keys]); }

  screen(): string { return execFileSync('tmux', ['capture-pane', '-p', '-t', this.name], { encoding: 'utf8' }); }

  kill(): void {
    try { execFileSync('tmux', ['kill-session', '-t', this.name], { stdio: 'ignore' }); } catch { /* gone */ }
  }
}
