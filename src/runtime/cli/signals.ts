// Signal names and numbers as runc accepts them: "KILL", "SIGKILL", "9".
import { constants } from 'node:os';

export function parseSignal(s: string): number {
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n < 1 || n > 64) throw new Error(`invalid signal "${s}"`);
    return n;
  }
  const name = (s.toUpperCase().startsWith('SIG') ? s.toUpperCase() : `SIG${s.toUpperCase()}`) as keyof typeof constants.signals;
  const n = constants.signals[name];
  if (n === undefined) throw new Error(`invalid signal "${s}"`);
  return n;
}
