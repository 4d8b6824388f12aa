// The embedded DNS server of a user network: a UDP listener on the network's gateway address
// (containers' resolv.conf points at it). Names of containers on the querier's networks
// (name, aliases, short ID) are answered here; everything else is relayed to the host's
// resolvers and their answer passed back unchanged.
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';

const TYPE_A = 1;
const TYPE_AAAA = 28;
const CLASS_IN = 1;
const TTL = 600;
const FORWARD_TIMEOUT_MS = 4000;

export interface Question { name: string; type: number; klass: number; end: number }

/** Reads the first question of a query (names with compression pointers are refused). */
export function parseQuestion(msg: Buffer): Question | null {
  if (msg.length < 12 || msg.readUInt16BE(4) < 1) return null;
  const labels: string[] = [];
  let i = 12;
  while (i < msg.length) {
    const len = msg[i]!;
    if (len === 0) { i++; break; }
    if (len & 0xc0 || i + 1 + len > msg.length) return null;
    labels.push(msg.toString('latin1', i + 1, i + 1 + len));
    i += 1 + len;
  }
  if (i + 4 > msg.length) return null;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(i), klass: msg.readUInt16BE(i + 2), end: i + 4 };
}

/** An answer to `query` with A records (empty list: NOERROR without answers, for AAAA). */
export function answer(query: Buffer, q: Question, ips: string[], rcode = 0): Buffer {
  const head = Buffer.from(query.subarray(0, q.end));
  const rd = head[2]! & 0x01;
  head[2] = 0x80 | 0x04 | rd; // QR, AA, RD copied
  head[3] = 0x80 | rcode; // RA
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(ips.length, 6);
  head.writeUInt16BE(0, 8);
  head.writeUInt16BE(0, 10);
  const rrs = ips.map((ip) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(TTL, 6);
    rr.writeUInt16BE(4, 10);
    ip.split('.').forEach((b, k) => rr.writeUInt8(Number(b), 12 + k));
    return rr;
  });
  return Buffer.concat([head, ...rrs]);
}

/** The host's name servers (loopback ones included: the daemon runs in the host's namespace). */
export function hostNameservers(file = '/etc/resolv.conf'): string[] {
  let text = '';
  try { text = fs.readFileSync(file, 'utf8'); } catch { /* none */ }
  const out = [...text.matchAll(/^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1]!);
  return out.length ? out : ['8.8.8.8'];
}

/** Container addresses for `name` as seen from the container at `from`; null: not ours. */
export type Lookup = (name: string, from: string) => string[] | null;

export class DnsServer {
  private constructor(private readonly sock: dgram.Socket, private readonly lookup: Lookup) {}

  static listen(address: string, lookup: Lookup, port = 53): Promise<DnsServer> {
    const sock = dgram.createSocket({ type: 'udp4' });
    const server = new DnsServer(sock, lookup);
    sock.on('message', (msg, rinfo) => server.onQuery(msg, rinfo));
    return new Promise((resolve, reject) => {
      sock.once('error', (err) => { sock.close(); reject(err); });
      sock.bind({ address, port }, () => {
        sock.removeAllListeners('error');
        sock.on('error', () => {});
        resolve(server);
      });
    });
  }

  private onQuery(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const q = parseQuestion(msg);
    if (!q) return;
    const reply = (b: Buffer): void => this.sock.send(b, rinfo.port, rinfo.address);
    const name = q.name.replace(/\.$/, '');
    const ips = q.klass === CLASS_IN && (q.type === TYPE_A || q.type === TYPE_AAAA) ? this.lookup(name, rinfo.address) : null;
    if (ips) {
      reply(answer(msg, q, q.type === TYPE_A ? ips : []));
      return;
    }
    this.forward(msg, reply, q);
  }

  /** Relays to the host's resolvers in turn; SERVFAIL when none answers. */
  private forward(msg: Buffer, reply: (b: Buffer) => void, q: Question): void {
    const servers = hostNameservers();
    const up = dgram.createSocket('udp4');
    let i = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (b: Buffer): void => { clearTimeout(timer); up.close(); reply(b); };
    const next = (): void => {
      if (i >= servers.length) { finish(answer(msg, q, [], 2)); return; }
      up.send(msg, 53, servers[i++]!);
      timer = setTimeout(next, FORWARD_TIMEOUT_MS / servers.length).unref();
    };
    up.on('message', (b) => finish(b));
    up.on('error', () => { clearTimeout(timer); next(); });
    next();
  }

  get port(): number { return this.sock.address().port; }

  close(): void {
    try { this.sock.close(); } catch { /* closed */ }
  }
}
