// Volume names: Docker's rule for local volume names, and the 64-hex names of anonymous volumes.
import { randomBytes } from 'node:crypto';
import { InvalidVolumeError } from './errors.js';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function validateVolumeName(name: string): void {
  if (!NAME.test(name)) {
    throw new InvalidVolumeError(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
  }
}

export const isVolumeName = (s: string): boolean => NAME.test(s);

export function anonymousName(): string {
  return randomBytes(32).toString('hex');
}
