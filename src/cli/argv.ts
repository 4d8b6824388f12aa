// Command-line rewriting before commander sees it, for what Go's flag package accepts and
// commander does not: `--rm=false` style booleans, old flag spellings (--net), and the management
// forms (`container ls` is `ps`, `container rm` is `rm`, ...).
import type { Command, Option } from 'commander';

/** `container <verb>` -> top-level command; verbs not listed keep their name. */
export const CONTAINER_VERBS: Record<string, string[]> = {
  ls: ['ps'], list: ['ps'], ps: ['ps'], remove: ['rm'], inspect: ['inspect', '--type', 'container'],
};

/** Management groups rewritten to top-level commands (others may be real commander groups). */
export function rewriteManagement(argv: string[], hasCommand: (name: string) => boolean): string[] {
  const i = firstNonGlobal(argv);
  if (argv[i] !== 'container' || i + 1 >= argv.length) return argv;
  const verb = argv[i + 1]!;
  if (verb.startsWith('-')) return argv;
  const target = CONTAINER_VERBS[verb] ?? [verb];
  if (!hasCommand(target[0]!)) return argv;
  return [...argv.slice(0, i), ...target, ...argv.slice(i + 2)];
}

/** The command named first on the command line (after the global options), if any. */
export function topCommand(argv: string[]): string | undefined {
  return argv[firstNonGlobal(argv)];
}

/** Index of the first token after the global options (-H x, --config x, -D). */
function firstNonGlobal(argv: string[]): number {
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith('-')) {
    const a = argv[i]!;
    i += (a === '-H' || a === '--host' || a === '--config' || a === '-c' || a === '--context' || a === '-l' || a === '--log-level') ? 2 : 1;
  }
  return i;
}

function findOption(cmd: Command, token: string): Option | undefined {
  return cmd.options.find((o) => o.long === token || o.short === token);
}

/**
 * Within the chosen subcommand's own options (up to its first positional argument): rewrites
 * `--flag=true|false` for boolean flags to `--flag` / `--no-flag` and old spellings to new ones.
 */
export function normalizeFlags(argv: string[], program: Command, aliases: Record<string, string>): string[] {
  const out = [...argv];
  let i = firstNonGlobal(out);
  let cmd: Command | undefined = program;
  // Walk down the command chain (e.g. `volume ls`).
  while (i < out.length && cmd) {
    const name = out[i]!;
    const sub: Command | undefined = cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
    if (!sub) break;
    cmd = sub;
    i++;
  }
  if (!cmd || cmd === program) return out;
  for (; i < out.length; i++) {
    const tok = out[i]!;
    if (tok === '--') break;
    if (!tok.startsWith('-') || tok === '-') break; // first positional: the rest belongs to the container
    const eq = tok.indexOf('=');
    const base = eq > 0 ? tok.slice(0, eq) : tok;
    if (aliases[base]) out[i] = aliases[base] + (eq > 0 ? tok.slice(eq) : '');
    const flag = eq > 0 ? out[i]!.slice(0, out[i]!.indexOf('=')) : out[i]!;
    const opt = tok.startsWith('--') || tok.length === 2 ? findOption(cmd, flag) : undefined;
    if (!opt) continue;
    const isBool = !opt.required && !opt.optional;
    if (isBool && eq > 0) {
      const v = tok.slice(eq + 1).toLowerCase();
      const long = opt.long!.replace(/^--/, '');
      if (v === 'true' || v === '1') out[i] = opt.long!;
      else if (v === 'false' || v === '0') out[i] = findOption(cmd, `--no-${long}`) ? `--no-${long}` : '';
    } else if (!isBool && eq < 0 && opt.required) {
      i++; // the next token is this flag's value
    }
  }
  return out.filter((t, k) => t !== '' || argv[k] === '');
}
