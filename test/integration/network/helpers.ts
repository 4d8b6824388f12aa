// What a network test checks on the host: the daemon's veths, pinned namespaces, iptables
// chains and leases (all named or stored per daemon, so parallel runs do not disturb the count),
// plus small TCP/UDP clients and a static UDP echo server for containers.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** The per-daemon tag of chain and veth names (see src/network/service.ts). */
export function daemonTag(dataRoot: string): string {
  return createHash('sha256').update(path.resolve(dataRoot)).digest('hex').slice(0, 6);
}

export interface Leftovers { veths: string[]; netns: string[]; rules: string[]; leases: string[] }

export function leftovers(dataRoot: string, execRoot: string): Leftovers {
  const tag = daemonTag(dataRoot);
  const veths = fs.readdirSync('/sys/class/net').filter((n) => n.startsWith(`wh${tag.slice(0, 4)}`));
  const netns = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(path.join(execRoot, 'netns') + '/'));
  const rules = ['filter', 'nat'].flatMap((t) => execFileSync('iptables-save', ['-t', t], { encoding: 'utf8' }).split('\n')).filter((l) => l.includes(`-${tag}`));
  let leases: string[] = [];
  const dir = path.join(dataRoot, 'network', 'endpoints');
  try {
    leases = fs.readdirSync(dir).filter((f) => f.endsWith('.json'))
      .filter((f) => (JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { sandbox?: unknown }).sandbox)
      .map((f) => f.slice(0, -'.json'.length));
  } catch { /* no directory yet */ }
  return { veths, netns, rules, leases };
}

/** A non-loopback IPv4 address of the host. */
export function hostAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal && !/^(wh|br-)/.test(a.address)) return a.address;
  }
  throw new Error('no non-loopback IPv4 address on this host');
}

/** Connects, optionally sends, and reads until the server closes (or the timeout). */
export function tcpRead(host: string, port: number, send = '', timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host);
    let data = '';
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`no answer from ${host}:${port}`)); }, timeoutMs);
    s.on('connect', () => { if (send) s.write(send); });
    s.setEncoding('utf8').on('data', (d: string) => { data += d; });
    s.on('close', () => { clearTimeout(timer); resolve(data); });
    s.on('error', (err) => { clearTimeout(timer); reject(err); });
  });
}

export function udpAsk(host: string, port: number, msg: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => { s.close(); reject(new Error(`no UDP answer from ${host}:${port}`)); }, timeoutMs);
    s.on('message', (m) => { clearTimeout(timer); s.close(); resolve(m.toString()); });
    s.send(msg, port, host);
  });
}

/** A static UDP echo server (busybox has none) compiled into `dir`; it listens on port 9000. */
export function buildUdpEcho(dir: string): string {
  const src = path.join(dir, 'udpecho.c');
  const bin = path.join(dir, 'udpecho');
  fs.writeFileSync(src, `#include <sys/socket.h>
#include <netinet/in.h>
int main(void) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(9000);
  if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) return 1;
  char b[2048];
  for (;;) {
    struct sockaddr_in c;
    socklen_t l = sizeof c;
    int n = recvfrom(s, b, sizeof b, 0, (struct sockaddr *)&c, &l);
    if (n > 0) sendto(s, b, n, 0, (struct sockaddr *)&c, l);
  }
}
`);
  execFileSync('cc', ['-static', '-O2', '-o', bin, src]);
  return bin;
}
