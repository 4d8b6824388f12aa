// Serves an app built from test routes on a temporary unix socket.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { pino } from 'pino';
import { buildApp } from '../../../src/api/app.js';
import type { ApiEngine, RouteRegistrar } from '../../../src/api/engine.js';
import { ApiServer } from '../../../src/api/server.js';

export interface Served {
  socketPath: string;
  server: ApiServer;
  close(): Promise<void>;
}

export async function serve(engine: ApiEngine, routes: RouteRegistrar[]): Promise<Served> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-api-'));
  const socketPath = path.join(dir, 'api.sock');
  const logger = pino({ level: 'silent' });
  const app = buildApp({ engine, logger, routes });
  const server = await ApiServer.listen({ app, addresses: [{ proto: 'unix', path: socketPath }], logger });
  return {
    socketPath,
    server,
    async close() {
      await server.close();
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** GET over the unix socket; resolves with status, headers and the whole body. */
export function get(socketPath: string, urlPath: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ socketPath, path: urlPath }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    }).on('error', reject);
  });
}
