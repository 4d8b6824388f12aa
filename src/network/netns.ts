// Network namespaces held by a bind mount at a path, and the veth plumbing of each interface.
// A whole sandbox is made by ONE command: `unshare --net=<path> ip -batch -` creates the namespace,
// pins it at <path>, and runs the batch inside it; the host end of each veth is created straight
// into the daemon's namespace (netns /proc/<pid>/ns/net), enslaved to its bridge by index.
// The commands go through long-lived shells (storage/program-runner.ts), not a spawn of the daemon each.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runProgram } from '../storage/program-runner.js';
import { system } from './errors.js';

export interface IfaceSpec {
  /** Name inside the container (eth0, eth1...). */
  ifname: string;
  /** Host end of the veth. */
  hostVeth: string;
  bridge: string;
  mtu: number;
  mac: string;
  ip: string;
  prefix: number;
  /** Default route through this gateway (the first non-internal network only). */
  defaultVia?: string;
}

/** Index of a host link (the batch runs in the container's namespace, where names are unknown). */
export function linkIndex(name: string): number {
  return Number(fs.readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8'));
}

/** `ip -batch` lines run inside the container namespace for these interfaces. */
export function ifaceBatch(ifaces: IfaceSpec[], hostNetns: string, loUp: boolean): string {
  const lines: string[] = [];
  if (loUp) lines.push('link set lo up');
  for (const i of ifaces) {
    lines.push(
      `link add ${i.hostVeth} mtu ${i.mtu} master if${linkIndex(i.bridge)} up netns ${hostNetns} type veth peer name ${i.ifname} mtu ${i.mtu} address ${i.mac}`,
      `addr add ${i.ip}/${i.prefix} brd + dev ${i.ifname}`,
      `link set ${i.ifname} up`,
    );
    if (i.defaultVia) lines.push(`route add default via ${i.defaultVia} dev ${i.ifname}`);
  }
  return lines.join('\n') + '\n';
}

const SELF_NETNS = `/proc/${process.pid}/ns/net`;
/** Runs `cmd args` (stdin: `input`); its output, or a clear error naming the command on a non-zero exit. */
async function run(cmd: string, args: string[], input?: string): Promise<string> {
  const r = await runProgram(cmd, args, input === undefined ? {} : { input });
  const out = r.stdout + r.stderr;
  if (r.code !== 0) throw system(`${cmd} ${args.join(' ')} failed (${r.code}): ${out.trim()}`);
  return out;
}

/** Creates the namespace pinned at `nsPath` with its interfaces; nothing is left on failure. */
export async function createSandbox(nsPath: string, ifaces: IfaceSpec[]): Promise<void> {
  fs.mkdirSync(path.dirname(nsPath), { recursive: true, mode: 0o700 });
  fs.writeFileSync(nsPath, '', { mode: 0o444 });
  try {
    await run('unshare', [`--net=${nsPath}`, 'ip', '-batch', '-'], ifaceBatch(ifaces, SELF_NETNS, true));
  } catch (err) {
    await removeSandbox(nsPath);
    throw err;
  }
}

/** Adds interfaces to a running sandbox (network connect). */
export async function addInterfaces(nsPath: string, ifaces: IfaceSpec[]): Promise<void> {
  await run('nsenter', [`--net=${nsPath}`, 'ip', '-batch', '-'], ifaceBatch(ifaces, SELF_NETNS, false));
}

/** Removes one interface (and so its host veth end) from a sandbox (network disconnect). */
export async function removeInterface(nsPath: string, ifname: string): Promise<void> {
  await run('nsenter', [`--net=${nsPath}`, 'ip', 'link', 'del', ifname]);
}

function isMounted(p: string): boolean {
  try {
    return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === p);
  } catch { return false; }
}

/**
 * Unpins and deletes a sandbox. The kernel destroys the namespace, and with it the veths, once
 * the container's processes are gone too.
 */
export async function removeSandbox(nsPath: string): Promise<void> {
  if (isMounted(nsPath)) {
    await run('umount', [nsPath]).catch(() => run('umount', ['-l', nsPath]).catch(() => {}));
  }
  fs.rmSync(nsPath, { force: true });
}

/** Sandboxes pinned under `dir` (reconciliation sweeps those no container owns). */
export function listSandboxes(dir: string): string[] {
  try { return fs.readdirSync(dir).map((n) => path.join(dir, n)); } catch { return []; }
}
