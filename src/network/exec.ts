// Running the host's network tools (ip, unshare, nsenter, iptables-restore, umount): one spawn
// with the whole batch on stdin, stderr kept for the error message.
import { spawn } from 'node:child_process';
import { system } from './errors.js';

export interface RunResult { stdout: string; stderr: string }

export function run(cmd: string, args: string[], input?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', (err) => reject(system(`${cmd}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(system(`${cmd} ${args.join(' ')} failed (${code ?? signal}): ${stderr.trim() || stdout.trim()}`));
    });
    if (input !== undefined) {
      child.stdin!.on('error', () => {});
      child.stdin!.end(input);
    }
  });
}
