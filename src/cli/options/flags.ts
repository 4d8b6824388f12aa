// Declaring Docker-style flags on commander commands: values are checked as they are parsed
// (as pflag does) and a bad one ends the CLI with Docker's message and exit code 125.
import { Option, type Command } from 'commander';
import { parseGoDuration, parseGoInt, parseNanoCpus, ramInBytes } from './go-parse.js';

/** A flag value that failed to parse: `invalid argument "x" for "-m, --memory" flag: ...`. */
export class FlagValueError extends Error {
  constructor(readonly flag: string, readonly value: string, readonly reason: string) {
    super(`invalid argument ${JSON.stringify(value)} for ${JSON.stringify(flag)} flag: ${reason}`);
  }
}

/** An error found after parsing (conflicts, bad specs): `wharf: <message>`. */
export class OptionError extends Error {}

export type Kind = 'bool' | 'string' | 'list' | 'int' | 'uint16' | 'bytes' | 'swap' | 'duration' | 'cpus';

export interface FlagDef {
  /** "-m, --memory" or "--memory-swap". */
  names: string;
  kind: Kind;
  desc: string;
  /** Value name shown in help. */
  arg?: string;
  /** Checked (and converted) per value; throws with the reason text. */
  check?: (v: string) => unknown;
  default?: unknown;
  hidden?: boolean;
}

function convert(kind: Kind, v: string): unknown {
  switch (kind) {
    case 'int': return parseGoInt(v);
    case 'uint16': return parseGoInt(v, 16, true);
    case 'bytes': return ramInBytes(v);
    case 'swap': return v === '-1' ? -1 : ramInBytes(v);
    case 'duration': return parseGoDuration(v);
    case 'cpus': return parseNanoCpus(v);
    default: return v;
  }
}

const ARG_NAMES: Partial<Record<Kind, string>> = { int: 'int', uint16: 'uint16', bytes: 'bytes', swap: 'bytes', duration: 'duration', cpus: 'decimal', list: 'list', string: 'string' };

/** Adds the flags to `cmd`. Repeated list flags accumulate; other flags keep their last value. */
export function addFlags(cmd: Command, defs: FlagDef[]): Command {
  for (const d of defs) {
    const flags = d.kind === 'bool' ? d.names : `${d.names} <${d.arg ?? ARG_NAMES[d.kind]}>`;
    const opt = new Option(flags, d.desc);
    if (d.hidden) opt.hideHelp();
    if (d.kind !== 'bool') {
      opt.argParser((value: string, previous: unknown) => {
        let v: unknown;
        try {
          v = convert(d.kind, value);
          if (d.check) v = d.check(value);
        } catch (err) {
          throw new FlagValueError(d.names, value, (err as Error).message);
        }
        if (d.kind !== 'list') return v;
        return [...(Array.isArray(previous) ? previous : []), v];
      });
    }
    if (d.default !== undefined) opt.default(d.default);
    cmd.addOption(opt);
    // Go's bool flags take --flag=false: accepted as --no-flag (see normalizeBoolArgs).
    const long = /--([\w-]+)/.exec(d.names)![1]!;
    if (d.kind === 'bool' && !long.startsWith('no-')) {
      cmd.addOption(new Option(`--no-${long}`).hideHelp());
    }
  }
  return cmd;
}

/** Usage line and help hint appended to flag errors, as Docker prints them. */
export function usageHint(cmdPath: string, usage: string): string {
  return `\nUsage:  wharf ${cmdPath} ${usage}\n\nRun 'wharf ${cmdPath} --help' for more information`;
}
