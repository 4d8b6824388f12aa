// Per-container /etc/hostname, /etc/hosts and /etc/resolv.conf, written at create into the
// container directory and bind-mounted at start (as Docker does).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { HOSTS_BASE } from '../../network/etc-files.js';


/** Host resolv.conf without loopback name servers (unreachable from a container netns). */
export async function containerResolvConf(hostNetwork: boolean): Promise<string> {
  let text = '';
  try { text = await fs.readFile('/etc/resolv.conf', 'utf8'); } catch { /* none on the host */ }
  if (hostNetwork) return text;
  const lines = text.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1\b|0\.0\.0\.0)/.test(l));
  if (!lines.some((l) => /^\s*nameserver\s/.test(l))) lines.push('nameserver 8.8.8.8', 'nameserver 8.8.4.4');
  return lines.filter((l, i, a) => l !== '' || i < a.length - 1).join('\n') + '\n';
}

export interface ContainerFiles { hostname: string; hosts: string; resolvConf: string }

export async function writeContainerFiles(dir: string, hostname: string, hostNetwork: boolean): Promise<ContainerFiles> {
  const files = {
    hostname: path.join(dir, 'hostname'),
    hosts: path.join(dir, 'hosts'),
    resolvConf: path.join(dir, 'resolv.conf'),
  };
  const hosts = hostNetwork
    ? await fs.readFile('/etc/hosts', 'utf8').catch(() => HOSTS_BASE.join('\n') + '\n')
    : HOSTS_BASE.join('\n') + '\n';
  await Promise.all([
    fs.writeFile(files.hostname, `${hostname}\n`, { mode: 0o644 }),
    fs.writeFile(files.hosts, hosts, { mode: 0o644 }),
    fs.writeFile(files.resolvConf, await containerResolvConf(hostNetwork), { mode: 0o644 }),
  ]);
  return files;
}
