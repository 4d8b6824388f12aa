// node:net's isIP, with node:net loaded on first use: loading it (and the streams under it) costs
// ~10 ms, and most runs of the CLI check no address. (process.getBuiltinModule: Node >= 20.16.)

type Net = typeof import('node:net');
let net: Net | undefined;

/** 4 or 6 for an IPv4 or IPv6 address, 0 otherwise (as net.isIP). */
export function isIP(text: string): number {
  net ??= process.getBuiltinModule('node:net') as Net;
  return net.isIP(text);
}
