// Signal names and numbers as Docker accepts them ("USR1", "SIGUSR1", "10").
import { constants } from 'node:os';
import { InvalidParameterError } from '../errors.js';

const SIGNALS = constants.signals as Record<string, number>;

/** Number of a signal given as name (with or without SIG) or number; throws naming `field`. */
export function parseSignal(value: string | number, field = 'signal'): number {
  if (typeof value === 'number' || /^[0-9]+$/.test(value)) {
    const n = Number(value);
    if (n < 1 || n > 64) throw new InvalidParameterError(`Invalid ${field}: ${value}`);
    return n;
  }
  const upper = value.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const n = SIGNALS[name];
  if (n === undefined) throw new InvalidParameterError(`Invalid ${field}: ${value}`);
  return n;
}

export function signalNumber(name: string | null): number {
  if (!name) return 0;
  return SIGNALS[name] ?? (Number(name.replace(/^SIG/, '')) || 0);
}
