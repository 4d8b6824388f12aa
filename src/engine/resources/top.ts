// `docker top`: the host's ps, restricted to the container's processes (moby's top_unix.go).
import { execFile } from 'node:child_process';
import { InvalidParameterError, SystemError } from '../errors.js';

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/** Docker refuses "key=PID..." output renames except pid=, which would hide the PID column. */
export function validatePsArgs(psArgs: string): void {
  for (const m of psArgs.matchAll(/\s+([^\s]*)=\s*(PID[^\s]*)/g)) {
    if (m[1] !== 'pid') throw new InvalidParameterError(`specifying "${m[1]}=${m[2]}" is not allowed`);
  }
}

/** Whitespace split on ASCII blanks only (Docker's fieldsASCII). */
const fields = (line: string): string[] => line.split(/[ \t\n\v\f\r]+/).filter(Boolean);

/** Keeps the lines of `pids` (and their thread lines, PID "-"); the last column keeps its spaces. */
export function parsePsOutput(output: string, pids: readonly number[]): TopResult {
  const lines = output.split('\n');
  const titles = fields(lines[0] ?? '');
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw new SystemError("Couldn't find PID field in ps output");
  const wanted = new Set(pids);
  const processes: string[][] = [];
  let previousWanted = false;
  const add = (f: string[]): void => {
    processes.push([...f.slice(0, titles.length - 1), f.slice(titles.length - 1).join(' ')]);
  };
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const f = fields(line);
    if (f[pidIndex] === '-') {
      if (previousWanted) add(f);
      continue;
    }
    const pid = Number(f[pidIndex]);
    if (!Number.isInteger(pid)) throw new SystemError(`Unexpected pid '${f[pidIndex]}'`);
    previousWanted = wanted.has(pid);
    if (previousWanted) add(f);
  }
  return { Titles: titles, Processes: processes };
}

function runPs(args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('ps', args, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      resolve({ ok: !err, stdout, stderr });
    });
  });
}

/** Runs ps with the user's arguments (default -ef) for the given host pids. */
export async function top(pids: readonly number[], psArgs = ''): Promise<TopResult> {
  const argString = psArgs || '-ef';
  validatePsArgs(argString);
  const args = argString.split(' ');
  let r = await runPs([...args, `-q${pids.join(',')}`]);
  // Some options (such as f) do not combine with -q: then ps lists everything and we filter.
  if (!r.ok) r = await runPs(args);
  if (!r.ok) throw new SystemError(`ps: ${r.stderr.split('\n')[0] || 'failed'}`);
  return parsePsOutput(r.stdout, pids);
}
