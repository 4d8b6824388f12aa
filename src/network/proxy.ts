// The userland proxy behind published ports: the daemon listens on the host port (which also
// reserves it: a port in use fails here, before the container starts) and relays each TCP
// connection or UDP flow to the container's address. Works for 127.0.0.1 and every host address
// without route_localnet or DNAT rules.
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { conflict, system } from './errors.js';
import type { PortMapping, PortRequest } from './ports.js';

const UDP_IDLE_MS = 60_000;

export interface Proxy { mapping: PortMapping; close(): void }

/** Binds the host side of a request (first free port of a range, any port for 0). */
export async function openProxy(req: PortRequest, targetIp: string): Promise<Proxy> {
  const ports = req.hostPort === 0 ? [0] : range(req.hostPort, req.hostPortEnd);
  let lastErr: Error | undefined;
  for (const port of ports) {
    try {
      return req.proto === 'tcp' ? await tcpProxy(req, port, targetIp) : await udpProxy(req, port, targetIp);
    } catch (err) {
      lastErr = err as Error;
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
    }
  }
  const code = (lastErr as NodeJS.ErrnoException | undefined)?.code;
  const where = `${req.hostIp}:${req.hostPortEnd > req.hostPort ? `${req.hostPort}-${req.hostPortEnd}` : req.hostPort}`;
  if (code === 'EADDRINUSE') throw conflict(`driver failed programming external connectivity: Bind for ${where} failed: port is already allocated`);
  if (code === 'EADDRNOTAVAIL') throw conflict(`driver failed programming external connectivity: listen ${req.proto} ${where}: bind: cannot assign requested address`);
  throw system(`publishing port ${where}/${req.proto}: ${lastErr?.message}`);
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let p = a; p <= Math.max(a, b); p++) out.push(p);
  return out;
}

function tcpProxy(req: PortRequest, port: number, targetIp: string): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: targetIp, port: req.containerPort });
    sockets.add(client).add(upstream);
    const done = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
    // Half-close passes through (nc-style clients end their side and wait for the answer).
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: req.hostIp, port, exclusive: true }, () => {
      server.off('error', reject);
      server.on('error', () => {});
      const bound = (server.address() as net.AddressInfo).port;
      resolve({
        mapping: { proto: 'tcp', containerPort: req.containerPort, hostIp: req.hostIp, hostPort: bound },
        close: () => { server.close(); for (const s of sockets) s.destroy(); },
      });
    });
  });
}

function udpProxy(req: PortRequest, port: number, targetIp: string): Promise<Proxy> {
  const sock = dgram.createSocket({ type: 'udp4' });
  const flows = new Map<string, { up: dgram.Socket; timer: NodeJS.Timeout }>();
  const endFlow = (key: string): void => {
    const f = flows.get(key);
    if (!f) return;
    clearTimeout(f.timer);
    f.up.close();
    flows.delete(key);
  };
  sock.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    let f = flows.get(key);
    if (!f) {
      const up = dgram.createSocket('udp4');
      up.on('message', (reply) => {
        sock.send(reply, rinfo.port, rinfo.address);
        const cur = flows.get(key);
        cur?.timer.refresh();
      });
      up.on('error', () => endFlow(key));
      f = { up, timer: setTimeout(() => endFlow(key), UDP_IDLE_MS).unref() };
      flows.set(key, f);
    }
    f.timer.refresh();
    f.up.send(msg, req.containerPort, targetIp);
  });
  return new Promise((resolve, reject) => {
    sock.once('error', (err) => { sock.close(); reject(err); });
    sock.bind({ address: req.hostIp, port, exclusive: true }, () => {
      sock.removeAllListeners('error');
      sock.on('error', () => {});
      resolve({
        mapping: { proto: 'udp', containerPort: req.containerPort, hostIp: req.hostIp, hostPort: sock.address().port },
        close: () => { for (const k of [...flows.keys()]) endFlow(k); sock.close(); },
      });
    });
  });
}
