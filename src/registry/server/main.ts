// `wharf registry serve --addr HOST:PORT --root DIR [--htpasswd F] [--token] [--tls-cert F --tls-key F]`
// and `wharf registry garbage-collect --root DIR [--dry-run]`. The CLI calls registryMain(argv);
// `node dist/src/registry/server/main.js serve ...` runs it directly.
import * as http from 'node:http';
import * as https from 'node:https';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { RegistryStorage } from './storage.js';
import { createHandler } from './handler.js';
import { Htpasswd, TokenIssuer } from './auth.js';
import { garbageCollect } from './gc.js';

export interface ServeOptions {
  /** HOST:PORT (port 0 = any free port). */
  addr: string;
  root: string;
  htpasswd?: string;
  /** Bearer token auth served by this registry at /token (needs htpasswd for credentials). */
  token?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  log?: (line: string) => void;
}

export interface RunningRegistry {
  /** host:port actually bound. */
  address: string;
  url: string;
  close(): Promise<void>;
}

export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]*):(\d+)$/.exec(addr);
  if (!m || Number(m[2]) > 65535) throw new Error(`--addr: expected HOST:PORT, got ${JSON.stringify(addr)}`);
  return { host: m[1]!.replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(m[2]) };
}

export async function serveRegistry(opts: ServeOptions): Promise<RunningRegistry> {
  const { host, port } = parseAddr(opts.addr);
  if (!!opts.tlsCert !== !!opts.tlsKey) throw new Error('--tls-cert and --tls-key must be given together');
  if (opts.token && !opts.htpasswd) throw new Error('--token needs --htpasswd (the token service checks credentials against it)');
  const storage = new RegistryStorage(path.resolve(opts.root));
  await storage.init();
  const handler = createHandler({
    storage,
    ...(opts.htpasswd ? { htpasswd: new Htpasswd(opts.htpasswd) } : {}),
    ...(opts.token ? { tokens: new TokenIssuer('wharf-registry') } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  const server = opts.tlsCert
    ? https.createServer({ cert: fs.readFileSync(opts.tlsCert), key: fs.readFileSync(opts.tlsKey!) }, handler)
    : http.createServer(handler);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const a = server.address() as AddressInfo;
  const address = `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  return {
    address,
    url: `${opts.tlsCert ? 'https' : 'http'}://${address}`,
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

/** Runs the registry command line; resolves with the exit code (serve runs until SIGINT/SIGTERM). */
export async function registryMain(argv: string[]): Promise<number> {
  const program = new Command('registry').exitOverride();
  let code = 0;
  program.command('serve')
    .description('run a private image registry (OCI distribution spec) storing images on local disk')
    .requiredOption('--addr <host:port>', 'address to listen on', '127.0.0.1:5000')
    .requiredOption('--root <dir>', 'directory for the registry data')
    .option('--htpasswd <file>', 'require Basic auth with users from this htpasswd (bcrypt) file')
    .option('--token', 'use Bearer token auth (tokens served at /token, credentials from --htpasswd)')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate')
    .option('--tls-key <file>', 'private key of --tls-cert')
    .option('--quiet', 'do not log requests')
    .action(async (o: { addr: string; root: string; htpasswd?: string; token?: boolean; tlsCert?: string; tlsKey?: string; quiet?: boolean }) => {
      const reg = await serveRegistry({ ...o, ...(o.quiet ? {} : { log: (l: string) => process.stderr.write(`${new Date().toISOString()} ${l}\n`) }) });
      process.stdout.write(`registry listening on ${reg.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => { void reg.close().then(resolve); };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
  program.command('garbage-collect')
    .description('delete blobs no manifest references')
    .requiredOption('--root <dir>', 'directory for the registry data')
    .option('--dry-run', 'only list what would be deleted')
    .action(async (o: { root: string; dryRun?: boolean }) => {
      const r = await garbageCollect(new RegistryStorage(path.resolve(o.root)), { dryRun: !!o.dryRun });
      for (const d of r.deleted) process.stdout.write(`${o.dryRun ? 'would delete' : 'deleted'} ${d}\n`);
      process.stdout.write(`${r.deleted.length} blobs ${o.dryRun ? 'unreferenced' : `deleted, ${r.reclaimed} bytes reclaimed`}, ${r.kept} kept\n`);
    });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message: string };
    if (e.code?.startsWith('commander.')) return e.exitCode ?? 1;
    process.stderr.write(`registry: ${e.message}\n`);
    code = 1;
  }
  return code;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  registryMain(process.argv.slice(2)).then((c) => process.exit(c));
}
