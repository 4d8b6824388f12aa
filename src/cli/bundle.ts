// Build step, not part of the CLI: bundles the compiled `wharf` command line with esbuild and
// writes the `wharf` bin. Node then reads one file instead of ~60 modules, and compiles none of it:
//  - dist/wharf.cjs, the bin: a CommonJS launcher (no ES module loader to set up, ~10 ms) that
//    compiles the bundle dist/wharf-cli.cjs with vm.Script and V8's code cache dist/wharf-cli.cache
//    (written here by a warm-up `wharf ps`, rewritten by the launcher whenever V8 rejects it:
//    another Node, other V8 flags). One path for every Node version (Node 22's compile cache would
//    do the same for a plain module).
//  - dist/wharf.mjs: the same for `node dist/wharf.mjs`, the bin of earlier builds.
// The bundle initializes a command's modules only when that command runs (commands/index.ts
// imports them with import(), which esbuild turns into lazy module initializers).
// Usage, after tsc: node dist/src/cli/bundle.js [outdir]  (default dist/)
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { readBuildInfo } from './build-info.js';

/** dist/src/cli -> the package root. */
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Parameters of the function the CommonJS bundle is wrapped in (see the launcher). */
const CJS_PARAMS = 'exports, require, module, __filename, __dirname, __wharfUrl';

/**
 * The bin's first line. `env -S` runs node with:
 *  - NODE_EXTRA_CA_CERTS empty: with it set, Node 20 parses the bundled and the extra CA
 *    certificates at start-up (~80 ms), and the CLI makes no TLS connection (it talks to the
 *    daemon over a unix socket or plain tcp; pulls and pushes go through the daemon). The
 *    user's value rides along in _WHARF_NODE_EXTRA_CA_CERTS and the launcher puts it back for
 *    the processes the CLI starts (an autostarted wharfd needs it for registries). Node reads
 *    the variable only at start: a TLS client in the CLI (docker's -H tcp:// --tlsverify) would
 *    pass its CA itself, as docker does (ca.pem of DOCKER_CERT_PATH).
 *  - `--`: Node 20 would otherwise take `wharf run --env-file f` as its own --env-file option.
 */
const SHEBANG = '#!/usr/bin/env -S _WHARF_NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} NODE_EXTRA_CA_CERTS= node --';

const LAUNCHER = `${SHEBANG}
// wharf: runs the bundled CLI (wharf-cli.cjs), compiled with V8's code cache (wharf-cli.cache).
'use strict';
const saved = process.env._WHARF_NODE_EXTRA_CA_CERTS;
if (saved !== undefined) {
  // The shebang hid NODE_EXTRA_CA_CERTS from this process only: children get the user's value.
  delete process.env._WHARF_NODE_EXTRA_CA_CERTS;
  if (saved) process.env.NODE_EXTRA_CA_CERTS = saved;
  else delete process.env.NODE_EXTRA_CA_CERTS;
}
const { readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { Script } = require('node:vm');
const file = __dirname + '/wharf-cli.cjs';
const cacheFile = __dirname + '/wharf-cli.cache';
let cachedData;
try { cachedData = readFileSync(cacheFile); } catch { /* none yet */ }
const script = new Script(readFileSync(file, 'utf8'), { filename: file, cachedData });
if (!cachedData || script.cachedDataRejected || process.env.WHARF_WRITE_CODE_CACHE === '1') {
  // After the command ran, so the cache holds the functions it compiled as well.
  process.once('exit', () => {
    const tmp = cacheFile + '.' + process.pid;
    try {
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cacheFile);
    } catch { /* read-only install: run without a cache */
      try { rmSync(tmp, { force: true }); } catch { /* nothing to clean */ }
    }
  });
}
const cjs = { exports: {} };
script.runInThisContext()(cjs.exports, require, cjs, file, __dirname, require('node:url').pathToFileURL(file).href);
`;

/** `node dist/wharf.mjs ...` (and the bin of earlier builds): the CommonJS launcher beside it. */
const ESM_SHIM = `${SHEBANG}
// wharf: the launcher dist/wharf.cjs (the bin) under its former name.
import { createRequire } from 'node:module';
createRequire(import.meta.url)('./wharf.cjs');
`;

/**
 * Commander requires node:child_process when it loads (for executable subcommands, unused here);
 * compiling it costs ~25 ms of every start. Give commander a stand-in that loads it on first use.
 */
const lazyChildProcess: Plugin = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: 'lazy-child-process', namespace: 'wharf-lazy' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'wharf-lazy' }, () => ({
      loader: 'js',
      contents: `let cp; const load = () => (cp ??= require('node:child_process'));
module.exports = new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });`,
    }));
  },
};

function writeExecutable(file: string, text: string): void {
  writeFileSync(file, text);
  chmodSync(file, 0o755);
}

/** Writes the bundle, the code cache and the launchers; returns the bin (<outdir>/wharf.cjs). */
export async function bundleCli(outdir: string = join(packageRoot, 'dist')): Promise<string> {
  const { build, stop } = await import('esbuild');
  try {
    await build({
      entryPoints: [join(packageRoot, 'dist/src/cli/main.js')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      plugins: [lazyChildProcess],
      logLevel: 'warning',
      // A third less source to read and scan at each start (~3 ms); names stay for stack traces,
      // and the bundled packages' licence texts go to wharf-cli.cjs.LEGAL.txt.
      minifyWhitespace: true,
      minifySyntax: true,
      legalComments: 'external',
      outfile: join(outdir, 'wharf-cli.cjs'),
      format: 'cjs',
      define: { 'import.meta.url': '__wharfUrl', __WHARF_BUILD__: JSON.stringify(readBuildInfo(packageRoot)) },
      // import() becomes a lazy module initializer: vm.Script has no module loader for dynamic imports.
      supported: { 'dynamic-import': false },
      // One function expression: the launcher compiles it with vm.Script and calls it.
      banner: { js: `(function (${CJS_PARAMS}) {` },
      footer: { js: '})' },
    });
  } finally {
    await stop(); // esbuild keeps a service process otherwise
  }
  rmSync(join(outdir, 'wharf-cli.mjs'), { force: true }); // the ES module bundle of earlier builds
  const bin = join(outdir, 'wharf.cjs');
  writeExecutable(bin, LAUNCHER);
  writeExecutable(join(outdir, 'wharf.mjs'), ESM_SHIM);
  await writeCodeCache(bin, join(outdir, 'wharf-cli.cache'));
  return bin;
}

/**
 * One `wharf ps` against a stand-in daemon (an empty list for every question) leaves the code
 * cache behind, holding what a command's start-up compiles: commander, the API client, the
 * output formatting. A cache of every command (a `--help` run) is larger and, since V8 reads
 * the whole cache at each start, made `wharf ps` ~6 ms slower; other commands compile only the
 * functions they add.
 */
async function writeCodeCache(bin: string, cacheFile: string): Promise<void> {
  rmSync(cacheFile, { force: true });
  const dir = mkdtempSync(join(tmpdir(), 'wharf-warmup-'));
  const socket = join(dir, 'daemon.sock');
  const server = createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(req.url?.endsWith('/_ping') ? 'OK' : '[]');
  });
  try {
    await new Promise<void>((ok, fail) => server.once('error', fail).listen(socket, ok));
    await new Promise<void>((done) => {
      // Same `node --` as the bin's shebang: V8 rejects a cache made under other flags.
      const child = spawn(process.execPath, ['--', bin, '-H', `unix://${socket}`, 'ps'], {
        stdio: 'ignore',
        env: { ...process.env, WHARF_NO_AUTOSTART: '1', WHARF_WRITE_CODE_CACHE: '1' },
      });
      child.on('error', () => done()).on('close', () => done());
    });
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await bundleCli(process.argv[2] ? resolve(process.argv[2]) : undefined));
}
