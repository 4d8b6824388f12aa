#!/usr/bin/env -S node --
// wharf: Docker's command line as a client of the Engine API (wharfd or dockerd).
import { Command, CommanderError } from 'commander';
import { normalizeFlags, rewriteManagement, topCommand } from './argv.js';
import { autostartDaemon, DEFAULT_SOCKET } from './autostart.js';
import { versionLine } from './build-info.js';
import { ApiClient, ApiError, DaemonUnavailableError, parseHost } from './client.js';
import { isCommandName, registrationsFor } from './commands/index.js';
import { CliExit, type CliContext } from './context.js';
import { FlagValueError, OptionError } from './options/flags.js';
import { FLAG_ALIASES } from './options/flag-aliases.js';
import { FdOutput } from './output.js';

const DEFAULT_HOST = `unix://${DEFAULT_SOCKET}`;

/** The program with the commands `command` needs (all of them for help or an unknown command). */
async function buildProgram(context: () => CliContext, command: string | undefined, versionOnly = false): Promise<Command> {
  const program = new Command('wharf')
    .description('A self-sufficient runtime for containers')
    .usage('[OPTIONS] COMMAND')
    .option('-H, --host <host>', 'Daemon socket to connect to')
    .option('--config <dir>', 'Location of client config files')
    .option('-D, --debug', 'Enable debug mode')
    .option('-v, --version', 'Print version information and quit')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      writeOut: (s) => process.stdout.write(s),
      outputError: () => { /* printed by main() in Docker's words */ },
    });
  // As commander's own .version() does, but the version is looked up only when asked for.
  program.on('option:version', () => {
    process.stdout.write(`${versionLine()}\n`);
    throw new CommanderError(0, 'commander.version', versionLine());
  });
  // `wharf --version` (no command) prints and exits: no command needs registering.
  if (!versionOnly) for (const register of await registrationsFor(command)) register(program, context);
  for (const c of program.commands) c.exitOverride().configureOutput({ outputError: () => {} });
  return program;
}

/** The subcommand named on the command line (for usage hints in error messages). */
function chosenCommand(program: Command, argv: string[]): Command | undefined {
  let cmd: Command | undefined;
  let cur: Command = program;
  for (const tok of argv) {
    if (tok.startsWith('-')) continue;
    const sub = cur.commands.find((c) => c.name() === tok || c.aliases().includes(tok));
    if (!sub) break;
    cmd = cur = sub;
  }
  return cmd;
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c && c.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function usageLines(cmd: Command | undefined, hint = 'Run'): string {
  const path = cmd ? ` ${commandPath(cmd)}` : '';
  const usage = cmd ? cmd.usage() : '[OPTIONS] COMMAND [ARG...]';
  return `\nUsage:  wharf${path} ${usage}\n\n${hint} 'wharf${path} --help' for more information`;
}

/** Commander's parse errors in the words of Docker's CLI (cobra/pflag). */
function commanderMessage(err: CommanderError, cmd: Command | undefined): { text: string; code: number } {
  const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? '';
  const path = cmd ? `wharf ${commandPath(cmd)}` : 'wharf';
  switch (err.code) {
    case 'commander.unknownOption': {
      const flag = quoted.split('=')[0]!;
      const text = flag.startsWith('--') ? `unknown flag: ${flag}` : `unknown shorthand flag: '${flag.slice(1, 2)}' in ${flag}`;
      return { text: text + '\n' + usageLines(cmd), code: 125 };
    }
    case 'commander.unknownCommand':
      return { text: `wharf: unknown command: wharf ${quoted}\n\nRun 'wharf --help' for more information`, code: 1 };
    case 'commander.missingArgument': {
      const n = cmd?.registeredArguments.filter((a) => a.required).length ?? 1;
      return { text: `wharf: '${path}' requires at least ${n} argument${n === 1 ? '' : 's'}\n${usageLines(cmd, 'See')}`, code: 1 };
    }
    case 'commander.excessArguments': {
      const n = cmd?.registeredArguments.length ?? 0;
      return { text: `wharf: '${path}' requires ${n ? `at most ${n} argument${n === 1 ? '' : 's'}` : 'no arguments'}\n${usageLines(cmd, 'See')}`, code: 1 };
    }
    case 'commander.optionMissingArgument':
      return { text: `flag needs an argument: ${quoted.split(/[ ,]/).find((s) => s.startsWith('-')) ?? quoted}\n${usageLines(cmd)}`, code: 125 };
    default:
      return { text: err.message.replace(/^error: /, ''), code: 125 };
  }
}

export async function main(argv: string[]): Promise<number> {
  let ctx: CliContext | undefined;
  let program: Command | undefined = undefined;
  const context = (): CliContext => {
    if (ctx) return ctx;
    const opts = program!.opts<{ host?: string }>();
    const chosen = opts.host ?? process.env.WHARF_HOST ?? process.env.DOCKER_HOST;
    const api = new ApiClient(parseHost(chosen ?? DEFAULT_HOST));
    if (!chosen) api.onUnavailable = () => autostartDaemon(process.stderr);
    // stdin on first use: opening it costs start-up time and most commands never read it.
    ctx = { api, stdout: new FdOutput(1, () => process.stdout), stderr: new FdOutput(2, () => process.stderr), get stdin() { return process.stdin; } };
    return ctx;
  };
  // Registering every command costs tens of ms: only the invoked one is (after `container ls` -> `ps`).
  const rewritten = rewriteManagement(argv, isCommandName);
  const top = topCommand(rewritten);
  program = await buildProgram(context, top, top === undefined && rewritten.some((a) => a === '-v' || a === '--version'));
  const p = program;
  const args = normalizeFlags(rewritten, p, FLAG_ALIASES);
  const cmd = chosenCommand(p, args);
  try {
    await p.parseAsync(args, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CliExit) {
      if (err.message) process.stderr.write(`${err.message}\n`);
      return err.code;
    }
    if (err instanceof FlagValueError) {
      process.stderr.write(`${err.message}\n${usageLines(cmd)}\n`);
      return 125;
    }
    if (err instanceof OptionError) {
      process.stderr.write(`wharf: ${err.message}\n\nRun 'wharf ${cmd ? commandPath(cmd) : ''} --help' for more information\n`);
      return 125;
    }
    const e = err as CommanderError;
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      const { text, code } = commanderMessage(e, cmd);
      process.stderr.write(`${text}\n`);
      return code;
    }
    if (err instanceof ApiError) process.stderr.write(`Error response from daemon: ${err.message}\n`);
    else if (err instanceof DaemonUnavailableError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`${(err as Error).message ?? String(err)}\n`);
    return 1;
  } finally {
    ctx?.api.close();
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
