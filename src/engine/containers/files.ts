// Per-container /etc/hostname, /etc/hosts and /etc/resolv.conf, written at create into the
// container directory and bind-mounted at start (as Docker does).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

const HOSTS_BASE = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

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
