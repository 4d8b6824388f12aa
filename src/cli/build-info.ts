// Which wharf this is: the package version and the git commit it was built from, as printed by
// `wharf --version` ("Wharf version 0.1.0, build 20c99c1", like docker's) and `wharf version`.
// The bundle has them written in at build time (bundle.ts defines __WHARF_BUILD__), so the bin
// reads no file for them; the unbundled CLI (dist/src/cli) reads them from the checkout.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  version: string;
  /** Short (7 hex digits) commit id, '' when not built from a git checkout. */
  commit: string;
}

declare const __WHARF_BUILD__: BuildInfo | undefined;

function readText(file: string): string | undefined {
  try { return readFileSync(file, 'utf8').trim(); } catch { return undefined; }
}

/** The commit HEAD names in the repository at `root` (.git directory or worktree file, loose or packed refs). */
function gitCommit(root: string): string {
  let gitDir = join(root, '.git');
  const pointer = readText(gitDir);
  if (pointer?.startsWith('gitdir: ')) gitDir = resolve(root, pointer.slice('gitdir: '.length));
  const head = readText(join(gitDir, 'HEAD'));
  if (!head) return '';
  let sha = head;
  if (head.startsWith('ref: ')) {
    const ref = head.slice('ref: '.length);
    // A linked worktree keeps its HEAD but shares the refs of the main repository (commondir).
    const common = resolve(gitDir, readText(join(gitDir, 'commondir')) ?? '.');
    sha = readText(join(gitDir, ref)) ?? readText(join(common, ref))
      ?? (readText(join(common, 'packed-refs')) ?? '').split('\n').find((l) => l.endsWith(` ${ref}`))?.split(' ')[0] ?? '';
  }
  return /^[0-9a-f]{40,64}$/.test(sha) ? sha.slice(0, 7) : '';
}

/** Version and commit of the package whose root is `root` (read from its files). */
export function readBuildInfo(root: string): BuildInfo {
  let version = 'dev';
  try {
    version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? version;
  } catch { /* not in the package tree */ }
  return { version, commit: gitCommit(root) };
}

let cached: BuildInfo | undefined;

export function buildInfo(): BuildInfo {
  if (typeof __WHARF_BUILD__ !== 'undefined') return __WHARF_BUILD__;
  // dist/src/cli/build-info.js -> the package root.
  cached ??= readBuildInfo(resolve(dirname(fileURLToPath(import.meta.url)), '../../..'));
  return cached;
}

/** The line `wharf --version` prints. */
export function versionLine(info: BuildInfo = buildInfo()): string {
  return `Wharf version ${info.version}${info.commit ? `, build ${info.commit}` : ''}`;
}
