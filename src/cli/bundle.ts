// Build step, not part of the CLI: bundles the compiled `wharf` command line with esbuild and
// writes the `wharf` bin (dist/wharf.mjs). Node then reads one file instead of ~60 modules.
//  - Node >= 22.1: the launcher turns on Node's compile cache and imports the ES module bundle
//    (dist/wharf-cli.mjs).
//  - Node 20 has no compile cache: the launcher compiles the CommonJS bundle (dist/wharf-cli.cjs)
//    with vm.Script and V8's code cache (dist/wharf-cli.cache), written here by one warm-up run,
//    and rewritten by the launcher whenever V8 rejects it (another Node, other V8 flags).
// Usage, after tsc: node dist/src/cli/bundle.js [outdir]  (default dist/)
import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BuildOptions, Plugin } from 'esbuild';

/** dist/src/cli -> the package root. */
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Parameters of the function the CommonJS bundle is wrapped in (see the launcher). */
const CJS_PARAMS = 'exports, require, module, __filename, __dirname, __wharfUrl';

// `node --`: Node 20 would otherwise take `wharf run --env-file f` as its own --env-file option.
const LAUNCHER = `#!/usr/bin/env -S node --
// wharf: loads the bundled CLI, with Node's compile cache (Node >= 22.1) or V8's code cache.
import module from 'node:module';
if (module.enableCompileCache) {
  try { module.enableCompileCache(); } catch { /* cache dir not writable: run without it */ }
  await import('./wharf-cli.mjs');
} else {
  // require(), not import(): an ES module facade of node:fs would load fs streams for nothing.
  const require = module.createRequire(import.meta.url);
  const { readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
  const { Script } = require('node:vm');
  const url = new URL('./wharf-cli.cjs', import.meta.url);
  const file = require('node:url').fileURLToPath(url);
  const cacheFile = file.replace(/\\.cjs$/, '.cache');
  let cachedData;
  try { cachedData = readFileSync(cacheFile); } catch { /* none yet */ }
  const script = new Script(readFileSync(file, 'utf8'), { filename: file, cachedData });
  if (!cachedData || script.cachedDataRejected || process.env.WHARF_WRITE_CODE_CACHE === '1') {
    // After the command ran, so the cache holds the functions it compiled as well.
    process.once('exit', () => {
      const tmp = \`\${cacheFile}.\${process.pid}\`;
      try {
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch { /* read-only install: run without a cache */
        try { rmSync(tmp, { force: true }); } catch { /* nothing to clean */ }
      }
    });
  }
  const cjs = { exports: {} };
  script.runInThisContext()(cjs.exports, module.createRequire(file), cjs, file, require('node:path').dirname(file), url.href);
}
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

/** Writes the bundles, the code cache and the launcher <outdir>/wharf.mjs; returns the launcher path. */
export async function bundleCli(outdir: string = join(packageRoot, 'dist')): Promise<string> {
  const { build, stop } = await import('esbuild');
  const common: BuildOptions = {
    entryPoints: [join(packageRoot, 'dist/src/cli/main.js')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    plugins: [lazyChildProcess],
    logLevel: 'warning',
  };
  try {
    await build({
      ...common,
      outfile: join(outdir, 'wharf-cli.mjs'),
      format: 'esm',
      // commander is CommonJS: give its require() of node builtins a real require.
      banner: { js: "import { createRequire as __wharfRequire } from 'node:module'; const require = __wharfRequire(import.meta.url);" },
    });
    await build({
      ...common,
      outfile: join(outdir, 'wharf-cli.cjs'),
      format: 'cjs',
      define: { 'import.meta.url': '__wharfUrl' },
      // import() becomes require(): vm.Script has no module loader for dynamic imports.
      supported: { 'dynamic-import': false },
      // One function expression: the launcher compiles it with vm.Script and calls it.
      banner: { js: `(function (${CJS_PARAMS}) {` },
      footer: { js: '})' },
    });
  } finally {
    await stop(); // esbuild keeps a service process otherwise
  }
  const launcher = join(outdir, 'wharf.mjs');
  writeFileSync(launcher, LAUNCHER);
  chmodSync(launcher, 0o755);
  writeCodeCache(launcher, join(outdir, 'wharf-cli.cache'));
  return launcher;
}

/** One `wharf --help` run (it loads every command) leaves the code cache behind (Node 20 only). */
function writeCodeCache(launcher: string, cacheFile: string): void {
  rmSync(cacheFile, { force: true });
  // Same `node --` as the bin's shebang: V8 rejects a cache made under other flags.
  spawnSync(process.execPath, ['--', launcher, '--help'], {
    stdio: 'ignore',
    env: { ...process.env, WHARF_NO_AUTOSTART: '1', WHARF_WRITE_CODE_CACHE: '1' },
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await bundleCli(process.argv[2] ? resolve(process.argv[2]) : undefined));
}
